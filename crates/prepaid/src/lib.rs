#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

mod config;
mod error;
mod model;
pub mod money;
pub mod providers;
mod transport;

use std::sync::Arc;

use secrecy::SecretString;

pub use config::{DEFAULT_MAX_RESPONSE_BYTES, DEFAULT_TIMEOUT, ProviderConfig, RetryPolicy};
pub use error::Error;
pub use model::{Amount, Balance, Provenance, Provider, Unit, UnknownProvider};
pub use providers::BalanceSource;
pub use providers::runtools::{AutoTopup, LedgerEntry, Runtools, UsagePeriod, UsageSummary};

use providers::Source;
use transport::Shared;

/// Every configured vendor's balance behind one call. Cheap to clone (it shares one HTTP
/// client and the adapters).
#[derive(Clone)]
pub struct Prepaid {
    sources: Vec<Source>,
    shared: Arc<Shared>,
}

impl std::fmt::Debug for Prepaid {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Prepaid")
            .field("providers", &self.providers())
            .field("max_response_bytes", &self.shared.max_response_bytes)
            .field("retry", &self.shared.retry)
            .finish()
    }
}

impl Prepaid {
    /// A builder for a programmatic configuration.
    pub fn builder() -> PrepaidBuilder {
        PrepaidBuilder::default()
    }

    /// The vendors configured in the process environment: each one whose `<PREFIX>_API_KEY`
    /// is set (`RUNCRATE_API_KEY`, `NGROK_AI_GATEWAY_API_KEY`, `RUNTOOLS_API_KEY`,
    /// `VENICE_API_KEY`), with `<PREFIX>_BASE_URL` overriding its base URL. A variable
    /// that is set but empty (or not Unicode) is an error rather than a skipped vendor.
    pub fn from_env() -> Result<Self, Error> {
        Self::from_env_vars(|name| {
            std::env::var_os(name).map(|value| match value.into_string() {
                Ok(text) => text,
                // Not Unicode: keep it refusable (a key must be ASCII) without showing it.
                Err(_) => "\u{FFFD}".to_string(),
            })
        })
    }

    /// As [`Prepaid::from_env`], reading variables through `var` (for tests and for
    /// configuration that lives elsewhere).
    pub fn from_env_vars(var: impl Fn(&str) -> Option<String>) -> Result<Self, Error> {
        Self::builder().env_vars(var)?.build()
    }

    /// The configured providers, in [`Provider::ALL`] order.
    pub fn providers(&self) -> Vec<Provider> {
        self.sources.iter().map(|s| s.as_dyn().provider()).collect()
    }

    /// Every configured provider's balance, fetched concurrently: one result per provider,
    /// in [`Provider::ALL`] order. One failing, slow or malformed vendor never hides the
    /// others; the call takes about as long as the slowest provider (each is bounded by its
    /// own timeout).
    pub async fn fetch_all(&self) -> Vec<(Provider, Result<Balance, Error>)> {
        let sources: Vec<_> = self.sources.iter().map(Source::as_dyn).collect();
        let fetches = sources
            .iter()
            .map(|source| async move { (source.provider(), source.fetch().await) });
        futures_util::future::join_all(fetches).await
    }

    /// One provider's balance ([`Error::NotConfigured`] if it has no key).
    pub async fn fetch(&self, provider: Provider) -> Result<Balance, Error> {
        let source = self
            .sources
            .iter()
            .map(Source::as_dyn)
            .find(|s| s.provider() == provider)
            .ok_or(Error::NotConfigured { provider })?;
        source.fetch().await
    }

    /// runtools' read-only billing extras (ledger history, usage, auto-top-up settings).
    pub fn runtools(&self) -> Result<Runtools, Error> {
        self.sources
            .iter()
            .find_map(|s| match s {
                Source::Runtools(source) => Some(Runtools::new(Arc::clone(source))),
                _ => None,
            })
            .ok_or(Error::NotConfigured {
                provider: Provider::Runtools,
            })
    }

    /// The configured adapters, as trait objects.
    pub fn sources(&self) -> Vec<Arc<dyn BalanceSource>> {
        self.sources.iter().map(Source::as_dyn).collect()
    }
}

/// Builds a [`Prepaid`]: providers, retry policy and response size limit. Nothing is
/// checked until [`PrepaidBuilder::build`].
#[derive(Debug, Clone)]
pub struct PrepaidBuilder {
    configs: Vec<ProviderConfig>,
    retry: RetryPolicy,
    max_response_bytes: u64,
    timeout: Option<std::time::Duration>,
}

impl Default for PrepaidBuilder {
    fn default() -> Self {
        Self {
            configs: Vec::new(),
            retry: RetryPolicy::default(),
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
            timeout: None,
        }
    }
}

impl PrepaidBuilder {
    /// Configure one provider (each at most once).
    pub fn provider(mut self, config: ProviderConfig) -> Self {
        self.configs.push(config);
        self
    }

    /// Configure `provider` with `api_key` and its defaults.
    pub fn api_key(self, provider: Provider, api_key: impl Into<SecretString>) -> Self {
        self.provider(ProviderConfig::new(provider, api_key))
    }

    /// Add the providers configured in `var` (see [`Prepaid::from_env`]).
    pub fn env_vars(mut self, var: impl Fn(&str) -> Option<String>) -> Result<Self, Error> {
        self.configs.extend(config::from_env_vars(var)?);
        Ok(self)
    }

    /// Bound every configured provider's whole fetch by `timeout` (overriding each
    /// [`ProviderConfig::timeout`]), as `prepaid --timeout` does.
    pub fn timeout(mut self, timeout: std::time::Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// When GETs are retried (default: [`RetryPolicy::default`]).
    pub fn retry_policy(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// The largest response body read, in bytes (default 1 MiB); a larger one fails with
    /// [`Error::ResponseTooLarge`].
    pub fn max_response_bytes(mut self, limit: u64) -> Self {
        self.max_response_bytes = limit;
        self
    }

    /// Check every setting and build the shared HTTP client (rustls; redirects to another
    /// origin refused). Errors are [`Error::InvalidConfig`] and never contain a key.
    pub fn build(self) -> Result<Prepaid, Error> {
        self.retry.validate()?;
        if self.max_response_bytes == 0 {
            return Err(Error::InvalidConfig {
                provider: None,
                reason: "the response size limit must be greater than zero".to_string(),
            });
        }
        let mut configs = self.configs;
        if let Some(timeout) = self.timeout {
            configs = configs.into_iter().map(|c| c.timeout(timeout)).collect();
        }
        configs.sort_by_key(ProviderConfig::provider);
        if let Some(pair) = configs
            .windows(2)
            .find(|w| w[0].provider() == w[1].provider())
        {
            return Err(Error::InvalidConfig {
                provider: Some(pair[0].provider()),
                reason: "configured more than once".to_string(),
            });
        }
        let validated = configs
            .iter()
            .map(|c| c.validate().map(|url| (c, url)))
            .collect::<Result<Vec<_>, _>>()?;
        let shared = Arc::new(Shared {
            http: transport::http_client()?,
            max_response_bytes: self.max_response_bytes,
            retry: self.retry,
        });
        let sources = validated
            .into_iter()
            .map(|(config, url)| providers::source(config, url, Arc::clone(&shared)))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Prepaid { sources, shared })
    }
}

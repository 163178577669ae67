#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

mod account;
mod config;
mod error;
mod model;
pub mod money;
pub mod providers;
mod tolerant;
mod transport;

use std::sync::Arc;

use secrecy::SecretString;

pub use account::{Account, AccountBalance};
/// The time type of [`Balance::fetched_at`] and the estimates (re-exported likewise).
pub use chrono::{DateTime, Utc};
pub use config::{
    DEFAULT_CONCURRENCY, DEFAULT_MAX_RESPONSE_BYTES, DEFAULT_TIMEOUT, ProviderConfig, RetryPolicy,
};
pub use error::Error;
pub use model::{Amount, Balance, Provenance, Provider, RawBody, Unit, UnknownProvider};
/// The exact decimal every amount is (re-exported, so a user's `Decimal` is always this one).
pub use rust_decimal::Decimal;
/// runtools' billing extras: its ledger, usage and auto-top-up settings
/// ([`Prepaid::runtools`]).
#[cfg(feature = "runtools")]
pub mod runtools {
    pub use crate::providers::runtools::{
        AutoTopup, LedgerEntry, Runtools, UsagePeriod, UsageSummary,
    };
}

use providers::Source;
use transport::Shared;

/// Every configured account's balance behind one call. Cheap to clone (it shares one HTTP
/// client, whose connection pool is per vendor host, and the adapters).
#[derive(Clone)]
pub struct Prepaid {
    accounts: Vec<(Arc<Account>, Source)>,
    shared: Arc<Shared>,
}

impl std::fmt::Debug for Prepaid {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Prepaid")
            .field("providers", &self.providers())
            .field("accounts", &self.accounts.len())
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

    /// The configured providers, in [`Provider::ALL`] order, each once.
    pub fn providers(&self) -> Vec<Provider> {
        let mut providers: Vec<Provider> = self.accounts.iter().map(|(a, _)| a.provider).collect();
        providers.dedup();
        providers
    }

    /// The configured accounts, in [`Provider::ALL`] order, then in the order configured.
    pub fn accounts(&self) -> Vec<Account> {
        self.accounts
            .iter()
            .map(|(a, _)| Account::clone(a))
            .collect()
    }

    /// Every configured account's balance, fetched concurrently: one result per account, in
    /// [`Prepaid::accounts`] order. One failing, slow or malformed vendor never hides the
    /// others; the call takes about as long as the slowest account (each is bounded by its
    /// own timeout), or longer where the concurrency limit or a rate limit makes fetches wait.
    pub async fn fetch_all(&self) -> Vec<(Provider, Result<Balance, Error>)> {
        self.fetch_accounts()
            .await
            .into_iter()
            .map(|fetched| (fetched.account.provider, fetched.result))
            .collect()
    }

    /// As [`Prepaid::fetch_all`], with each result's account and how long its fetch took.
    /// At most [`PrepaidBuilder::concurrency`] requests are in flight at once, and no more
    /// fetches than that are under way (so memory stays flat however many accounts there
    /// are).
    pub async fn fetch_accounts(&self) -> Vec<AccountBalance> {
        use futures_util::StreamExt;
        // Owned (two `Arc`s each), so the stream is `Send` for `tokio::spawn`.
        let fetches = self.accounts.iter().cloned().enumerate().map(
            |(index, (account, source))| async move {
                let started = std::time::Instant::now();
                let result = source.fetch().await;
                let duration = started.elapsed();
                let fetched = AccountBalance {
                    account,
                    result,
                    duration,
                };
                (index, fetched)
            },
        );
        let mut slots: Vec<Option<AccountBalance>> = Vec::new();
        slots.resize_with(self.accounts.len(), || None);
        let mut done =
            futures_util::stream::iter(fetches).buffer_unordered(self.shared.concurrency);
        while let Some((index, fetched)) = done.next().await {
            if let Some(slot) = slots.get_mut(index) {
                *slot = Some(fetched);
            }
        }
        slots.into_iter().flatten().collect()
    }

    /// One provider's balance: its first account's ([`Error::NotConfigured`] if it has none).
    pub async fn fetch(&self, provider: Provider) -> Result<Balance, Error> {
        let (_, source) = self
            .accounts
            .iter()
            .find(|(a, _)| a.provider == provider)
            .ok_or(Error::NotConfigured { provider })?;
        source.fetch().await
    }

    /// The billing extras of `account`, one of the configured runtools accounts (found by
    /// provider and name), or [`Error::NotConfigured`].
    #[cfg(feature = "runtools")]
    pub fn runtools_for(&self, account: &Account) -> Result<runtools::Runtools, Error> {
        self.accounts
            .iter()
            .find_map(|(a, s)| match s {
                Source::Runtools(source)
                    if a.provider == account.provider && a.name == account.name =>
                {
                    Some(runtools::Runtools::new(Arc::clone(source)))
                }
                #[allow(unreachable_patterns)]
                _ => None,
            })
            .ok_or(Error::NotConfigured {
                provider: Provider::Runtools,
            })
    }

    /// runtools' read-only billing extras (ledger history, usage, auto-top-up settings).
    #[cfg(feature = "runtools")]
    pub fn runtools(&self) -> Result<runtools::Runtools, Error> {
        self.accounts
            .iter()
            .find_map(|(_, s)| match s {
                Source::Runtools(source) => Some(runtools::Runtools::new(Arc::clone(source))),
                #[allow(unreachable_patterns)]
                _ => None,
            })
            .ok_or(Error::NotConfigured {
                provider: Provider::Runtools,
            })
    }
}

/// Builds a [`Prepaid`]: accounts, retry policy, response size limit, concurrency and rate
/// limits. Nothing is checked until [`PrepaidBuilder::build`].
#[derive(Debug, Clone)]
pub struct PrepaidBuilder {
    configs: Vec<ProviderConfig>,
    retry: RetryPolicy,
    max_response_bytes: u64,
    timeout: Option<std::time::Duration>,
    concurrency: usize,
    rate_limits: Vec<(Provider, std::num::NonZeroU32)>,
    proxy: transport::ProxySetting,
}

impl Default for PrepaidBuilder {
    fn default() -> Self {
        Self {
            configs: Vec::new(),
            retry: RetryPolicy::default(),
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
            timeout: None,
            concurrency: DEFAULT_CONCURRENCY,
            rate_limits: Vec::new(),
            proxy: transport::ProxySetting::FromEnvironment,
        }
    }
}

impl PrepaidBuilder {
    /// Configure one account of a provider (each provider and account name at most once).
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

    /// Bound the whole fetch of every account that sets no timeout of its own by `timeout`
    /// (default [`DEFAULT_TIMEOUT`]): an account's
    /// [`ProviderConfig::timeout`] wins, as an account's `timeout` in `prepaid`'s accounts
    /// file wins over `prepaid --timeout`.
    pub fn timeout(mut self, timeout: std::time::Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// At most `limit` HTTP requests in flight at once (default [`DEFAULT_CONCURRENCY`]),
    /// across every account, every call and every clone of the built [`Prepaid`], retries
    /// and runtools' second request included; the connections to a vendor never outnumber
    /// it.
    pub fn concurrency(mut self, limit: usize) -> Self {
        self.concurrency = limit;
        self
    }

    /// At most `per_second` requests a second to `provider` (a token bucket whose burst is
    /// one second's worth), retries and runtools' second call included.
    pub fn rate_limit(mut self, provider: Provider, per_second: std::num::NonZeroU32) -> Self {
        self.rate_limits.retain(|(p, _)| *p != provider);
        self.rate_limits.push((provider, per_second));
        self
    }

    /// Send every request through the HTTP proxy at `url` (`http://host:port`, with
    /// `user:password@` if it asks for them), instead of the proxies the standard variables
    /// name. By default those are used: `HTTPS_PROXY` (or `https_proxy`) for https vendors,
    /// `HTTP_PROXY` for http ones, `ALL_PROXY` for both, and `NO_PROXY` lists the hosts that
    /// go direct.
    pub fn proxy(mut self, url: impl Into<String>) -> Self {
        self.proxy = transport::ProxySetting::Url(url.into());
        self
    }

    /// Use no proxy at all, whatever the standard variables say.
    pub fn no_proxy(mut self) -> Self {
        self.proxy = transport::ProxySetting::None;
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
        if self.concurrency == 0 {
            return Err(Error::InvalidConfig {
                provider: None,
                reason: "the concurrency limit must be greater than zero".to_string(),
            });
        }
        let mut configs = self.configs;
        if let Some(timeout) = self.timeout {
            configs = configs.into_iter().map(|c| c.or_timeout(timeout)).collect();
        }
        // Stable: accounts of one provider keep the order they were configured in.
        configs.sort_by_key(ProviderConfig::provider);
        let mut seen = std::collections::HashSet::new();
        for config in &configs {
            if !seen.insert((config.provider(), config.account_name())) {
                return Err(Error::InvalidConfig {
                    provider: Some(config.provider()),
                    reason: format!(
                        "account `{}` configured more than once",
                        config.account_name()
                    ),
                });
            }
        }
        let validated = configs
            .iter()
            .map(|c| c.validate().map(|url| (c, url)))
            .collect::<Result<Vec<_>, _>>()?;
        let shared = Arc::new(Shared {
            http: transport::http_client(self.concurrency, &self.proxy)?,
            max_response_bytes: self.max_response_bytes,
            retry: self.retry,
            rate_limits: transport::RateLimits::new(&self.rate_limits),
            concurrency: self.concurrency,
            in_flight: tokio::sync::Semaphore::new(self.concurrency),
        });
        let accounts = validated
            .into_iter()
            .map(|(config, url)| {
                let source = providers::source(config, url, Arc::clone(&shared))?;
                Ok((Arc::new(config.account()), source))
            })
            .collect::<Result<Vec<_>, Error>>()?;
        Ok(Prepaid { accounts, shared })
    }
}

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
mod vendors;

use std::sync::Arc;

pub use account::{Account, AccountBalance};
/// The time type of [`Balance::fetched_at`] and the estimates (re-exported likewise).
pub use chrono::{DateTime, Utc};
pub use config::{
    ApiKey, DEFAULT_CONCURRENCY, DEFAULT_MAX_RESPONSE_BYTES, DEFAULT_TIMEOUT, ProviderConfig,
    RetryPolicy,
};
pub use error::{ConfigError, Error, ErrorKind};
pub use model::{Amount, Balance, Provenance, Provider, RawBody, Unit, UnknownProvider};
/// The HTTP client crate of [`ProviderConfig::http_client`] and [`http_client_builder`]
/// (re-exported, so a caller's `reqwest` is always this one).
pub use reqwest;
/// The exact decimal every amount is (re-exported, so a user's `Decimal` is always this one).
pub use rust_decimal::Decimal;
/// runtools' billing extras: its ledger, usage and auto-top-up settings
/// ([`Prepaid::runtools`]).
#[cfg(feature = "runtools")]
pub mod runtools {
    pub use crate::providers::runtools::{AutoTopup, LedgerEntry, Runtools, Usage, UsagePeriod};
}

use prepaid_client_runtime::TrustRoots;
use providers::Source;
use transport::Shared;

/// Every configured account's balance behind one call. Cheap to clone (it shares one HTTP
/// client, whose connection pool is per vendor host, and the adapters).
#[derive(Clone)]
pub struct Prepaid {
    accounts: Arc<[(Arc<Account>, Source)]>,
    shared: Arc<Shared>,
}

// `Prepaid` goes anywhere a task does, and so do its calls' futures: checked by the compiler
// in every build, not by a test that could be left out.
const _: () = {
    fn send_sync<T: Send + Sync + 'static>() {}
    fn send<T: Send>(_: &T) {}
    #[allow(dead_code, reason = "compiled, never run")]
    fn futures_are_send(prepaid: &Prepaid, account: &Account) {
        send(&prepaid.fetch_all());
        send(&prepaid.fetch(Provider::ALL[0]));
        send(&prepaid.fetch_account(account));
    }
    #[allow(dead_code, reason = "compiled, never run")]
    fn types_are_send_sync() {
        send_sync::<Prepaid>();
        send_sync::<PrepaidBuilder>();
        send_sync::<Error>();
        send_sync::<ConfigError>();
        send_sync::<AccountBalance>();
    }
};

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
    pub fn from_env() -> Result<Self, ConfigError> {
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
    pub fn from_env_vars(var: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
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

    /// Every configured account's balance, fetched concurrently: one result per account,
    /// in [`Prepaid::accounts`] order, each with its account and how long its fetch took.
    /// One failing, slow or malformed vendor never hides the others; the call takes about
    /// as long as the slowest account (each is bounded by its own timeout), or longer where
    /// the concurrency limit or a rate limit makes fetches wait. At most
    /// [`PrepaidBuilder::concurrency`] fetches are under way at once (so memory stays flat
    /// however many accounts there are).
    pub async fn fetch_all(&self) -> Vec<AccountBalance> {
        use futures_util::StreamExt;
        // Owned (two `Arc`s each), so the stream is `Send` for `tokio::spawn`.
        let accounts = Arc::clone(&self.accounts);
        let fetches = (0..accounts.len()).map(move |index| {
            let entry = accounts.get(index).cloned();
            async move {
                let (account, source) = entry?;
                let started = std::time::Instant::now();
                let result = source.fetch().await;
                Some((
                    index,
                    AccountBalance::new(account, result, started.elapsed()),
                ))
            }
        });
        let mut slots: Vec<Option<AccountBalance>> = Vec::new();
        slots.resize_with(self.accounts.len(), || None);
        let mut done =
            futures_util::stream::iter(fetches).buffer_unordered(self.shared.concurrency);
        while let Some(fetched) = done.next().await {
            if let Some((index, fetched)) = fetched
                && let Some(slot) = slots.get_mut(index)
            {
                *slot = Some(fetched);
            }
        }
        slots.into_iter().flatten().collect()
    }

    /// The balance of `account`, one of [`Prepaid::accounts`] (found by provider and name;
    /// labels are not compared). An [`ErrorKind::NotConfigured`] error names it when no
    /// configured account has that provider and name.
    pub async fn fetch_account(&self, account: &Account) -> Result<Balance, Error> {
        self.source_of(account)?.fetch().await
    }

    /// The balance of `provider`'s one account. When several of its accounts are configured
    /// this is an [`ErrorKind::AmbiguousAccount`] error, never one picked for you: use
    /// [`Prepaid::fetch_account`]. [`ErrorKind::NotConfigured`] when it has none.
    pub async fn fetch(&self, provider: Provider) -> Result<Balance, Error> {
        let (_, source) = self.only_account(provider)?;
        source.fetch().await
    }

    /// The one configured account of `provider`, or why there is not exactly one.
    fn only_account(&self, provider: Provider) -> Result<&(Arc<Account>, Source), Error> {
        let mut matching = self.accounts.iter().filter(|(a, _)| a.provider == provider);
        match (matching.next(), matching.next()) {
            (Some(found), None) => Ok(found),
            (None, _) => Err(Error::new(ErrorKind::NotConfigured, provider)),
            (Some(_), Some(_)) => {
                let names: Vec<&str> = self
                    .accounts
                    .iter()
                    .filter(|(a, _)| a.provider == provider)
                    .map(|(a, _)| a.name.as_str())
                    .collect();
                Err(Error::new(ErrorKind::AmbiguousAccount, provider)
                    .with_detail(format!("its accounts are `{}`", names.join("`, `"))))
            }
        }
    }

    /// The adapter of `account`, or an error naming it.
    fn source_of(&self, account: &Account) -> Result<&Source, Error> {
        self.accounts
            .iter()
            .find(|(a, _)| a.provider == account.provider && a.name == account.name)
            .map(|(_, source)| source)
            .ok_or_else(|| {
                Error::new(ErrorKind::NotConfigured, account.provider).for_account(&account.name)
            })
    }

    /// The billing extras of `account`, one of the configured runtools accounts (found by
    /// provider and name); an [`ErrorKind::NotConfigured`] error names it otherwise.
    #[cfg(feature = "runtools")]
    pub fn runtools_for(&self, account: &Account) -> Result<runtools::Runtools, Error> {
        match self.source_of(account)? {
            Source::Runtools(source) => Ok(runtools::Runtools::new(Arc::clone(source))),
            #[allow(unreachable_patterns)]
            _ => Err(Error::new(ErrorKind::NotConfigured, account.provider)
                .for_account(&account.name)
                .with_detail("runtools' billing extras are only for runtools accounts")),
        }
    }

    /// runtools' read-only billing extras (ledger history, usage, auto-top-up settings) of
    /// its one configured account; [`ErrorKind::AmbiguousAccount`] when there are several
    /// (use [`Prepaid::runtools_for`]).
    #[cfg(feature = "runtools")]
    pub fn runtools(&self) -> Result<runtools::Runtools, Error> {
        let (account, _) = self.only_account(Provider::Runtools)?;
        self.runtools_for(account)
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
    /// PEM text of extra CAs, checked at build.
    ca_certificates: Vec<Vec<u8>>,
    #[cfg(feature = "webpki-roots")]
    bundled_roots: bool,
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
            ca_certificates: Vec::new(),
            #[cfg(feature = "webpki-roots")]
            bundled_roots: false,
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
    pub fn api_key(self, provider: Provider, api_key: impl Into<ApiKey>) -> Self {
        self.provider(ProviderConfig::new(provider, api_key))
    }

    /// Add the providers configured in `var` (see [`Prepaid::from_env`]).
    pub fn env_vars(mut self, var: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
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

    /// Also trust the CA certificates in `pem` (one or more `BEGIN CERTIFICATE` blocks): a
    /// company proxy that inspects TLS, a private gateway. Checked by
    /// [`build`](Self::build), whose [`ConfigError`] says what is wrong with the text.
    pub fn ca_certificates(mut self, pem: impl Into<Vec<u8>>) -> Self {
        self.ca_certificates.push(pem.into());
        self
    }

    /// Trust Mozilla's root CAs compiled into the program instead of the platform's store
    /// (the `webpki-roots` feature): for scratch and distroless images, which have none.
    #[cfg(feature = "webpki-roots")]
    pub fn bundled_roots(mut self) -> Self {
        self.bundled_roots = true;
        self
    }

    /// When GETs are retried (default: [`RetryPolicy::default`]).
    pub fn retry_policy(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// The largest response body read, in bytes (default 1 MiB); a larger one fails with
    /// an [`ErrorKind::ResponseTooLarge`] error.
    pub fn max_response_bytes(mut self, limit: u64) -> Self {
        self.max_response_bytes = limit;
        self
    }

    /// Check every setting and build the shared HTTP client (rustls; redirects to another
    /// origin refused). A [`ConfigError`] says what was refused, and never contains a key.
    pub fn build(self) -> Result<Prepaid, ConfigError> {
        self.retry.validate()?;
        if self.max_response_bytes == 0 {
            return Err(ConfigError::general(
                "the response size limit must be greater than zero",
            ));
        }
        if self.concurrency == 0 {
            return Err(ConfigError::general(
                "the concurrency limit must be greater than zero",
            ));
        }
        let trust = self.trust_roots()?;
        let mut configs = self.configs;
        if let Some(timeout) = self.timeout {
            configs = configs.into_iter().map(|c| c.or_timeout(timeout)).collect();
        }
        // Stable: accounts of one provider keep the order they were configured in.
        configs.sort_by_key(ProviderConfig::provider);
        let mut seen = std::collections::HashSet::new();
        for config in &configs {
            if !seen.insert((config.provider(), config.account_name())) {
                return Err(ConfigError::for_provider(
                    config.provider(),
                    format!(
                        "account `{}` configured more than once",
                        config.account_name()
                    ),
                ));
            }
        }
        let validated = configs
            .iter()
            .map(|c| c.validate().map(|url| (c, url)))
            .collect::<Result<Vec<_>, _>>()?;
        let shared = Arc::new(Shared {
            http: transport::http_client(self.concurrency, &self.proxy, &trust)?,
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
            .collect::<Result<Arc<[_]>, ConfigError>>()?;
        Ok(Prepaid { accounts, shared })
    }

    /// The roots to trust: the platform's or the bundled ones, and the extra CAs.
    fn trust_roots(&self) -> Result<TrustRoots, ConfigError> {
        #[cfg(feature = "webpki-roots")]
        let base = if self.bundled_roots {
            TrustRoots::bundled()
        } else {
            TrustRoots::platform()
        };
        #[cfg(not(feature = "webpki-roots"))]
        let base = TrustRoots::platform();
        self.ca_certificates.iter().try_fold(base, |roots, pem| {
            roots
                .with_pem(pem)
                .map_err(|error| ConfigError::general(error.to_string()))
        })
    }
}

/// A `reqwest::ClientBuilder` as `prepaid` builds its own: the TLS of its features, trusting
/// the platform's store, redirects followed only within one origin. Add your settings and
/// give the client to [`ProviderConfig::http_client`].
pub fn http_client_builder() -> Result<reqwest::ClientBuilder, ConfigError> {
    prepaid_client_runtime::client_builder()
        .map_err(|error| ConfigError::general(error.to_string()))
}

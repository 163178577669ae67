//! Configuration: one [`ProviderConfig`] per vendor, the [`RetryPolicy`], and their
//! validation (which never echoes the key).

use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};

use crate::{Account, ConfigError, Provider};

/// The timeout of one provider's whole fetch when none is configured.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

/// The largest response body read when none is configured: 1 MiB.
pub const DEFAULT_MAX_RESPONSE_BYTES: u64 = 1024 * 1024;

/// How many HTTP requests are in flight at once unless [`PrepaidBuilder::concurrency`] says
/// otherwise.
///
/// [`PrepaidBuilder::concurrency`]: crate::PrepaidBuilder::concurrency
pub const DEFAULT_CONCURRENCY: usize = 64;

/// An API key: held in memory that is zeroed when dropped, shown as `<redacted>` by
/// `Debug`, with no `Display` and no serialization, so it cannot reach a log or an output by
/// accident. Made from a `String` or `&str`.
#[derive(Clone)]
pub struct ApiKey(SecretString);

impl ApiKey {
    /// The key as text, for the one place it is sent (an HTTP header).
    pub(crate) fn expose(&self) -> &str {
        self.0.expose_secret()
    }
}

impl From<String> for ApiKey {
    fn from(key: String) -> Self {
        Self(SecretString::from(key))
    }
}

impl From<&str> for ApiKey {
    fn from(key: &str) -> Self {
        Self(SecretString::from(key))
    }
}

impl fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ApiKey(<redacted>)")
    }
}

/// How one vendor is reached: its API key, base URL and timeout.
///
/// `Debug` shows the key as redacted; validation happens in
/// [`PrepaidBuilder::build`](crate::PrepaidBuilder::build).
#[derive(Clone)]
pub struct ProviderConfig {
    provider: Provider,
    api_key: ApiKey,
    base_url: Option<String>,
    /// `None`: the builder's default timeout, or [`DEFAULT_TIMEOUT`].
    timeout: Option<Duration>,
    account: Option<String>,
    labels: BTreeMap<String, String>,
    /// The caller's own HTTP client for this account, if given.
    http_client: Option<reqwest::Client>,
}

impl ProviderConfig {
    /// `provider` with `api_key`, its documented base URL, and the builder's default timeout
    /// ([`DEFAULT_TIMEOUT`] unless [`PrepaidBuilder::timeout`] sets one).
    ///
    /// [`PrepaidBuilder::timeout`]: crate::PrepaidBuilder::timeout
    pub fn new(provider: Provider, api_key: impl Into<ApiKey>) -> Self {
        Self {
            provider,
            api_key: api_key.into(),
            base_url: None,
            timeout: None,
            account: None,
            labels: BTreeMap::new(),
            http_client: None,
        }
    }

    /// Name this account (default: the provider's name), to tell several accounts of one
    /// provider apart.
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.account = Some(name.into());
        self
    }

    /// Add a label (e.g. `team = "search"`) reported with this account's results.
    pub fn label(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.labels.insert(name.into(), value.into());
        self
    }

    /// The account's name: the one given, or the provider's.
    pub fn account_name(&self) -> &str {
        self.account.as_deref().unwrap_or(self.provider.as_str())
    }

    /// The account this configures.
    pub fn account(&self) -> Account {
        Account {
            provider: self.provider,
            name: self.account_name().to_string(),
            labels: self.labels.clone(),
        }
    }

    /// Call `base_url` instead of the vendor's documented one (e.g. a mock server). It must
    /// be `https://`, or `http://` to a loopback host (`127.0.0.1`, `::1`, `localhost`).
    pub fn base_url(mut self, base_url: impl Into<String>) -> Self {
        self.base_url = Some(base_url.into());
        self
    }

    /// Bound the provider's whole fetch (retries and body included) by `timeout`, whatever
    /// default the builder sets.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Send this account's requests with `client`, as it is configured (its TLS roots,
    /// proxy, pool and timeouts), instead of the `Prepaid`'s shared one; the account's
    /// timeout, retries and limits still apply. Start it from
    /// [`http_client_builder`](crate::http_client_builder), which follows redirects only
    /// within one origin: a client that follows them to another host could carry the key
    /// there (reqwest drops `Authorization` on such a redirect, not runtools' `x-api-key`).
    /// It also names the crypto provider: with a rustls feature, reqwest is built without a
    /// default one, and `reqwest::Client::new()` panics unless the program installed one.
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http_client = Some(client);
        self
    }

    /// The caller's HTTP client for this account, if one was given.
    pub(crate) fn own_http_client(&self) -> Option<&reqwest::Client> {
        self.http_client.as_ref()
    }

    /// This account's timeout if it sets none: the builder's default.
    pub(crate) fn or_timeout(mut self, timeout: Duration) -> Self {
        self.timeout.get_or_insert(timeout);
        self
    }

    /// The provider configured.
    pub fn provider(&self) -> Provider {
        self.provider
    }

    /// The base URL that will be called: the override, or the vendor's documented one
    /// (`None` if there is no override and the vendor is not compiled in).
    pub fn resolved_base_url(&self) -> Option<&str> {
        self.base_url
            .as_deref()
            .or(self.provider.default_base_url())
    }

    /// The timeout of the provider's whole fetch: its own, or (before
    /// [`PrepaidBuilder::build`](crate::PrepaidBuilder::build) applies the builder's default)
    /// [`DEFAULT_TIMEOUT`].
    pub fn fetch_timeout(&self) -> Duration {
        self.timeout.unwrap_or(DEFAULT_TIMEOUT)
    }

    pub(crate) fn api_key(&self) -> &ApiKey {
        &self.api_key
    }

    /// Check the key, base URL and timeout; returns the normalized base URL.
    pub(crate) fn validate(&self) -> Result<String, ConfigError> {
        let provider = self.provider;
        let invalid = |reason: String| {
            ConfigError::for_provider(provider, reason).for_account(self.account_name())
        };
        if !provider.is_compiled_in() {
            return Err(invalid(format!(
                "this build of prepaid has no {provider} client: enable its cargo feature `{}`",
                provider.feature()
            )));
        }
        validate_key(self.api_key.expose()).map_err(|r| invalid(r.to_string()))?;
        if self.fetch_timeout().is_zero() {
            return Err(invalid("the timeout must be greater than zero".to_string()));
        }
        validate_base_url(self.resolved_base_url().unwrap_or_default()).map_err(invalid)
    }
}

impl fmt::Debug for ProviderConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProviderConfig")
            .field("provider", &self.provider)
            .field("account", &self.account_name())
            .field("labels", &self.labels)
            .field("api_key", &"<redacted>")
            .field("base_url", &self.resolved_base_url())
            .field("timeout", &self.timeout)
            .field("own_http_client", &self.http_client.is_some())
            .finish()
    }
}

/// Why a key is refused; never contains the key.
fn validate_key(key: &str) -> Result<(), &'static str> {
    if key.is_empty() {
        return Err("the API key is empty");
    }
    if key.chars().any(char::is_whitespace) {
        return Err("the API key contains whitespace (a trailing newline or space?)");
    }
    if key.chars().any(char::is_control) {
        return Err("the API key contains control characters");
    }
    if !key.is_ascii() {
        return Err("the API key contains non-ASCII characters");
    }
    Ok(())
}

/// The base URL without a trailing `/`, if it is one we may send a key to.
fn validate_base_url(text: &str) -> Result<String, String> {
    let url = reqwest::Url::parse(text).map_err(|e| format!("the base URL is not a URL: {e}"))?;
    if !matches!(url.scheme(), "https" | "http") {
        return Err(format!(
            "the base URL scheme must be https (or http to loopback), not `{}`",
            url.scheme()
        ));
    }
    let host = match url.host_str() {
        Some(host) if !host.is_empty() => host,
        _ => return Err("the base URL has no host".to_string()),
    };
    if !url.username().is_empty() || url.password().is_some() {
        return Err("the base URL must not contain user info".to_string());
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err("the base URL must not have a query or fragment".to_string());
    }
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    let loopback = host.eq_ignore_ascii_case("localhost")
        || bare
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback());
    if url.scheme() == "http" && !loopback {
        return Err(format!(
            "the base URL uses plain http to `{host}`, which is not a loopback host: use https"
        ));
    }
    Ok(text.trim_end_matches('/').to_string())
}

/// When and how often a GET is retried: on HTTP 429, 502, 503, 504 and connection errors,
/// with capped exponential backoff and jitter, honouring `Retry-After` (seconds or HTTP
/// date). POST and PUT are never retried.
///
/// Retrying stops after `max_attempts` tries, when the vendor's `Retry-After` is longer than
/// `max_delay`, or when the next wait would end past the provider's timeout: the last error
/// is then returned as it is (e.g. a rate limit, with its
/// [`retry_after`](crate::Error::retry_after)).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct RetryPolicy {
    /// Tries in all, the first included (1: never retry).
    pub max_attempts: u32,
    /// The wait before the first retry; it doubles for each further retry.
    pub base_delay: Duration,
    /// The longest wait between tries, and the longest `Retry-After` honoured.
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    /// 3 attempts, 250 ms base delay, 5 s cap.
    fn default() -> Self {
        Self {
            max_attempts: 3,
            base_delay: Duration::from_millis(250),
            max_delay: Duration::from_secs(5),
        }
    }
}

impl RetryPolicy {
    /// This policy with `max_attempts` tries in all (1: never retry).
    pub fn with_max_attempts(mut self, max_attempts: u32) -> Self {
        self.max_attempts = max_attempts;
        self
    }

    /// This policy waiting `base_delay` before the first retry.
    pub fn with_base_delay(mut self, base_delay: Duration) -> Self {
        self.base_delay = base_delay;
        self
    }

    /// This policy waiting at most `max_delay` between tries.
    pub fn with_max_delay(mut self, max_delay: Duration) -> Self {
        self.max_delay = max_delay;
        self
    }

    /// Never retry.
    pub fn none() -> Self {
        Self {
            max_attempts: 1,
            ..Self::default()
        }
    }

    /// The wait before retry number `retry` (1 for the first): `base × 2^(retry-1)`, capped
    /// at `max_delay`, with "equal jitter" (a random point in its upper half).
    pub(crate) fn backoff(&self, retry: u32) -> Duration {
        let factor = 2u32.saturating_pow(retry.saturating_sub(1));
        let full = self.base_delay.saturating_mul(factor).min(self.max_delay);
        let half = full / 2;
        let jitter_nanos = u64::try_from(half.as_nanos()).unwrap_or(u64::MAX);
        half + Duration::from_nanos(fastrand::u64(0..=jitter_nanos))
    }

    pub(crate) fn validate(&self) -> Result<(), ConfigError> {
        if self.max_attempts == 0 {
            return Err(ConfigError::general(
                "the retry policy needs at least one attempt",
            ));
        }
        Ok(())
    }
}

/// The provider configurations found in `var`: each provider whose `<PREFIX>_API_KEY` is
/// set, with `<PREFIX>_BASE_URL` as its base URL when that is set.
pub(crate) fn from_env_vars(
    var: impl Fn(&str) -> Option<String>,
) -> Result<Vec<ProviderConfig>, ConfigError> {
    let mut configs = Vec::new();
    for &provider in Provider::ALL {
        let prefix = provider.env_prefix();
        let key_var = format!("{prefix}_API_KEY");
        let url_var = format!("{prefix}_BASE_URL");
        let Some(key) = var(&key_var) else { continue };
        if key.is_empty() {
            return Err(ConfigError::for_provider(
                provider,
                format!("{key_var} is set but empty; unset it to skip {provider}"),
            ));
        }
        let mut config = ProviderConfig::new(provider, key);
        if let Some(url) = var(&url_var) {
            if url.is_empty() {
                return Err(ConfigError::for_provider(
                    provider,
                    format!("{url_var} is set but empty"),
                ));
            }
            config = config.base_url(url);
        }
        config
            .validate()
            .map_err(|e| e.prefixed(&format!("{key_var}/{url_var}")))?;
        configs.push(config);
    }
    Ok(configs)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn backoff_doubles_and_is_capped() {
        let policy = RetryPolicy {
            max_attempts: 10,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_millis(350),
        };
        for _ in 0..50 {
            let first = policy.backoff(1);
            assert!(first >= Duration::from_millis(50) && first <= Duration::from_millis(100));
            let second = policy.backoff(2);
            assert!(second >= Duration::from_millis(100) && second <= Duration::from_millis(200));
            let capped = policy.backoff(30);
            assert!(capped >= Duration::from_millis(175) && capped <= Duration::from_millis(350));
        }
    }

    #[test]
    fn base_urls() {
        assert_eq!(
            validate_base_url("https://api.example.com/v1/").unwrap(),
            "https://api.example.com/v1"
        );
        assert!(validate_base_url("http://127.0.0.1:8080").is_ok());
        assert!(validate_base_url("http://[::1]:8080").is_ok());
        assert!(validate_base_url("http://localhost:8080").is_ok());
        assert!(
            validate_base_url("http://api.example.com")
                .unwrap_err()
                .contains("loopback")
        );
        assert!(
            validate_base_url("ftp://api.example.com")
                .unwrap_err()
                .contains("`ftp`")
        );
        assert!(validate_base_url("not a url").is_err());
        assert!(validate_base_url("https://user:pw@api.example.com").is_err());
        assert!(validate_base_url("https://api.example.com/?x=1").is_err());
    }

    #[test]
    fn keys() {
        assert!(validate_key("rc_live_abc").is_ok());
        assert!(validate_key("").is_err());
        assert!(validate_key("abc\n").unwrap_err().contains("whitespace"));
        assert!(validate_key("a\u{7}b").unwrap_err().contains("control"));
        assert!(validate_key("clé").unwrap_err().contains("ASCII"));
    }
}

//! The facade's two error types: [`Error`] for a call (a fetch, a runtools extra, a lookup
//! by provider) and [`ConfigError`] for a configuration refused before any request.
//!
//! Like `reqwest::Error`, an [`Error`] is a small handle over a boxed record: what kind of
//! failure it is ([`ErrorKind`], open to growth), the account it is about, and what the
//! vendor said, read through methods, so a field added in a later release breaks no one.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use crate::Provider;

/// What kind of failure an [`Error`] is. Its [`as_str`](ErrorKind::as_str) names are stable:
/// `prepaid --format json` reports them, and a name is never reused for another kind. New
/// kinds may be added in a minor release, so a `match` needs a `_` arm.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// HTTP 401: the key was not accepted.
    Unauthorized,
    /// HTTP 403: the key is valid but may not read this.
    Forbidden,
    /// HTTP 404: the endpoint does not exist at the configured base URL.
    NotFound,
    /// HTTP 429, after the retries the [`RetryPolicy`](crate::RetryPolicy) allows.
    RateLimited,
    /// HTTP 5xx: the vendor failed (after retries for 502, 503 and 504).
    Server,
    /// Any other status the vendor does not document for the call (e.g. 400, 409, 302, 204).
    UnexpectedStatus,
    /// The whole fetch (retries and body included) took longer than the account's timeout.
    Timeout,
    /// The request could not be sent or its response not read (DNS, connect, TLS, reset).
    Network,
    /// The vendor redirected to another origin, which is never followed, so the key never
    /// leaves the configured host.
    RedirectRefused,
    /// The vendor answered, but not with the documented shape (malformed JSON, a wrong type,
    /// a missing field, a number no decimal holds exactly). Never shown as a zero balance.
    Undecodable,
    /// The body was longer than the configured limit and was not read further.
    ResponseTooLarge,
    /// No configured account matches the call (or its vendor is not compiled in).
    NotConfigured,
    /// A call keyed by provider matches several configured accounts: name the account.
    AmbiguousAccount,
    /// An argument of a call was refused before any request (e.g. a history limit of 0).
    InvalidRequest,
}

impl ErrorKind {
    /// The kind's stable name, in `snake_case` (e.g. `rate_limited`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Unauthorized => "unauthorized",
            Self::Forbidden => "forbidden",
            Self::NotFound => "not_found",
            Self::RateLimited => "rate_limited",
            Self::Server => "server_error",
            Self::UnexpectedStatus => "unexpected_status",
            Self::Timeout => "timeout",
            Self::Network => "network",
            Self::RedirectRefused => "redirect_refused",
            Self::Undecodable => "undecodable",
            Self::ResponseTooLarge => "response_too_large",
            Self::NotConfigured => "not_configured",
            Self::AmbiguousAccount => "ambiguous_account",
            Self::InvalidRequest => "invalid_request",
        }
    }

    /// Every kind this release knows, in declaration order (for documentation and schemas).
    pub const ALL: &'static [ErrorKind] = &[
        Self::Unauthorized,
        Self::Forbidden,
        Self::NotFound,
        Self::RateLimited,
        Self::Server,
        Self::UnexpectedStatus,
        Self::Timeout,
        Self::Network,
        Self::RedirectRefused,
        Self::Undecodable,
        Self::ResponseTooLarge,
        Self::NotConfigured,
        Self::AmbiguousAccount,
        Self::InvalidRequest,
    ];
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The underlying cause of an [`Error`], shared by its clones: a copy of the cause chain
/// (e.g. a `reqwest::Error` and the I/O error under it) in words, with the key replaced
/// wherever a level's words held it. A copy rather than the original, because the original
/// can hold a URL that a vendor's redirect filled with the key.
#[derive(Clone)]
struct Cause {
    text: String,
    source: Option<Arc<Cause>>,
}

impl Cause {
    /// `error` and its sources, each level's words passed through `redact`.
    fn copy(error: &(dyn std::error::Error + 'static), redact: &dyn Fn(&str) -> String) -> Self {
        Self {
            text: redact(&error.to_string()),
            source: error.source().map(|s| Arc::new(Self::copy(s, redact))),
        }
    }
}

impl fmt::Display for Cause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl fmt::Debug for Cause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.text, f)
    }
}

impl std::error::Error for Cause {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source
            .as_deref()
            .map(|s| s as &(dyn std::error::Error + 'static))
    }
}

/// Why a call could not give its answer: a balance that could not be fetched, a runtools
/// extra that failed, a provider asked for that is not configured.
///
/// Read it through its methods: [`kind`](Error::kind) for what happened,
/// [`account`](Error::account) and [`provider`](Error::provider) for whom,
/// [`status`](Error::status) and [`vendor_message`](Error::vendor_message) for what the
/// vendor said, [`is_retryable`](Error::is_retryable) and
/// [`retry_after`](Error::retry_after) for what to do next, and
/// [`source`](std::error::Error::source) for the underlying cause (the words of a failed
/// connection's `reqwest::Error` and of the errors under it, level by level).
///
/// Nothing in it ever holds an API key: wherever a vendor echoes the key, it is replaced by
/// `<redacted>`, and vendor messages and body excerpts are bounded.
#[derive(Clone)]
pub struct Error {
    inner: Box<Inner>,
}

#[derive(Clone)]
struct Inner {
    kind: ErrorKind,
    provider: Provider,
    account: Option<String>,
    status: Option<u16>,
    vendor_message: Option<String>,
    hint: Option<&'static str>,
    retry_after: Option<Duration>,
    timeout: Option<Duration>,
    limit: Option<u64>,
    detail: Option<String>,
    excerpt: Option<String>,
    retryable: bool,
    timed_out: bool,
    source: Option<Arc<Cause>>,
}

impl Error {
    /// An error of `kind` about `provider`, with nothing else known yet.
    pub(crate) fn new(kind: ErrorKind, provider: Provider) -> Self {
        Self {
            inner: Box::new(Inner {
                kind,
                provider,
                account: None,
                status: None,
                vendor_message: None,
                hint: None,
                retry_after: None,
                timeout: None,
                limit: None,
                detail: None,
                excerpt: None,
                retryable: false,
                timed_out: false,
                source: None,
            }),
        }
    }

    /// An HTTP error status of `provider`'s, with the vendor's message if it sent one.
    pub(crate) fn status_error(
        kind: ErrorKind,
        provider: Provider,
        status: u16,
        message: Option<String>,
    ) -> Self {
        let mut error = Self::new(kind, provider);
        error.inner.status = Some(status);
        error.inner.vendor_message = message;
        error
    }

    /// [`ErrorKind::Timeout`] after `after`.
    pub(crate) fn timeout(provider: Provider, after: Duration) -> Self {
        let mut error = Self::new(ErrorKind::Timeout, provider);
        error.inner.timeout = Some(after);
        error.inner.retryable = true;
        error
    }

    /// [`ErrorKind::ResponseTooLarge`] past `limit` bytes.
    pub(crate) fn too_large(provider: Provider, limit: u64) -> Self {
        let mut error = Self::new(ErrorKind::ResponseTooLarge, provider);
        error.inner.limit = Some(limit);
        error
    }

    /// [`ErrorKind::Undecodable`]: `reason` and `excerpt` are already redacted.
    pub(crate) fn undecodable(
        provider: Provider,
        status: Option<u16>,
        reason: String,
        excerpt: String,
    ) -> Self {
        let mut error = Self::new(ErrorKind::Undecodable, provider);
        error.inner.status = status;
        error.inner.detail = Some(reason);
        error.inner.excerpt = Some(excerpt);
        error
    }

    /// This error with `detail` (already redacted) saying what failed.
    pub(crate) fn with_detail(mut self, detail: impl Into<String>) -> Self {
        self.inner.detail = Some(detail.into());
        self
    }

    /// This error with the vendor's usual cause of it.
    pub(crate) fn with_hint(mut self, hint: Option<&'static str>) -> Self {
        self.inner.hint = hint;
        self
    }

    /// This error with the vendor's `Retry-After`.
    pub(crate) fn with_retry_after(mut self, wait: Option<Duration>) -> Self {
        self.inner.retry_after = wait;
        self
    }

    /// This error marked as one the same call may get past if made again later.
    pub(crate) fn retryable(mut self, retryable: bool) -> Self {
        self.inner.retryable = retryable;
        self
    }

    /// This error with its underlying cause, each level's words passed through `redact`.
    pub(crate) fn with_source(
        mut self,
        source: &(dyn std::error::Error + 'static),
        redact: &dyn Fn(&str) -> String,
    ) -> Self {
        let mut current = Some(source);
        while let Some(error) = current {
            if error
                .downcast_ref::<reqwest::Error>()
                .is_some_and(reqwest::Error::is_timeout)
            {
                self.inner.timed_out = true;
            }
            current = error.source();
        }
        self.inner.source = Some(Arc::new(Cause::copy(source, redact)));
        self
    }

    /// This error, said of the account `name`.
    pub(crate) fn for_account(mut self, name: &str) -> Self {
        if self.inner.account.is_none() {
            self.inner.account = Some(name.to_string());
        }
        self
    }

    /// What kind of failure this is.
    pub fn kind(&self) -> ErrorKind {
        self.inner.kind
    }

    /// The provider the error is about.
    pub fn provider(&self) -> Provider {
        self.inner.provider
    }

    /// The name of the account the error is about, when it is about one account (every
    /// fetch error is; a provider asked for that has no account is not).
    pub fn account(&self) -> Option<&str> {
        self.inner.account.as_deref()
    }

    /// The HTTP status the vendor answered with, when the error comes from a response.
    pub fn status(&self) -> Option<u16> {
        self.inner.status
    }

    /// The vendor's own error message, when its error body had one (redacted and bounded).
    pub fn vendor_message(&self) -> Option<&str> {
        self.inner.vendor_message.as_deref()
    }

    /// What usually causes this error with this vendor (Venice's 401 and 403: billing needs
    /// an ADMIN key).
    pub fn hint(&self) -> Option<&str> {
        self.inner.hint
    }

    /// How long the vendor asked to wait before the next try (its `Retry-After`), if it
    /// said.
    pub fn retry_after(&self) -> Option<Duration> {
        self.inner.retry_after
    }

    /// Whether the same call may succeed if made again later: a rate limit, a 502, 503 or
    /// 504, a timeout, or a connection that failed. The facade has already retried these as
    /// its [`RetryPolicy`](crate::RetryPolicy) allows.
    pub fn is_retryable(&self) -> bool {
        self.inner.retryable
    }

    /// Whether the call ran out of time: the account's whole-fetch timeout, or the HTTP
    /// client's connect timeout.
    pub fn is_timeout(&self) -> bool {
        self.inner.kind == ErrorKind::Timeout || self.inner.timed_out
    }

    /// The timeout that passed, for [`ErrorKind::Timeout`].
    pub fn timeout_after(&self) -> Option<Duration> {
        self.inner.timeout
    }

    /// The body size limit that was passed, in bytes, for [`ErrorKind::ResponseTooLarge`].
    pub fn size_limit(&self) -> Option<u64> {
        self.inner.limit
    }

    /// What failed, in words (redacted): why a body is undecodable, where a refused redirect
    /// pointed, why a request was refused. The cause itself is
    /// [`source`](std::error::Error::source).
    pub fn detail(&self) -> Option<&str> {
        self.inner.detail.as_deref()
    }

    /// The start of the body (at most 200 characters, redacted), for
    /// [`ErrorKind::Undecodable`].
    pub fn body_excerpt(&self) -> Option<&str> {
        self.inner.excerpt.as_deref()
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let inner = &self.inner;
        let provider = inner.provider;
        let status = inner.status.unwrap_or_default();
        match inner.kind {
            ErrorKind::Unauthorized => write!(f, "{provider}: unauthorized (HTTP 401)")?,
            ErrorKind::Forbidden => write!(f, "{provider}: forbidden (HTTP 403)")?,
            ErrorKind::NotFound => write!(f, "{provider}: not found (HTTP 404)")?,
            ErrorKind::RateLimited => {
                write!(f, "{provider}: rate limited (HTTP 429)")?;
                if let Some(wait) = inner.retry_after {
                    write!(f, ", retry after {wait:?}")?;
                }
            }
            ErrorKind::Server => write!(f, "{provider}: server error (HTTP {status})")?,
            ErrorKind::UnexpectedStatus => {
                write!(f, "{provider}: unexpected HTTP status {status}")?;
            }
            ErrorKind::Timeout => write!(
                f,
                "{provider}: timed out after {} ms",
                inner.timeout.unwrap_or_default().as_millis()
            )?,
            ErrorKind::Network => write!(f, "{provider}: network error")?,
            ErrorKind::RedirectRefused => write!(f, "{provider}: refused a redirect")?,
            ErrorKind::Undecodable => {
                write!(f, "{provider}: undecodable response")?;
                if let Some(status) = inner.status {
                    write!(f, " (HTTP {status})")?;
                }
            }
            ErrorKind::ResponseTooLarge => write!(
                f,
                "{provider}: response body larger than {} bytes",
                inner.limit.unwrap_or_default()
            )?,
            ErrorKind::NotConfigured => match &inner.account {
                Some(account) => write!(f, "{provider}: no account `{account}` is configured")?,
                None => write!(
                    f,
                    "{provider}: not configured (set {}_API_KEY or add it to the builder)",
                    provider.env_prefix()
                )?,
            },
            ErrorKind::AmbiguousAccount => write!(
                f,
                "{provider}: several accounts are configured; name the account to use"
            )?,
            ErrorKind::InvalidRequest => write!(f, "{provider}: invalid request")?,
        }
        if let Some(detail) = &inner.detail {
            write!(f, ": {detail}")?;
        }
        if let Some(message) = &inner.vendor_message {
            write!(f, ": {message}")?;
        }
        if let Some(hint) = inner.hint {
            write!(f, " ({hint})")?;
        }
        if let Some(excerpt) = &inner.excerpt {
            write!(f, "; body starts: {excerpt:?}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let inner = &self.inner;
        let mut out = f.debug_struct("prepaid::Error");
        out.field("kind", &inner.kind)
            .field("provider", &inner.provider);
        if let Some(account) = &inner.account {
            out.field("account", account);
        }
        if let Some(status) = inner.status {
            out.field("status", &status);
        }
        if let Some(message) = &inner.vendor_message {
            out.field("vendor_message", message);
        }
        if let Some(detail) = &inner.detail {
            out.field("detail", detail);
        }
        if let Some(wait) = inner.retry_after {
            out.field("retry_after", &wait);
        }
        if let Some(source) = &inner.source {
            // The cause's own words, not its Debug: a request's Debug may show headers.
            out.field("source", &format_args!("{source}"));
        }
        out.finish()
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.inner
            .source
            .as_deref()
            .map(|s| s as &(dyn std::error::Error + 'static))
    }
}

/// A configuration refused by [`PrepaidBuilder::build`](crate::PrepaidBuilder::build) or
/// [`Prepaid::from_env`](crate::Prepaid::from_env), before any request was made: an empty
/// key, a key with whitespace or control characters, a base URL that is not http(s), plain
/// http to a host that is not loopback, a zero timeout, an unset or unreadable variable, a
/// vendor this build does not include. It never contains the key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    provider: Option<Provider>,
    account: Option<String>,
    reason: String,
}

impl ConfigError {
    /// A refusal of something that is not one provider's (a retry policy, a limit).
    pub(crate) fn general(reason: impl Into<String>) -> Self {
        Self {
            provider: None,
            account: None,
            reason: reason.into(),
        }
    }

    /// A refusal of `provider`'s configuration.
    pub(crate) fn for_provider(provider: Provider, reason: impl Into<String>) -> Self {
        Self {
            provider: Some(provider),
            account: None,
            reason: reason.into(),
        }
    }

    /// This refusal, said of the account `name`.
    pub(crate) fn for_account(mut self, name: &str) -> Self {
        self.account = Some(name.to_string());
        self
    }

    /// This refusal with `prefix` before its reason (e.g. the variables it came from).
    pub(crate) fn prefixed(mut self, prefix: &str) -> Self {
        self.reason = format!("{prefix}: {}", self.reason);
        self
    }

    /// The provider whose configuration is wrong, if it is one provider's.
    pub fn provider(&self) -> Option<Provider> {
        self.provider
    }

    /// The account whose configuration is wrong, if it is one account's.
    pub fn account(&self) -> Option<&str> {
        self.account.as_deref()
    }

    /// What is wrong, in words (never the key).
    pub fn reason(&self) -> &str {
        &self.reason
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("invalid configuration")?;
        match (&self.provider, &self.account) {
            (Some(provider), Some(account)) if account != provider.as_str() => {
                write!(f, " for {provider} account `{account}`")?;
            }
            (Some(provider), _) => write!(f, " for {provider}")?,
            (None, _) => {}
        }
        write!(f, ": {}", self.reason)
    }
}

impl std::error::Error for ConfigError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kind_names_are_unique_snake_case() {
        let mut seen = std::collections::HashSet::new();
        for kind in ErrorKind::ALL {
            let name = kind.as_str();
            assert!(seen.insert(name), "{name} twice");
            assert!(
                name.chars().all(|c| c.is_ascii_lowercase() || c == '_'),
                "{name}"
            );
        }
    }

    #[test]
    fn source_is_kept_and_shown_once() {
        let cause = std::io::Error::other("connection reset for sk-1");
        let error = Error::new(ErrorKind::Network, Provider::Venice)
            .with_source(&cause, &|text| text.replace("sk-1", "<redacted>"))
            .retryable(true);
        let source = std::error::Error::source(&error).map(ToString::to_string);
        assert_eq!(source.as_deref(), Some("connection reset for <redacted>"));
        assert_eq!(error.to_string(), "venice: network error");
        assert!(error.is_retryable());
        assert!(!error.is_timeout());
    }
}

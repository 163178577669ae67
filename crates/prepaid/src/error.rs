//! The one error type of the facade.

use std::time::Duration;

use crate::Provider;

/// Why a balance (or a configuration) could not be had. Every variant names the provider
/// where there is one; vendor messages and body excerpts are bounded and never contain the
/// API key (it is replaced by `<redacted>` wherever a vendor echoes it).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The configuration was refused before any request: an empty key, a key with
    /// whitespace or control characters, a base URL that is not http(s), plain http to a
    /// host that is not loopback, a zero timeout, an unset or unreadable variable.
    #[error("invalid configuration{}: {reason}", for_provider(.provider))]
    InvalidConfig {
        /// The provider whose configuration is wrong, if it is one provider's.
        provider: Option<Provider>,
        /// What is wrong (never the key).
        reason: String,
    },

    /// The provider was asked for but is not configured (no API key given).
    #[error("{provider}: not configured (set {}_API_KEY or add it to the builder)", provider.env_prefix())]
    NotConfigured {
        /// The provider asked for.
        provider: Provider,
    },

    /// An argument of a call was refused before any request (e.g. a history limit of 0).
    #[error("{provider}: invalid request: {reason}")]
    InvalidRequest {
        /// The provider the call was for.
        provider: Provider,
        /// What is wrong.
        reason: String,
    },

    /// HTTP 401: the key was not accepted.
    #[error("{provider}: unauthorized (HTTP 401){}{}", message_suffix(.message), hint_suffix(.hint))]
    Unauthorized {
        /// The provider that refused the key.
        provider: Provider,
        /// The vendor's own error message, if its body had one.
        message: Option<String>,
        /// What usually causes it for this vendor (Venice: billing needs an ADMIN key).
        hint: Option<&'static str>,
    },

    /// HTTP 403: the key is valid but may not read this.
    #[error("{provider}: forbidden (HTTP 403){}{}", message_suffix(.message), hint_suffix(.hint))]
    Forbidden {
        /// The provider that refused the request.
        provider: Provider,
        /// The vendor's own error message, if its body had one.
        message: Option<String>,
        /// What usually causes it for this vendor (Venice: billing needs an ADMIN key).
        hint: Option<&'static str>,
    },

    /// HTTP 404: the endpoint does not exist at the configured base URL.
    #[error("{provider}: not found (HTTP 404){}", message_suffix(.message))]
    NotFound {
        /// The provider called.
        provider: Provider,
        /// The vendor's own error message, if its body had one.
        message: Option<String>,
    },

    /// HTTP 429, after the retries the [`RetryPolicy`](crate::RetryPolicy) allows.
    #[error("{provider}: rate limited (HTTP 429){}{}", retry_after_suffix(.retry_after), message_suffix(.message))]
    RateLimited {
        /// The vendor's `Retry-After`, if it sent one.
        retry_after: Option<Duration>,
        /// The provider that limited the request.
        provider: Provider,
        /// The vendor's own error message, if its body had one.
        message: Option<String>,
    },

    /// HTTP 5xx: the vendor failed (after retries for 502, 503 and 504).
    #[error("{provider}: server error (HTTP {status}){}", message_suffix(.message))]
    Server {
        /// The provider that failed.
        provider: Provider,
        /// The HTTP status, 500 to 599.
        status: u16,
        /// The vendor's own error message, if its body had one.
        message: Option<String>,
    },

    /// Any other status the vendor does not document for the call (e.g. 400, 409, 302, 204).
    #[error("{provider}: unexpected HTTP status {status}{}", message_suffix(.message))]
    UnexpectedStatus {
        /// The provider called.
        provider: Provider,
        /// The HTTP status.
        status: u16,
        /// The vendor's own error message, if its body had one.
        message: Option<String>,
    },

    /// The whole fetch (retries and body included) took longer than the provider's timeout.
    #[error("{provider}: timed out after {} ms", .after.as_millis())]
    Timeout {
        /// The provider that was too slow.
        provider: Provider,
        /// The timeout that passed.
        after: Duration,
    },

    /// The request could not be sent or its response not read (DNS, connect, TLS, reset).
    #[error("{provider}: network error: {reason}")]
    Network {
        /// The provider called.
        provider: Provider,
        /// What failed.
        reason: String,
    },

    /// The vendor redirected to another origin, which is never followed so the key never
    /// leaves the configured host.
    #[error("{provider}: refused a redirect: {reason}")]
    RedirectRefused {
        /// The provider that redirected.
        provider: Provider,
        /// Where it pointed (origin only) and why it was refused.
        reason: String,
    },

    /// The vendor answered, but not with the documented shape (malformed JSON, a wrong type,
    /// a missing field, a number no decimal holds exactly). Never shown as a zero balance.
    #[error("{provider}: undecodable response{}: {reason}; body starts: {excerpt:?}", status_suffix(.status))]
    Undecodable {
        /// The provider called.
        provider: Provider,
        /// The HTTP status of the response, when known.
        status: Option<u16>,
        /// What does not match the documented shape.
        reason: String,
        /// The start of the body (at most 200 characters), for diagnosis.
        excerpt: String,
    },

    /// The body was longer than the configured limit and was not read further.
    #[error("{provider}: response body larger than {limit} bytes")]
    ResponseTooLarge {
        /// The provider called.
        provider: Provider,
        /// The limit, in bytes.
        limit: u64,
    },
}

impl Error {
    /// The provider the error is about, if it is about one.
    pub fn provider(&self) -> Option<Provider> {
        match self {
            Error::InvalidConfig { provider, .. } => *provider,
            Error::NotConfigured { provider }
            | Error::InvalidRequest { provider, .. }
            | Error::Unauthorized { provider, .. }
            | Error::Forbidden { provider, .. }
            | Error::NotFound { provider, .. }
            | Error::RateLimited { provider, .. }
            | Error::Server { provider, .. }
            | Error::UnexpectedStatus { provider, .. }
            | Error::Timeout { provider, .. }
            | Error::Network { provider, .. }
            | Error::RedirectRefused { provider, .. }
            | Error::Undecodable { provider, .. }
            | Error::ResponseTooLarge { provider, .. } => Some(*provider),
        }
    }

    /// The HTTP status the vendor answered with, when the error comes from a response.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Unauthorized { .. } => Some(401),
            Error::Forbidden { .. } => Some(403),
            Error::NotFound { .. } => Some(404),
            Error::RateLimited { .. } => Some(429),
            Error::Server { status, .. } | Error::UnexpectedStatus { status, .. } => Some(*status),
            Error::Undecodable { status, .. } => *status,
            _ => None,
        }
    }

    /// The vendor's own error message, when its error body had one.
    pub fn vendor_message(&self) -> Option<&str> {
        match self {
            Error::Unauthorized { message, .. }
            | Error::Forbidden { message, .. }
            | Error::NotFound { message, .. }
            | Error::RateLimited { message, .. }
            | Error::Server { message, .. }
            | Error::UnexpectedStatus { message, .. } => message.as_deref(),
            _ => None,
        }
    }
}

fn for_provider(provider: &Option<Provider>) -> String {
    provider.map(|p| format!(" for {p}")).unwrap_or_default()
}

fn message_suffix(message: &Option<String>) -> String {
    message
        .as_ref()
        .map(|m| format!(": {m}"))
        .unwrap_or_default()
}

fn hint_suffix(hint: &Option<&'static str>) -> String {
    hint.map(|h| format!(" ({h})")).unwrap_or_default()
}

fn retry_after_suffix(retry_after: &Option<Duration>) -> String {
    retry_after
        .map(|d| format!(", retry after {d:?}"))
        .unwrap_or_default()
}

fn status_suffix(status: &Option<u16>) -> String {
    status.map(|s| format!(" (HTTP {s})")).unwrap_or_default()
}

//! The HTTP side shared by every adapter: one `reqwest::Client`, the redirect policy, the
//! response observer, retries, the timeout, the tracing span, and the mapping of
//! progenitor's errors to [`Error`].

use std::future::Future;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use prepaid_client_runtime::{CrossOriginRedirect, ResponseTooLarge};
use serde::de::DeserializeOwned;

use crate::ApiKey;
use crate::tolerant::Auxiliary;
use progenitor_client::ResponseValue;
use serde::Serialize;
use tokio::time::Instant;
use tracing::Instrument;

use crate::{ConfigError, Error, ErrorKind, Provider, ProviderConfig, RetryPolicy};

/// How long an excerpt of a body may be, in characters.
pub(crate) const EXCERPT_CHARS: usize = 200;
/// Why a body that is not UTF-8 is undecodable, whatever it holds.
pub(crate) const NOT_UTF8: &str = "the body is not valid UTF-8, so not JSON text";
/// How long a vendor's error message may be, in characters.
pub(crate) const MESSAGE_CHARS: usize = 500;

/// What every adapter of one [`Prepaid`](crate::Prepaid) shares.
#[derive(Debug)]
pub(crate) struct Shared {
    pub(crate) http: reqwest::Client,
    pub(crate) max_response_bytes: u64,
    pub(crate) retry: RetryPolicy,
    pub(crate) rate_limits: RateLimits,
    /// The concurrency limit: requests in flight at once, and fetches under way at once in
    /// `fetch_all`.
    pub(crate) concurrency: usize,
    /// One permit per request in flight, held for the whole try (body included).
    pub(crate) in_flight: tokio::sync::Semaphore,
}

type Bucket = governor::DefaultDirectRateLimiter;

/// A token bucket per rate-limited provider, shared by all its accounts.
#[derive(Default)]
pub(crate) struct RateLimits {
    buckets: Vec<(Provider, Bucket)>,
}

impl std::fmt::Debug for RateLimits {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list()
            .entries(self.buckets.iter().map(|(p, _)| p))
            .finish()
    }
}

impl RateLimits {
    /// A bucket of `per_second` tokens (and as much burst) for each listed provider.
    pub(crate) fn new(limits: &[(Provider, std::num::NonZeroU32)]) -> Self {
        let buckets = limits
            .iter()
            .map(|(provider, per_second)| {
                (
                    *provider,
                    governor::RateLimiter::direct(governor::Quota::per_second(*per_second)),
                )
            })
            .collect();
        Self { buckets }
    }

    /// Wait until `provider` may send one more request.
    pub(crate) async fn until_ready(&self, provider: Provider) {
        if let Some((_, bucket)) = self.buckets.iter().find(|(p, _)| *p == provider) {
            // A token now, or wait for one; the wait is a large future, so it is boxed
            // (every try's future holds room for it otherwise).
            if bucket.check().is_err() {
                Box::pin(bucket.until_ready()).await;
            }
        }
    }
}

/// Where a `Prepaid`'s requests go: through the proxies the standard variables name, one
/// given proxy, or none.
#[derive(Clone, Default)]
pub(crate) enum ProxySetting {
    #[default]
    FromEnvironment,
    Url(String),
    None,
}

impl std::fmt::Debug for ProxySetting {
    /// Never the URL: it may carry a password.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::FromEnvironment => "FromEnvironment",
            Self::Url(_) => "Url(<redacted>)",
            Self::None => "None",
        })
    }
}

/// The one HTTP client of a `Prepaid`: the TLS this crate was built with (see its
/// features), and redirects followed only within the origin (scheme, host and port) they
/// start from, at most [`MAX_REDIRECTS`](prepaid_client_runtime::MAX_REDIRECTS) times. Its
/// pool keeps at most `concurrency` idle connections per host: no more requests are in
/// flight at once, so none is ever closed for want of room. `proxy` says where requests go.
pub(crate) fn http_client(
    concurrency: usize,
    proxy: &ProxySetting,
    trust: &prepaid_client_runtime::TrustRoots,
) -> Result<reqwest::Client, ConfigError> {
    let builder = prepaid_client_runtime::client_builder_trusting(trust)
        .map_err(|e| ConfigError::general(chain(&e)))?;
    let builder = match proxy {
        ProxySetting::FromEnvironment => builder,
        ProxySetting::None => builder.no_proxy(),
        ProxySetting::Url(url) => {
            // The message never repeats the URL: it may carry a password.
            let proxy = reqwest::Proxy::all(url.as_str())
                .map_err(|_| ConfigError::general("the proxy is not a URL (http://host:port)"))?;
            builder.proxy(proxy)
        }
    };
    builder
        .connect_timeout(Duration::from_secs(10))
        .pool_max_idle_per_host(concurrency)
        .user_agent(concat!("prepaid/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| ConfigError::general(format!("cannot build the HTTP client: {}", chain(&e))))
}

/// What a vendor's error bodies look like.
#[derive(Clone, Copy)]
pub(crate) struct VendorErrors {
    /// The vendor's own message in an error body, if there is one.
    pub(crate) message: fn(&serde_json::Value) -> Option<String>,
    /// Added to 401 and 403 errors.
    pub(crate) auth_hint: Option<&'static str>,
}

/// One configured provider: where it is, how long it may take, and what it shares.
pub(crate) struct Ctx {
    pub(crate) provider: Provider,
    /// The account's name, which every error of its carries.
    pub(crate) account: String,
    pub(crate) base_url: String,
    pub(crate) timeout: Duration,
    pub(crate) shared: Arc<Shared>,
    pub(crate) vendor: VendorErrors,
    key: ApiKey,
    /// The shared client, or the account's own.
    http: reqwest::Client,
}

impl std::fmt::Debug for Ctx {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ctx")
            .field("provider", &self.provider)
            .field("account", &self.account)
            .field("base_url", &self.base_url)
            .field("timeout", &self.timeout)
            .field("key", &"<redacted>")
            .finish()
    }
}

/// A response that decoded, with its status.
pub(crate) struct Fetched<T> {
    pub(crate) value: T,
    #[cfg_attr(
        not(any(feature = "runcrate", feature = "runtools", feature = "venice")),
        allow(
            dead_code,
            reason = "ngrok's amounts are whole cents: nothing to refuse"
        )
    )]
    pub(crate) status: u16,
    /// The body exactly as the vendor sent it (fields the spec does not declare included),
    /// for [`Provenance`](crate::Provenance).
    pub(crate) raw: crate::RawBody,
    /// The auxiliary fields the vendor left out, by name (see [`crate::tolerant`]): the
    /// value holds placeholders there, never to be read.
    #[cfg_attr(
        not(any(feature = "runcrate", feature = "venice")),
        allow(
            dead_code,
            reason = "only Runcrate and Venice have fields to do without"
        )
    )]
    pub(crate) absent: Vec<String>,
}

tokio::task_local! {
    /// The try a generated client is running for, while it runs (see [`Ctx::get`]).
    static TRY: TryState;
}

/// The hook a generated client calls with each response, before its body is read.
pub(crate) type OnResponse = Arc<dyn Fn(&reqwest::Response) + Send + Sync>;

/// The hook a generated client calls with a response body, whole or in pieces in order.
pub(crate) type OnBody = Arc<dyn Fn(&[u8]) + Send + Sync>;

/// The hooks of every adapter's generated client (built once per account): they report
/// the response and its body to the try under way, [`TRY`]. Outside a try they do nothing.
pub(crate) fn hooks() -> (OnResponse, OnBody) {
    (
        Arc::new(|response: &reqwest::Response| {
            let _ = TRY.try_with(|state| state.observe(response));
        }),
        Arc::new(|bytes: &[u8]| {
            let _ = TRY.try_with(|state| state.body().extend_from_slice(bytes));
        }),
    )
}

/// One failed try: the error, its status if a response came, and whether (and after how
/// long, if the vendor said) it may be retried.
struct Failure {
    error: Error,
    status: Option<u16>,
    retry: Option<Option<Duration>>,
}

/// What one try's hooks saw: the response before its body was read, and the body.
#[derive(Default)]
struct TryState {
    observed: OnceLock<Observed>,
    /// The body as the client read it (within its size limit): whole for the documented
    /// responses it decodes.
    body: std::sync::Mutex<Vec<u8>>,
}

impl TryState {
    /// Note the status and `Retry-After`.
    fn observe(&self, response: &reqwest::Response) {
        let _ = self.observed.set(Observed {
            status: response.status().as_u16(),
            retry_after: retry_after(response.headers()),
        });
    }

    /// The body so far (a poisoned lock still holds whole pieces: the hook never panics
    /// midway).
    fn body(&self) -> std::sync::MutexGuard<'_, Vec<u8>> {
        match self.body.lock() {
            Ok(body) => body,
            Err(poisoned) => poisoned.into_inner(),
        }
    }
}

/// A try's result: the decoded body, a failure, or an error response whose body must be
/// read first.
enum Classified<T> {
    Ok {
        value: T,
        status: u16,
        absent: Vec<String>,
    },
    Failed(Failure),
    ReadError(reqwest::Response),
}

/// What the observer saw of a response before its body was read.
#[derive(Clone, Copy)]
struct Observed {
    status: u16,
    retry_after: Option<Duration>,
}

impl Ctx {
    /// The context of `config`'s account, sending to `base_url`.
    pub(crate) fn new(
        config: &ProviderConfig,
        base_url: String,
        shared: Arc<Shared>,
        vendor: VendorErrors,
    ) -> Self {
        Self {
            provider: config.provider(),
            account: config.account_name().to_string(),
            base_url,
            timeout: config.fetch_timeout(),
            http: config
                .own_http_client()
                .cloned()
                .unwrap_or_else(|| shared.http.clone()),
            shared,
            vendor,
            key: config.api_key().clone(),
        }
    }

    /// `GET <base URL><path>`, as provenance.
    pub(crate) fn endpoint(&self, path: &str) -> String {
        ["GET ", &self.base_url, path].concat()
    }

    /// The account's HTTP client: the one shared by every account, or its own.
    pub(crate) fn http(&self) -> &reqwest::Client {
        &self.http
    }

    /// The response body limit.
    pub(crate) fn max_response_bytes(&self) -> u64 {
        self.shared.max_response_bytes
    }

    /// Run one whole operation (`op`) of this provider in its tracing span, bounded by its
    /// timeout. `body` gets the deadline retries must fit in.
    pub(crate) async fn run<T, F, Fut>(&self, op: &'static str, body: F) -> Result<T, Error>
    where
        F: FnOnce(Instant) -> Fut,
        Fut: Future<Output = Result<T, Error>>,
    {
        let span = tracing::info_span!(
            "prepaid.fetch",
            provider = %self.provider,
            op,
            status = tracing::field::Empty,
            attempts = tracing::field::Empty,
            duration_ms = tracing::field::Empty,
            outcome = tracing::field::Empty,
        );
        let started = Instant::now();
        let deadline = started + self.timeout;
        // Boxed once here, so the layers above (the timeout, the span, the adapter, the
        // caller's own future) hold a pointer rather than each moving their own copy.
        let body = Box::pin(body(deadline));
        let result = async {
            match tokio::time::timeout_at(deadline, body).await {
                Ok(result) => result,
                Err(_) => Err(Error::timeout(self.provider, self.timeout)),
            }
        }
        .instrument(span.clone())
        .await
        .map_err(|error| error.for_account(&self.account));
        if !span.is_disabled() {
            let elapsed = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
            span.record("duration_ms", elapsed);
        }
        match &result {
            Ok(_) => {
                span.record("outcome", "ok");
                span.in_scope(|| tracing::debug!("fetched"));
            }
            Err(error) => {
                span.record("outcome", tracing::field::display(error));
                span.in_scope(|| tracing::warn!(%error, "failed"));
            }
        }
        result
    }

    /// A GET through a generated client, retried per the [`RetryPolicy`] until `deadline`.
    ///
    /// `send` makes one try with an adapter's client (whose hooks report to the try under
    /// way). Tries and the last status are recorded on the current span.
    pub(crate) async fn get<T, E, F, Fut>(
        &self,
        deadline: Instant,
        auxiliary: &[Auxiliary],
        send: F,
    ) -> Result<Fetched<T>, Error>
    where
        T: DeserializeOwned,
        E: Serialize,
        F: Fn() -> Fut,
        Fut: Future<Output = Result<ResponseValue<T>, progenitor_client::Error<E>>>,
    {
        let policy = self.shared.retry;
        let span = tracing::Span::current();
        let mut attempt: u32 = 0;
        loop {
            attempt = attempt.saturating_add(1);
            self.shared.rate_limits.until_ready(self.provider).await;
            // The semaphore is never closed, so waiting never fails; if it did, the try
            // would go ahead unlimited rather than fail.
            let permit = match self.shared.in_flight.try_acquire() {
                Ok(permit) => Some(permit),
                Err(_) => self.shared.in_flight.acquire().await.ok(),
            };
            let mut one_try = std::pin::pin!(TRY.scope(TryState::default(), send()));
            let result = one_try.as_mut().await;
            let state = one_try.as_mut().take_value();
            let observed = state.as_ref().and_then(|s| s.observed.get().copied());
            let failure = match self.classify(result, observed, auxiliary) {
                Classified::Ok {
                    value,
                    status,
                    absent,
                } => {
                    span.record("attempts", attempt);
                    span.record("status", status);
                    let body = state.map(|s| std::mem::take(&mut *s.body()));
                    return match crate::RawBody::decoded(body.unwrap_or_default()) {
                        Ok(raw) => Ok(Fetched {
                            value,
                            status,
                            raw,
                            absent,
                        }),
                        Err(bytes) => Err(self.undecodable(Some(status), NOT_UTF8, &bytes)),
                    };
                }
                Classified::Failed(failure) => failure,
                // Rare, and reading a body is a large future: boxed, so that every fetch's
                // future does not hold room for it.
                Classified::ReadError(response) => Box::pin(self.read_error(response)).await,
            };
            drop(permit);
            span.record("attempts", attempt);
            if let Some(status) = failure.status {
                span.record("status", status);
            }
            let Some(vendor_wait) = failure.retry else {
                return Err(failure.error);
            };
            if attempt >= policy.max_attempts {
                return Err(failure.error);
            }
            let wait = match vendor_wait {
                Some(wait) if wait > policy.max_delay => return Err(failure.error),
                Some(wait) => wait,
                None => policy.backoff(attempt),
            };
            if Instant::now() + wait >= deadline {
                return Err(failure.error);
            }
            tracing::debug!(attempt, wait_ms = wait.as_millis() as u64, error = %failure.error, "retrying");
            tokio::time::sleep(wait).await;
        }
    }

    /// Map one try's result to a decoded value or a [`Failure`], or to the error response
    /// whose body must be read first.
    fn classify<T: DeserializeOwned, E: Serialize>(
        &self,
        result: Result<ResponseValue<T>, progenitor_client::Error<E>>,
        observed: Option<Observed>,
        auxiliary: &[Auxiliary],
    ) -> Classified<T> {
        use progenitor_client::Error as P;
        let provider = self.provider;
        let observed_status = observed.map(|o| o.status);
        let plain = |error: Error| Failure {
            error,
            status: observed_status,
            retry: None,
        };
        let failure = match result {
            Ok(value) => {
                return Classified::Ok {
                    status: value.status().as_u16(),
                    value: value.into_inner(),
                    absent: Vec::new(),
                };
            }
            Err(P::ErrorResponse(value)) => {
                let status = value.status().as_u16();
                let wait = retry_after(value.headers());
                let body = serde_json::to_value(value.into_inner()).unwrap_or_default();
                self.status_failure(status, self.message(&body), wait)
            }
            Err(P::UnexpectedResponse(response)) => return Classified::ReadError(response),
            Err(P::InvalidResponsePayload(bytes, e)) => match observed {
                Some(o) if !(200..300).contains(&o.status) => {
                    // An error status whose body is not the documented error shape (e.g. an
                    // HTML page): the status decides, the message is taken if there is one.
                    let body = serde_json::from_slice(&bytes).unwrap_or_default();
                    self.status_failure(o.status, self.message(&body), o.retry_after)
                }
                // A 2xx body the generated type refuses: if only auxiliary fields are
                // missing, the balance is still read (see `tolerant`).
                _ => match crate::tolerant::read(&bytes, auxiliary) {
                    Some((value, absent)) => {
                        return Classified::Ok {
                            value,
                            status: observed_status.unwrap_or(200),
                            absent,
                        };
                    }
                    None => plain(self.undecodable(observed_status, &e.to_string(), &bytes)),
                },
            },
            Err(P::ResponseBodyError(e)) => match find_in_chain::<ResponseTooLarge>(&e) {
                Some(&ResponseTooLarge { limit, .. }) => plain(Error::too_large(provider, limit)),
                // The connection failed after the headers (reset, closed before the
                // Content-Length): as transient as a failed connect, so it is retried too.
                None => Failure {
                    error: Error::new(ErrorKind::Network, provider)
                        .with_detail("reading the body failed")
                        .with_source(&e, &|text| self.redact(text, MESSAGE_CHARS))
                        .retryable(true),
                    status: observed_status,
                    retry: Some(None),
                },
            },
            Err(P::CommunicationError(e)) | Err(P::InvalidUpgrade(e)) => {
                if let Some(refused) = find_in_chain::<CrossOriginRedirect>(&e) {
                    let detail = format!("the vendor redirected to {}, another origin", refused.to);
                    plain(Error::new(ErrorKind::RedirectRefused, provider).with_detail(detail))
                } else if e.is_redirect() {
                    plain(
                        Error::new(ErrorKind::RedirectRefused, provider)
                            .with_source(&e, &|text| self.redact(text, MESSAGE_CHARS)),
                    )
                } else {
                    let retry = (e.is_connect() || e.is_request()).then_some(None);
                    Failure {
                        error: Error::new(ErrorKind::Network, provider)
                            .retryable(retry.is_some())
                            .with_source(&e, &|text| self.redact(text, MESSAGE_CHARS)),
                        status: observed_status,
                        retry,
                    }
                }
            }
            Err(P::InvalidRequest(reason)) | Err(P::Custom(reason)) => plain(
                Error::new(ErrorKind::InvalidRequest, provider)
                    .with_detail(self.redact(&reason, MESSAGE_CHARS)),
            ),
        };
        Classified::Failed(failure)
    }

    /// The failure for an undocumented error response: its status, with the vendor's
    /// message if the body has one.
    async fn read_error(&self, response: reqwest::Response) -> Failure {
        let status = response.status().as_u16();
        let wait = retry_after(response.headers());
        match response.bytes().await {
            Ok(bytes) => {
                let body = serde_json::from_slice(&bytes).unwrap_or_default();
                self.status_failure(status, self.message(&body), wait)
            }
            Err(e) => match find_in_chain::<ResponseTooLarge>(&e) {
                Some(&ResponseTooLarge { limit, .. }) => Failure {
                    error: Error::too_large(self.provider, limit),
                    status: Some(status),
                    retry: None,
                },
                // The status says what happened; the body was only for a message.
                None => self.status_failure(status, None, wait),
            },
        }
    }

    /// The error for an HTTP error status, and whether it may be retried.
    fn status_failure(
        &self,
        status: u16,
        message: Option<String>,
        wait: Option<Duration>,
    ) -> Failure {
        let (kind, retry) = match status {
            401 => (ErrorKind::Unauthorized, None),
            403 => (ErrorKind::Forbidden, None),
            404 => (ErrorKind::NotFound, None),
            429 => (ErrorKind::RateLimited, Some(wait)),
            502..=504 => (ErrorKind::Server, Some(wait)),
            500..=599 => (ErrorKind::Server, None),
            _ => (ErrorKind::UnexpectedStatus, None),
        };
        let hint = matches!(kind, ErrorKind::Unauthorized | ErrorKind::Forbidden)
            .then_some(self.vendor.auth_hint)
            .flatten();
        let error = Error::status_error(kind, self.provider, status, message)
            .with_hint(hint)
            .with_retry_after(wait.filter(|_| kind == ErrorKind::RateLimited))
            .retryable(retry.is_some());
        Failure {
            error,
            status: Some(status),
            retry,
        }
    }

    /// The vendor's message in an error body, redacted and bounded.
    fn message(&self, body: &serde_json::Value) -> Option<String> {
        (self.vendor.message)(body)
            .filter(|m| !m.trim().is_empty())
            .map(|m| self.redact(&m, MESSAGE_CHARS))
    }

    /// An [`ErrorKind::Undecodable`] error for a body that is not the documented shape.
    pub(crate) fn undecodable(&self, status: Option<u16>, reason: &str, body: &[u8]) -> Error {
        Error::undecodable(
            self.provider,
            status,
            self.redact(reason, MESSAGE_CHARS),
            self.redact(&String::from_utf8_lossy(body), EXCERPT_CHARS),
        )
    }

    /// `text` with every occurrence of the key replaced, cut to `max` characters.
    pub(crate) fn redact(&self, text: &str, max: usize) -> String {
        let key = self.key.expose();
        let clean = if key.is_empty() {
            text.to_string()
        } else {
            text.replace(key, "<redacted>")
        };
        cut(&clean, max)
    }
}

/// `text` cut to `max` characters, with `…` when cut.
pub(crate) fn cut(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None => text.to_string(),
    }
}

/// The `Retry-After` of a response: delay-seconds, or an HTTP date in any of the three
/// forms HTTP allows (IMF-fixdate, RFC 850, asctime); a date in the past is no wait.
fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    let value = headers
        .get(reqwest::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let date = httpdate::parse_http_date(value).ok()?;
    Some(
        date.duration_since(std::time::SystemTime::now())
            .unwrap_or(Duration::ZERO),
    )
}

/// The first `T` in `error`'s source chain.
fn find_in_chain<'a, T: std::error::Error + 'static>(
    error: &'a (dyn std::error::Error + 'static),
) -> Option<&'a T> {
    let mut current = Some(error);
    while let Some(e) = current {
        if let Some(found) = e.downcast_ref::<T>() {
            return Some(found);
        }
        current = e.source();
    }
    None
}

/// `error` and its sources, joined with `: `.
fn chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut current = error.source();
    while let Some(e) = current {
        let part = e.to_string();
        if !text.contains(&part) {
            text.push_str(": ");
            text.push_str(&part);
        }
        current = e.source();
    }
    text
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn retry_after_forms() {
        let mut headers = reqwest::header::HeaderMap::new();
        assert_eq!(retry_after(&headers), None);
        headers.insert(reqwest::header::RETRY_AFTER, "7".parse().unwrap());
        assert_eq!(retry_after(&headers), Some(Duration::from_secs(7)));
        // The three date forms of RFC 9110, in the past: no wait.
        for past in [
            "Wed, 21 Oct 2015 07:28:00 GMT",
            "Wednesday, 21-Oct-15 07:28:00 GMT",
            "Wed Oct 21 07:28:00 2015",
        ] {
            headers.insert(reqwest::header::RETRY_AFTER, past.parse().unwrap());
            assert_eq!(retry_after(&headers), Some(Duration::ZERO), "{past}");
        }
        // And in the future, each form of the same instant.
        let later = chrono::Utc::now() + chrono::Duration::seconds(120);
        for form in [
            "%a, %d %b %Y %H:%M:%S GMT",
            "%A, %d-%b-%y %H:%M:%S GMT",
            "%a %b %e %H:%M:%S %Y",
        ] {
            let text = later.format(form).to_string();
            headers.insert(reqwest::header::RETRY_AFTER, text.parse().unwrap());
            let wait = retry_after(&headers);
            assert!(
                wait.is_some_and(|w| w > Duration::from_secs(100) && w <= Duration::from_secs(120)),
                "{text}: {wait:?}"
            );
        }
        headers.insert(reqwest::header::RETRY_AFTER, "soon".parse().unwrap());
        assert_eq!(retry_after(&headers), None);
    }
}

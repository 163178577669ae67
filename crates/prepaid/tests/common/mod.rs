//! Shared helpers: mock vendors on 127.0.0.1 and the checks every vendor must pass.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    dead_code,
    unused_macros
)]

use std::time::{Duration, Instant};

use httpmock::Method::GET;
use httpmock::{Mock, MockServer};
use prepaid::{Balance, Error, ErrorKind, Prepaid, Provider, ProviderConfig, RetryPolicy};
use prepaid_emulator::bodies;
use serde_json::{Value, json};

/// The key every test configures; no error, log or Debug output may contain it.
pub const KEY: &str = "sk-SENTINEL-abc123";

/// Retries that take milliseconds, not seconds.
pub fn fast_retry() -> RetryPolicy {
    RetryPolicy::default()
        .with_max_attempts(3)
        .with_base_delay(Duration::from_millis(1))
        .with_max_delay(Duration::from_millis(50))
}

/// What a test needs to know about a vendor.
#[derive(Clone, Copy)]
pub struct Vendor {
    pub provider: Provider,
    /// The balance path, relative to the base URL.
    pub path: &'static str,
    /// The header carrying the key and its value.
    pub auth_header: &'static str,
    pub auth_value: fn() -> String,
    /// The documented example body of the balance call.
    pub example: fn() -> Value,
    /// The vendor's error body carrying `message`.
    pub error_body: fn(&str) -> Value,
    /// How the facade reports `message` from that body.
    pub reported: fn(&str) -> String,
    /// The hint added to 401 and 403.
    pub hint: Option<&'static str>,
}

fn bearer() -> String {
    format!("Bearer {KEY}")
}

fn plain_key() -> String {
    KEY.to_string()
}

fn same(message: &str) -> String {
    message.to_string()
}

pub const RUNCRATE: Vendor = Vendor {
    provider: Provider::Runcrate,
    path: "/billing/balance",
    auth_header: "authorization",
    auth_value: bearer,
    example: || documented(bodies::RUNCRATE),
    error_body: |m| json!({ "error": { "code": "insufficient_scope", "message": m } }),
    reported: |m| format!("{m} (insufficient_scope)"),
    hint: None,
};

pub const NGROK: Vendor = Vendor {
    provider: Provider::NgrokAiGateway,
    path: "/credits/balance",
    auth_header: "authorization",
    auth_value: bearer,
    example: || documented(bodies::NGROK_AI_GATEWAY),
    error_body: |m| json!({ "statusCode": 401, "msg": m, "errorCode": "ERR_NGROK_1234", "details": {} }),
    reported: |m| format!("{m} (ERR_NGROK_1234)"),
    hint: None,
};

pub const RUNTOOLS: Vendor = Vendor {
    provider: Provider::Runtools,
    path: "/v1/billing/credits",
    auth_header: "x-api-key",
    auth_value: plain_key,
    example: || documented(bodies::RUNTOOLS_CREDITS),
    error_body: |m| json!({ "error": m }),
    reported: same,
    hint: None,
};

pub const VENICE: Vendor = Vendor {
    provider: Provider::Venice,
    path: "/billing/balance",
    auth_header: "authorization",
    auth_value: bearer,
    example: || documented(bodies::VENICE),
    error_body: |m| json!({ "error": m }),
    reported: same,
    hint: Some("Venice's billing endpoints need an ADMIN API key"),
};

pub const ALL: [Vendor; 4] = [RUNCRATE, NGROK, RUNTOOLS, VENICE];

/// The runtools plan body that goes with [`RUNTOOLS`]'s example.
pub fn runtools_plan() -> Value {
    documented(bodies::RUNTOOLS_PLAN)
}

/// A documented body, as `prepaid-emulator` holds it (each vendor's example is written
/// there, once).
fn documented(body: &[u8]) -> Value {
    serde_json::from_slice(body).unwrap()
}

/// A facade for `vendor` at `server`, with fast retries and a 2 s timeout.
pub fn prepaid(vendor: &Vendor, server: &MockServer) -> Prepaid {
    prepaid_with(
        vendor,
        server,
        Duration::from_secs(2),
        fast_retry(),
        64 * 1024,
    )
}

/// A facade for `vendor` at `server` with the given limits.
pub fn prepaid_with(
    vendor: &Vendor,
    server: &MockServer,
    timeout: Duration,
    retry: RetryPolicy,
    max_response_bytes: u64,
) -> Prepaid {
    Prepaid::builder()
        .provider(
            ProviderConfig::new(vendor.provider, KEY)
                .base_url(server.base_url())
                .timeout(timeout),
        )
        .retry_policy(retry)
        .max_response_bytes(max_response_bytes)
        .build()
        .unwrap()
}

/// Mock the balance call of `vendor` (requiring its key) to answer `status` with `body`
/// as JSON text. For runtools, the plan call answers with its example too.
pub async fn mock_balance<'a>(
    vendor: &Vendor,
    server: &'a MockServer,
    status: u16,
    body: &str,
) -> Mock<'a> {
    mock_balance_with(vendor, server, status, body, &[], Duration::ZERO).await
}

/// As [`mock_balance`], with extra response headers and a delay.
pub async fn mock_balance_with<'a>(
    vendor: &Vendor,
    server: &'a MockServer,
    status: u16,
    body: impl AsRef<[u8]>,
    headers: &[(&str, &str)],
    delay: Duration,
) -> Mock<'a> {
    if vendor.provider == Provider::Runtools {
        let plan = runtools_plan().to_string();
        server
            .mock_async(|when, then| {
                when.method(GET)
                    .path("/v1/billing/plan")
                    .header("x-api-key", KEY);
                then.status(200)
                    .header("content-type", "application/json")
                    .body(plan)
                    .delay(delay);
            })
            .await;
    }
    let body = body.as_ref().to_vec();
    let headers: Vec<(String, String)> = headers
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    server
        .mock_async(|when, then| {
            when.method(GET)
                .path(vendor.path)
                .header(vendor.auth_header, (vendor.auth_value)());
            let mut then = then
                .status(status)
                .header("content-type", "application/json")
                .body(body)
                .delay(delay);
            for (k, v) in headers {
                then = then.header(k, v);
            }
        })
        .await
}

/// The balance of `vendor` from a server answering 200 with `body`.
pub async fn balance_from(vendor: &Vendor, body: &str) -> Result<Balance, Error> {
    let server = MockServer::start_async().await;
    mock_balance(vendor, &server, 200, body).await;
    prepaid(vendor, &server).fetch(vendor.provider).await
}

/// Whether `result` failed with an error of `kind` about `provider`.
pub fn failed_with<T>(result: &Result<T, Error>, kind: ErrorKind, provider: Provider) -> bool {
    result
        .as_ref()
        .is_err_and(|e| e.kind() == kind && e.provider() == provider)
}

/// Whether `error` is undecodable with a `detail` holding `reason`.
pub fn undecodable_because(error: &Error, reason: &str) -> bool {
    error.kind() == ErrorKind::Undecodable && error.detail().is_some_and(|d| d.contains(reason))
}

/// `error` and its causes, as the command shows them: each cause after `: `.
pub fn with_causes(error: &Error) -> String {
    let mut text = error.to_string();
    let mut cause = std::error::Error::source(error);
    while let Some(found) = cause {
        text.push_str(": ");
        text.push_str(&found.to_string());
        cause = found.source();
    }
    text
}

/// Neither `Display` nor `Debug` of `error` contains the key.
pub fn assert_no_key(error: &(impl std::error::Error + 'static)) {
    let mut shown = format!("{error} {error:?}");
    let mut cause = error.source();
    while let Some(found) = cause {
        shown.push_str(&format!(" {found} {found:?}"));
        cause = found.source();
    }
    assert!(!shown.contains(KEY), "key leaked: {shown}");
    assert!(!shown.contains("SENTINEL"), "key leaked: {shown}");
}

/// The error of a fetch of `vendor` from a server answering `status` with `body`.
pub async fn error_from(vendor: &Vendor, status: u16, body: &str) -> (Error, usize) {
    error_with_headers(vendor, status, body, &[]).await
}

/// As [`error_from`], the response carrying `headers` too.
pub async fn error_with_headers(
    vendor: &Vendor,
    status: u16,
    body: &str,
    headers: &[(&str, &str)],
) -> (Error, usize) {
    let server = MockServer::start_async().await;
    let mock = mock_balance_with(vendor, &server, status, body, headers, Duration::ZERO).await;
    let error = prepaid(vendor, &server)
        .fetch(vendor.provider)
        .await
        .unwrap_err();
    assert_no_key(&error);
    assert_eq!(error.provider(), vendor.provider);
    assert_eq!(error.account(), Some(vendor.provider.as_str()));
    (error, mock.calls_async().await)
}

// ---- The checks every vendor passes -------------------------------------------------

pub async fn example_with_extra_field_decodes_like_the_example(vendor: &Vendor) {
    let plain = balance_from(vendor, &(vendor.example)().to_string())
        .await
        .unwrap();
    let mut extra = (vendor.example)();
    extra
        .as_object_mut()
        .unwrap()
        .insert("addedByVendor".into(), json!({ "new": [1, 2] }));
    if let Some(data) = extra.get_mut("data").and_then(Value::as_object_mut) {
        data.insert("addedByVendorToo".into(), json!("x"));
    }
    let with_extra = balance_from(vendor, &extra.to_string()).await.unwrap();
    assert_eq!(with_extra.available, plain.available);
    assert_eq!(with_extra.accruing, plain.accruing);
    assert_eq!(with_extra.can_consume, plain.can_consume);
}

pub async fn unauthorized(vendor: &Vendor) {
    let body = (vendor.error_body)(&format!("invalid API key {KEY}")).to_string();
    let (error, hits) = error_from(vendor, 401, &body).await;
    let expected = (vendor.reported)("invalid API key <redacted>");
    assert!(
        error.kind() == ErrorKind::Unauthorized
            && error.provider() == vendor.provider
            && error.vendor_message() == Some(expected.as_str())
            && error.hint() == vendor.hint
            && !error.is_retryable(),
        "{error:?}"
    );
    assert_eq!(hits, 1, "401 is not retried");
}

pub async fn forbidden(vendor: &Vendor) {
    let body = (vendor.error_body)("key lacks billing scope").to_string();
    let (error, hits) = error_from(vendor, 403, &body).await;
    let expected = (vendor.reported)("key lacks billing scope");
    assert!(
        error.kind() == ErrorKind::Forbidden
            && error.provider() == vendor.provider
            && error.vendor_message() == Some(expected.as_str())
            && error.hint() == vendor.hint,
        "{error:?}"
    );
    assert_eq!(hits, 1);
}

pub async fn not_found(vendor: &Vendor) {
    let body = (vendor.error_body)("no such route").to_string();
    let (error, hits) = error_from(vendor, 404, &body).await;
    let expected = (vendor.reported)("no such route");
    assert!(
        error.kind() == ErrorKind::NotFound
            && error.status() == Some(404)
            && error.vendor_message() == Some(expected.as_str()),
        "{error:?}"
    );
    assert_eq!(hits, 1);
}

pub async fn rate_limited_without_retry_after_is_retried_then_reported(vendor: &Vendor) {
    let body = (vendor.error_body)("slow down").to_string();
    let (error, hits) = error_from(vendor, 429, &body).await;
    let expected = (vendor.reported)("slow down");
    assert!(
        error.kind() == ErrorKind::RateLimited
            && error.retry_after().is_none()
            && error.vendor_message() == Some(expected.as_str())
            && error.is_retryable(),
        "{error:?}"
    );
    assert_eq!(hits, 3, "429 is retried up to max_attempts");
}

pub async fn rate_limited_with_long_retry_after_is_reported_at_once(vendor: &Vendor) {
    let body = (vendor.error_body)("slow down").to_string();
    let started = Instant::now();
    let (error, hits) = error_with_headers(vendor, 429, &body, &[("retry-after", "120")]).await;
    assert!(
        error.kind() == ErrorKind::RateLimited
            && error.retry_after() == Some(Duration::from_secs(120)),
        "{error:?}"
    );
    assert_eq!(hits, 1, "a Retry-After beyond max_delay is not waited for");
    assert!(started.elapsed() < Duration::from_secs(1));
}

pub async fn rate_limited_with_short_retry_after_is_honoured(vendor: &Vendor) {
    let body = (vendor.error_body)("slow down").to_string();
    let (error, hits) = error_with_headers(vendor, 429, &body, &[("retry-after", "0")]).await;
    assert!(
        error.kind() == ErrorKind::RateLimited && error.retry_after() == Some(Duration::ZERO),
        "{error:?}"
    );
    assert_eq!(hits, 3);
}

pub async fn server_error_with_vendor_body(vendor: &Vendor) {
    let body = (vendor.error_body)("database on fire").to_string();
    let (error, hits) = error_from(vendor, 500, &body).await;
    let expected = (vendor.reported)("database on fire");
    assert!(
        error.kind() == ErrorKind::Server
            && error.status() == Some(500)
            && error.vendor_message() == Some(expected.as_str())
            && !error.is_retryable(),
        "{error:?}"
    );
    assert_eq!(hits, 1, "500 is not retried");
}

pub async fn server_error_with_html_body(vendor: &Vendor) {
    let (error, hits) = error_from(
        vendor,
        500,
        "<html><body><h1>500 Internal Server Error</h1></body></html>",
    )
    .await;
    assert!(
        error.kind() == ErrorKind::Server
            && error.status() == Some(500)
            && error.vendor_message().is_none(),
        "{error:?}"
    );
    assert_eq!(hits, 1);
}

pub async fn unavailable_is_retried(vendor: &Vendor) {
    let (error, hits) = error_from(vendor, 503, "<html>maintenance</html>").await;
    assert!(
        error.kind() == ErrorKind::Server
            && error.status() == Some(503)
            && error.vendor_message().is_none()
            && error.is_retryable(),
        "{error:?}"
    );
    assert_eq!(hits, 3, "503 is retried up to max_attempts");
}

pub async fn truncated_json(vendor: &Vendor) {
    let full = (vendor.example)().to_string();
    let truncated = &full[..full.len() / 2];
    let (error, hits) = error_from(vendor, 200, truncated).await;
    assert!(
        error.kind() == ErrorKind::Undecodable
            && error.status() == Some(200)
            && error.body_excerpt() == Some(truncated),
        "{error:?}"
    );
    assert_eq!(hits, 1, "a malformed 200 is not retried");
}

pub async fn body_not_utf8(vendor: &Vendor) {
    // The documented body plus a field nobody reads, holding a byte no UTF-8 text has.
    let mut body = (vendor.example)().to_string().into_bytes();
    let end = body.len() - 1;
    body.splice(end..end, b",\"note\":\"caf\xe9\"".iter().copied());
    let server = MockServer::start_async().await;
    mock_balance_with(vendor, &server, 200, &body, &[], Duration::ZERO).await;
    let error = prepaid(vendor, &server)
        .fetch(vendor.provider)
        .await
        .unwrap_err();
    assert!(
        error.kind() == ErrorKind::Undecodable
            && error.status() == Some(200)
            && error.detail().is_some_and(|d| d.contains("UTF-8")),
        "{error:?}"
    );
    // The decode path says the same.
    let decoded = prepaid::providers::decode::balance(vendor.provider, &body);
    assert!(
        decoded
            .as_ref()
            .is_err_and(|e| e.kind() == ErrorKind::Undecodable
                && e.detail().is_some_and(|d| d.contains("UTF-8"))),
        "{decoded:?}"
    );
}

pub async fn wrong_type(vendor: &Vendor, body: Value) {
    let (error, _) = error_from(vendor, 200, &body.to_string()).await;
    assert!(
        error.kind() == ErrorKind::Undecodable
            && error.status() == Some(200)
            && error.detail().is_some_and(|d| !d.is_empty()),
        "{error:?}"
    );
}

pub async fn body_over_the_size_cap(vendor: &Vendor) {
    let server = MockServer::start_async().await;
    let mut big = (vendor.example)();
    big.as_object_mut()
        .unwrap()
        .insert("padding".into(), json!("x".repeat(8 * 1024)));
    mock_balance(vendor, &server, 200, &big.to_string()).await;
    let error = prepaid_with(vendor, &server, Duration::from_secs(2), fast_retry(), 4096)
        .fetch(vendor.provider)
        .await
        .unwrap_err();
    assert_no_key(&error);
    assert!(
        error.kind() == ErrorKind::ResponseTooLarge && error.size_limit() == Some(4096),
        "{error:?}"
    );
}

/// An error status the spec does not document, with a body over the cap: the body is read
/// for a message only within the cap.
pub async fn error_body_over_the_size_cap(vendor: &Vendor) {
    let server = MockServer::start_async().await;
    let html = format!("<html>{}</html>", "x".repeat(8 * 1024));
    mock_balance(vendor, &server, 418, &html).await;
    let error = prepaid_with(vendor, &server, Duration::from_secs(2), fast_retry(), 4096)
        .fetch(vendor.provider)
        .await
        .unwrap_err();
    assert!(
        error.kind() == ErrorKind::ResponseTooLarge && error.size_limit() == Some(4096),
        "{error:?}"
    );
}

pub async fn slower_than_the_timeout(vendor: &Vendor) {
    let server = MockServer::start_async().await;
    mock_balance_with(
        vendor,
        &server,
        200,
        &(vendor.example)().to_string(),
        &[],
        Duration::from_secs(3),
    )
    .await;
    let started = Instant::now();
    let error = prepaid_with(
        vendor,
        &server,
        Duration::from_millis(200),
        fast_retry(),
        64 * 1024,
    )
    .fetch(vendor.provider)
    .await
    .unwrap_err();
    assert_no_key(&error);
    assert!(
        error.kind() == ErrorKind::Timeout
            && error.timeout_after() == Some(Duration::from_millis(200))
            && error.is_timeout()
            && error.is_retryable(),
        "{error:?}"
    );
    assert!(
        started.elapsed() < Duration::from_millis(1500),
        "{:?}",
        started.elapsed()
    );
}

pub async fn redirect_to_another_host_is_refused(vendor: &Vendor) {
    let server = MockServer::start_async().await;
    let elsewhere = MockServer::start_async().await;
    let catch_all = elsewhere
        .mock_async(|_, then| {
            then.status(200).body((vendor.example)().to_string());
        })
        .await;
    let target = elsewhere.url(vendor.path);
    if vendor.provider == Provider::Runtools {
        let plan_target = elsewhere.url("/v1/billing/plan");
        server
            .mock_async(|when, then| {
                when.method(GET).path("/v1/billing/plan");
                then.status(302).header("location", plan_target);
            })
            .await;
    }
    server
        .mock_async(|when, then| {
            when.method(GET).path(vendor.path);
            then.status(302).header("location", target);
        })
        .await;
    let error = prepaid(vendor, &server)
        .fetch(vendor.provider)
        .await
        .unwrap_err();
    assert_no_key(&error);
    assert!(
        error.kind() == ErrorKind::RedirectRefused
            && error
                .detail()
                .is_some_and(|d| d.contains(&elsewhere.base_url())),
        "{error:?}"
    );
    assert_eq!(
        catch_all.calls_async().await,
        0,
        "the second host must never be called"
    );
}

pub async fn connection_refused(vendor: &Vendor) {
    // A port nothing listens on: bind, read the port, close.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let prepaid = Prepaid::builder()
        .provider(
            ProviderConfig::new(vendor.provider, KEY).base_url(format!("http://127.0.0.1:{port}")),
        )
        .retry_policy(fast_retry())
        .build()
        .unwrap();
    let error = prepaid.fetch(vendor.provider).await.unwrap_err();
    assert_no_key(&error);
    assert!(
        error.kind() == ErrorKind::Network
            && error.is_retryable()
            && std::error::Error::source(&error).is_some(),
        "{error:?}"
    );
}

/// The checks every vendor passes, as `#[tokio::test]`s (the wrong-type body is per vendor).
macro_rules! vendor_suite {
    ($vendor:expr, wrong_type: $wrong:expr) => {
        #[tokio::test]
        async fn an_extra_field_is_ignored() {
            common::example_with_extra_field_decodes_like_the_example(&$vendor).await;
        }
        #[tokio::test]
        async fn http_401_is_unauthorized_with_the_vendor_message() {
            common::unauthorized(&$vendor).await;
        }
        #[tokio::test]
        async fn http_403_is_forbidden_with_the_vendor_message() {
            common::forbidden(&$vendor).await;
        }
        #[tokio::test]
        async fn http_404_is_not_found() {
            common::not_found(&$vendor).await;
        }
        #[tokio::test]
        async fn http_429_without_retry_after_is_retried_then_rate_limited() {
            common::rate_limited_without_retry_after_is_retried_then_reported(&$vendor).await;
        }
        #[tokio::test]
        async fn http_429_with_a_long_retry_after_is_reported_at_once() {
            common::rate_limited_with_long_retry_after_is_reported_at_once(&$vendor).await;
        }
        #[tokio::test]
        async fn http_429_with_a_short_retry_after_is_honoured() {
            common::rate_limited_with_short_retry_after_is_honoured(&$vendor).await;
        }
        #[tokio::test]
        async fn http_500_with_the_vendor_body_is_a_server_error() {
            common::server_error_with_vendor_body(&$vendor).await;
        }
        #[tokio::test]
        async fn http_500_with_an_html_body_is_a_server_error() {
            common::server_error_with_html_body(&$vendor).await;
        }
        #[tokio::test]
        async fn http_503_is_retried() {
            common::unavailable_is_retried(&$vendor).await;
        }
        #[tokio::test]
        async fn truncated_json_is_undecodable() {
            common::truncated_json(&$vendor).await;
        }
        #[tokio::test]
        async fn a_body_that_is_not_utf8_is_undecodable() {
            common::body_not_utf8(&$vendor).await;
        }
        #[tokio::test]
        async fn a_wrong_type_is_undecodable() {
            common::wrong_type(&$vendor, $wrong).await;
        }
        #[tokio::test]
        async fn a_body_over_the_size_cap_is_too_large() {
            common::body_over_the_size_cap(&$vendor).await;
        }
        #[tokio::test]
        async fn an_undocumented_error_body_over_the_size_cap_is_too_large() {
            common::error_body_over_the_size_cap(&$vendor).await;
        }
        #[tokio::test]
        async fn a_response_slower_than_the_timeout_times_out() {
            common::slower_than_the_timeout(&$vendor).await;
        }
        #[tokio::test]
        async fn a_redirect_to_another_host_is_refused_and_never_followed() {
            common::redirect_to_another_host_is_refused(&$vendor).await;
        }
        #[tokio::test]
        async fn a_refused_connection_is_a_network_error() {
            common::connection_refused(&$vendor).await;
        }
    };
}

/// A log writer that keeps everything written to it, for a tracing subscriber's output.
#[derive(Clone, Default)]
pub struct Captured(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl Captured {
    /// Everything written so far.
    pub fn text(&self) -> String {
        String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
    }
}

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

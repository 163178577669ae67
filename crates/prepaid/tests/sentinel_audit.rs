//! The sentinel-key audit: every failure path of the facade, run with a recognisable fake
//! key, must keep the key out of every error (`Display`, `Debug`, vendor message), every
//! configuration's `Debug`, every note of a balance, and everything traced at TRACE level,
//! all targets: the facade's spans and events, and hyper-util's and reqwest's own logs
//! (reqwest logs through `log`, forwarded here by `tracing-log`).
//!
//! The paths: the wire faults of `wire_faults.rs`, a server that echoes the request
//! (headers and key) as its body, vendors echoing the key in every error status and in
//! undecodable bodies, a body over the size cap, redirects carrying the key (to another
//! origin, and in a same-origin loop), a runtools plan and extras failing with the key,
//! and every configuration error made with the key.
//!
//! One test, on one thread (a current-thread runtime) with the capture as its default
//! subscriber: it sees the facade, its HTTP stack, and what httpmock logs on that thread.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
mod wire;

use std::collections::HashMap;
use std::time::Duration;

use common::{Captured, Vendor};
use httpmock::Method::GET;
use httpmock::MockServer;
use prepaid::runtools::UsagePeriod;
use prepaid::{Balance, Error, Prepaid, Provider, ProviderConfig};
use tracing_subscriber::fmt::format::FmtSpan;
use wire::Fault;

/// The fake key.
const KEY: &str = "sk-SENTINEL-7f3a9c";

/// Any of these in any output is a leak (the key, or a recognisable part of it).
const MARKS: [&str; 3] = [KEY, "SENTINEL", "7f3a9c"];

/// Everything the facade showed, with where it came from.
#[derive(Default)]
struct Shown {
    texts: Vec<(String, String)>,
    errors: usize,
}

impl Shown {
    fn text(&mut self, context: &str, text: String) {
        self.texts.push((context.to_string(), text));
    }

    /// Every way a caller can see an error: its `Display`, `Debug` (both forms), and each
    /// of its causes' in turn.
    fn error(&mut self, context: &str, error: &(dyn std::error::Error + 'static)) {
        self.errors += 1;
        let mut current = Some(error);
        while let Some(error) = current {
            self.text(context, format!("{error}"));
            self.text(context, format!("{error:?}"));
            self.text(context, format!("{error:#?}"));
            if let Some(facade) = error.downcast_ref::<Error>() {
                for part in [
                    facade.vendor_message(),
                    facade.detail(),
                    facade.body_excerpt(),
                    facade.account(),
                    facade.hint(),
                ]
                .into_iter()
                .flatten()
                {
                    self.text(context, part.to_string());
                }
            }
            current = error.source();
        }
    }

    fn result(&mut self, context: &str, result: &Result<Balance, Error>) {
        match result {
            Ok(balance) => {
                self.text(context, format!("{balance:?}"));
                self.text(context, serde_json::to_string(balance).unwrap());
            }
            Err(error) => self.error(context, error),
        }
    }

    fn failure(&mut self, context: &str, result: &Result<Balance, Error>) {
        assert!(result.is_err(), "{context}: {result:?}");
        self.result(context, result);
    }
}

fn auth(vendor: &Vendor) -> String {
    if vendor.auth_header == "x-api-key" {
        KEY.to_string()
    } else {
        format!("Bearer {KEY}")
    }
}

fn facade(vendor: &Vendor, base_url: &str, max_response_bytes: u64) -> Prepaid {
    Prepaid::builder()
        .provider(
            ProviderConfig::new(vendor.provider, KEY)
                .base_url(base_url)
                .timeout(Duration::from_secs(2)),
        )
        .retry_policy(wire::fast_retry())
        .max_response_bytes(max_response_bytes)
        .build()
        .unwrap()
}

/// One vendor on a mock server, answering what each case says.
struct Echoing<'a> {
    vendor: &'a Vendor,
    server: MockServer,
    prepaid: Prepaid,
}

impl<'a> Echoing<'a> {
    async fn new(vendor: &'a Vendor) -> Self {
        let server = MockServer::start_async().await;
        let prepaid = facade(vendor, &server.base_url(), 64 * 1024);
        Self {
            vendor,
            server,
            prepaid,
        }
    }

    /// The fetch's result when the vendor answers `status` with `body` and `headers` (the
    /// runtools plan too).
    async fn fetch(
        &self,
        status: u16,
        body: &str,
        headers: &[(&str, String)],
    ) -> Result<Balance, Error> {
        let mut mocks = Vec::new();
        for path in [self.vendor.path, "/v1/billing/plan"] {
            if path == "/v1/billing/plan" && self.vendor.provider != Provider::Runtools {
                continue;
            }
            let body = body.to_string();
            let headers = headers.to_vec();
            let mock = self
                .server
                .mock_async(|when, then| {
                    when.method(GET)
                        .path(path)
                        .header(self.vendor.auth_header, auth(self.vendor));
                    let mut then = then.status(status).body(body);
                    for (name, value) in headers {
                        then = then.header(name, value);
                    }
                })
                .await;
            mocks.push(mock);
        }
        let result = self.prepaid.fetch(self.vendor.provider).await;
        for mock in mocks {
            mock.delete_async().await;
        }
        result
    }
}

async fn wire_faults(shown: &mut Shown) {
    // All at once: the slow ones (silence, drip) take the timeout, not the sum of them.
    // The echo is checked on its own, so no load can turn it into a timeout.
    let runs = Fault::ALL.map(|fault| wire::each_vendor_faulty(fault, KEY));
    let mut all: Vec<_> = Fault::ALL
        .into_iter()
        .zip(futures_util::future::join_all(runs).await)
        .collect();
    let echo = wire::each_vendor_faulty(Fault::EchoRequest, KEY).await;
    all.push((Fault::EchoRequest, echo));
    for (fault, outcomes) in all {
        for outcome in outcomes {
            let context = format!("{fault:?} at {}", outcome.faulty);
            for (provider, result) in &outcome.results {
                if *provider == outcome.faulty {
                    shown.failure(&context, result);
                } else {
                    shown.result(&context, result);
                }
            }
            if fault == Fault::EchoRequest {
                // The body was the request itself: its excerpt shows the key redacted.
                let error = outcome.error();
                assert!(
                    error
                        .body_excerpt()
                        .is_some_and(|e| e.contains("<redacted>")),
                    "{context}: {error:?}"
                );
            }
        }
    }
}

async fn vendors_echoing_the_key(shown: &mut Shown) {
    let echo = format!("invalid key {KEY} (we logged {KEY})");
    for vendor in common::ALL {
        let context = format!("{} echoing", vendor.provider);
        let echoing = Echoing::new(&vendor).await;
        for status in [400, 401, 403, 404, 409, 429, 500, 502, 503, 504] {
            let body = (vendor.error_body)(&echo).to_string();
            let retry_after = [("retry-after", "0".to_string())];
            let result = echoing.fetch(status, &body, &retry_after).await;
            shown.failure(&context, &result);
            let error = result.unwrap_err();
            assert!(
                error
                    .vendor_message()
                    .is_some_and(|m| m.contains("<redacted>")),
                "{context} {status}: {error:?}"
            );
        }
        // Not the vendor's error shape: HTML, plain text.
        for body in [format!("<html>{KEY}</html>"), KEY.to_string()] {
            let result = echoing.fetch(500, &body, &[]).await;
            shown.failure(&context, &result);
        }
        // A 200 that is not JSON, and one cut short, with the key in it.
        for body in [
            format!("{KEY} is not a balance"),
            format!(r#"{{"data": {{"note": "{KEY}", "#),
        ] {
            let result = echoing.fetch(200, &body, &[]).await;
            shown.failure(&context, &result);
            assert!(
                result
                    .as_ref()
                    .is_err_and(|e| e.body_excerpt().is_some_and(|x| x.contains("<redacted>"))),
                "{context}: {result:?}"
            );
        }
        // Over the size cap, the key at its start.
        let big = format!("{KEY}{}", "x".repeat(128 * 1024));
        shown.failure(&context, &echoing.fetch(200, &big, &[]).await);
    }
    // A body that decodes but whose number no decimal holds: the excerpt is the body as
    // decoded, a declared string field carrying the key.
    let venice = format!(
        r#"{{"canConsume":true,"consumptionCurrency":"{KEY}","balances":{{"diem":null,"usd":0.1234567890123456789012345678901}},"diemEpochAllocation":0}}"#
    );
    let result = Echoing::new(&common::VENICE)
        .await
        .fetch(200, &venice, &[])
        .await;
    shown.failure("venice inexact", &result);
    assert!(
        result
            .as_ref()
            .is_err_and(|e| e.body_excerpt().is_some_and(|x| x.contains("<redacted>"))),
        "{result:?}"
    );
}

async fn redirects_carrying_the_key(shown: &mut Shown) {
    for vendor in common::ALL {
        let server = MockServer::start_async().await;
        let elsewhere = MockServer::start_async().await;
        let to_elsewhere = elsewhere.url(format!("/steal?key={KEY}"));
        server
            .mock_async(|when, then| {
                when.method(GET).path(vendor.path);
                then.status(302).header("location", to_elsewhere);
            })
            .await;
        let context = format!("{} redirect", vendor.provider);
        let result = facade(&vendor, &server.base_url(), 64 * 1024)
            .fetch(vendor.provider)
            .await;
        shown.failure(&context, &result);
        // Same origin, in a loop, the key in the path.
        let server = MockServer::start_async().await;
        let looping = server.url(format!("/loop/{KEY}"));
        server
            .mock_async(|when, then| {
                when.method(GET);
                then.status(302).header("location", looping);
            })
            .await;
        let result = facade(&vendor, &server.base_url(), 64 * 1024)
            .fetch(vendor.provider)
            .await;
        shown.failure(&format!("{context} loop"), &result);
    }
}

async fn runtools_paths(shown: &mut Shown) {
    let server = MockServer::start_async().await;
    let echo = format!(r#"{{"error":"bad key {KEY}"}}"#);
    let credits = (common::RUNTOOLS.example)().to_string();
    server
        .mock_async(|when, then| {
            when.method(GET).path("/v1/billing/credits");
            then.status(200).body(credits);
        })
        .await;
    for path in [
        "/v1/billing/plan",
        "/v1/billing/credits/history",
        "/v1/billing/usage",
        "/v1/billing/auto-topup",
    ] {
        let echo = echo.clone();
        server
            .mock_async(|when, then| {
                when.method(GET).path(path);
                then.status(401).body(echo);
            })
            .await;
    }
    let prepaid = facade(&common::RUNTOOLS, &server.base_url(), 64 * 1024);
    // The plan fails with the key echoed: the balance has a note, redacted.
    let balance = prepaid.fetch(Provider::Runtools).await;
    let notes = balance.as_ref().unwrap().notes.join("; ");
    assert!(notes.contains("<redacted>"), "{notes}");
    shown.result("runtools plan", &balance);
    let extras = prepaid.runtools().unwrap();
    for (context, result) in [
        ("history", extras.credit_history(10).await.map(|_| ())),
        ("history 0", extras.credit_history(0).await.map(|_| ())),
        (
            "usage",
            extras.usage(UsagePeriod::Current).await.map(|_| ()),
        ),
        ("auto-topup", extras.auto_topup().await.map(|_| ())),
    ] {
        shown.error(context, &result.unwrap_err());
    }
    shown.text("runtools extras", format!("{extras:?}"));
}

async fn configurations(shown: &mut Shown) {
    // Keys that cannot be sent, each with the sentinel in it.
    for bad in [
        format!("{KEY}\n"),
        format!(" {KEY}"),
        format!("{KEY}\u{7}"),
        format!("{KEY}é"),
        format!("{KEY} {KEY}"),
    ] {
        let error = Prepaid::builder()
            .api_key(Provider::Venice, bad.clone())
            .build()
            .unwrap_err();
        shown.error("bad key", &error);
        let vars: HashMap<String, String> =
            HashMap::from([("RUNCRATE_API_KEY".to_string(), bad.clone())]);
        let error = Prepaid::from_env_vars(|name| vars.get(name).cloned()).unwrap_err();
        shown.error("bad key from env", &error);
    }
    // A good key with everything else wrong.
    for config in [
        ProviderConfig::new(Provider::Runcrate, KEY).base_url("ftp://runcrate.ai"),
        ProviderConfig::new(Provider::Runcrate, KEY).base_url("http://runcrate.ai"),
        ProviderConfig::new(Provider::Runcrate, KEY).base_url("not a url"),
        ProviderConfig::new(Provider::Runcrate, KEY).timeout(Duration::ZERO),
    ] {
        shown.text("config", format!("{config:?}"));
        let builder = Prepaid::builder().provider(config);
        shown.text("builder", format!("{builder:?}"));
        shown.error("config", &builder.build().unwrap_err());
    }
    let twice = Prepaid::builder()
        .api_key(Provider::Venice, KEY)
        .api_key(Provider::Venice, KEY);
    shown.error("twice", &twice.build().unwrap_err());
    // A good configuration: its Debug, its sources' and accounts'.
    let prepaid = Prepaid::builder()
        .api_key(Provider::Venice, KEY)
        .api_key(Provider::Runtools, KEY)
        .build()
        .unwrap();
    shown.text("prepaid", format!("{prepaid:?}"));
    shown.text("accounts", format!("{:?}", prepaid.accounts()));
    let not_configured = prepaid.fetch(Provider::Runcrate).await;
    shown.failure("not configured", &not_configured);
    // Calls keyed by account: one that is not there, and a provider with several.
    let unknown = prepaid
        .fetch_account(&prepaid::Account::new(Provider::Venice, "nobody"))
        .await;
    shown.text("unknown account", format!("{unknown:?}"));
    let several = Prepaid::builder()
        .provider(ProviderConfig::new(Provider::Venice, KEY).name("a"))
        .provider(ProviderConfig::new(Provider::Venice, KEY).name("b"))
        .build()
        .unwrap();
    shown.failure("ambiguous", &several.fetch(Provider::Venice).await);
    shown.error(
        "ambiguous runtools",
        &several.runtools().map(|_| ()).unwrap_err(),
    );
}

#[tokio::test]
async fn the_key_is_in_no_error_debug_display_or_trace() {
    tracing_log::LogTracer::init().unwrap();
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(move || writer.clone())
        .with_span_events(FmtSpan::FULL)
        .with_max_level(tracing::Level::TRACE)
        .with_target(true)
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let mut shown = Shown::default();
    configurations(&mut shown).await;
    wire_faults(&mut shown).await;
    vendors_echoing_the_key(&mut shown).await;
    redirects_carrying_the_key(&mut shown).await;
    runtools_paths(&mut shown).await;

    for (context, text) in &shown.texts {
        for mark in MARKS {
            assert!(!text.contains(mark), "{context}: `{mark}` in {text}");
        }
    }
    let trace = captured.text();
    for (number, line) in trace.lines().enumerate() {
        for mark in MARKS {
            assert!(
                !line.contains(mark),
                "trace line {number}: `{mark}` in {line}"
            );
        }
    }
    // The audit saw what it claims to: many errors, and the facade's, hyper's and
    // reqwest's own trace output.
    assert!(shown.errors >= 100, "{} errors", shown.errors);
    for target in [
        "prepaid::transport:",
        "hyper_util::client::legacy::pool:",
        "httpmock::server",
    ] {
        assert!(trace.contains(target), "nothing traced by {target}");
    }
    // reqwest logs through `log`: as a `log.target` field, or, where tracing-subscriber's
    // `tracing-log` feature is on (the command turns it on), as the event's own target.
    assert!(
        trace.contains("log.target=\"reqwest::connect\"") || trace.contains("reqwest::connect:"),
        "nothing traced by reqwest::connect"
    );
}

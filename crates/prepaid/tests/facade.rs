//! The facade as a whole: concurrency, configuration, and keys kept out of every output.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::collections::HashMap;
use std::time::{Duration, Instant};

use common::{KEY, NGROK, RUNCRATE, RUNTOOLS, VENICE};
use httpmock::MockServer;
use prepaid::{ErrorKind, Prepaid, Provider, ProviderConfig, RetryPolicy};

#[tokio::test]
async fn fetch_all_takes_as_long_as_the_slowest_and_keeps_every_result() {
    let delay = Duration::from_millis(300);
    let mut servers = Vec::new();
    for vendor in common::ALL {
        let server = MockServer::start_async().await;
        let (status, body) = match vendor.provider {
            Provider::Venice => (401, r#"{"error":"Authentication failed"}"#.to_string()),
            _ => (200, (vendor.example)().to_string()),
        };
        common::mock_balance_with(&vendor, &server, status, &body, &[], delay).await;
        servers.push((vendor, server));
    }
    let mut builder = Prepaid::builder().retry_policy(common::fast_retry());
    for (vendor, server) in &servers {
        builder =
            builder.provider(ProviderConfig::new(vendor.provider, KEY).base_url(server.base_url()));
    }
    let prepaid = builder.build().unwrap();

    let started = Instant::now();
    let results = prepaid.fetch_all().await;
    let elapsed = started.elapsed();

    assert!(elapsed < Duration::from_millis(900), "took {elapsed:?}");
    assert!(elapsed >= delay, "took {elapsed:?}");
    let providers: Vec<Provider> = results.iter().map(|f| f.account.provider).collect();
    assert_eq!(providers, Provider::ALL.to_vec());
    for fetched in &results {
        let provider = fetched.account.provider;
        match provider {
            Provider::Venice => assert!(
                common::failed_with(&fetched.result, ErrorKind::Unauthorized, provider),
                "{fetched:?}"
            ),
            _ => assert_eq!(fetched.result.as_ref().unwrap().provider, provider),
        }
    }
    assert_eq!(results.iter().filter(|f| f.result.is_ok()).count(), 3);
}

/// Venice's documented balance on `server`, sent 3 seconds late.
async fn venice_answering_in_3_seconds(server: &MockServer) {
    common::mock_balance_with(
        &VENICE,
        server,
        200,
        &(VENICE.example)().to_string(),
        &[],
        Duration::from_secs(3),
    )
    .await;
}

#[tokio::test]
async fn a_slow_provider_times_out_alone() {
    let fast = MockServer::start_async().await;
    let slow = MockServer::start_async().await;
    common::mock_balance(&NGROK, &fast, 200, r#"{"balanceCents":5}"#).await;
    venice_answering_in_3_seconds(&slow).await;
    let prepaid = Prepaid::builder()
        .provider(ProviderConfig::new(Provider::NgrokAiGateway, KEY).base_url(fast.base_url()))
        .provider(
            ProviderConfig::new(Provider::Venice, KEY)
                .base_url(slow.base_url())
                .timeout(Duration::from_millis(250)),
        )
        .build()
        .unwrap();
    let started = Instant::now();
    let results = prepaid.fetch_all().await;
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );
    assert!(results[0].result.is_ok());
    assert!(
        common::failed_with(&results[1].result, ErrorKind::Timeout, Provider::Venice),
        "{:?}",
        results[1]
    );
}

#[tokio::test]
async fn fetch_of_an_unconfigured_provider_is_not_configured() {
    let server = MockServer::start_async().await;
    let prepaid = common::prepaid(&RUNCRATE, &server);
    assert_eq!(prepaid.providers(), vec![Provider::Runcrate]);
    let error = prepaid.fetch(Provider::Venice).await.unwrap_err();
    assert!(
        error.kind() == ErrorKind::NotConfigured && error.provider() == Provider::Venice,
        "{error:?}"
    );
    assert!(error.to_string().contains("VENICE_API_KEY"));
}

fn vars(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
    let map: HashMap<String, String> = pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    move |name| map.get(name).cloned()
}

#[test]
fn from_env_configures_only_vendors_with_a_key() {
    let prepaid = Prepaid::from_env_vars(vars(&[
        ("VENICE_API_KEY", KEY),
        ("RUNTOOLS_API_KEY", KEY),
        ("RUNTOOLS_BASE_URL", "http://127.0.0.1:9/"),
        ("RUNCRATE_BASE_URL", "https://example.invalid"),
    ]))
    .unwrap();
    assert_eq!(
        prepaid.providers(),
        vec![Provider::Runtools, Provider::Venice]
    );
    let shown = format!("{prepaid:?}");
    assert!(!shown.contains(KEY), "{shown}");

    let none = Prepaid::from_env_vars(|_| None).unwrap();
    assert!(none.providers().is_empty());
}

#[test]
fn from_env_refuses_bad_values_without_showing_them() {
    type Case<'a> = (&'a [(&'a str, &'a str)], Provider, &'a str);
    let cases: [Case; 6] = [
        (
            &[("RUNCRATE_API_KEY", "")],
            Provider::Runcrate,
            "RUNCRATE_API_KEY is set but empty",
        ),
        (
            &[("VENICE_API_KEY", "sk-SENTINEL-abc123\n")],
            Provider::Venice,
            "whitespace",
        ),
        (
            &[("VENICE_API_KEY", "sk-SENTINEL-\u{7}abc123")],
            Provider::Venice,
            "control characters",
        ),
        (
            &[
                ("NGROK_AI_GATEWAY_API_KEY", KEY),
                ("NGROK_AI_GATEWAY_BASE_URL", "http://api.ngrok.ai"),
            ],
            Provider::NgrokAiGateway,
            "not a loopback host",
        ),
        (
            &[
                ("RUNTOOLS_API_KEY", KEY),
                ("RUNTOOLS_BASE_URL", "ftp://billing.runtools.ai"),
            ],
            Provider::Runtools,
            "scheme must be https",
        ),
        (
            &[("RUNTOOLS_API_KEY", KEY), ("RUNTOOLS_BASE_URL", "")],
            Provider::Runtools,
            "RUNTOOLS_BASE_URL is set but empty",
        ),
    ];
    for (pairs, provider, expected) in cases {
        let error = Prepaid::from_env_vars(vars(pairs)).unwrap_err();
        common::assert_no_key(&error);
        assert!(
            error.provider() == Some(provider) && error.reason().contains(expected),
            "{error:?}"
        );
    }
}

#[test]
fn the_builder_validates_every_setting() {
    let bad: Vec<(prepaid::PrepaidBuilder, &str)> = vec![
        (Prepaid::builder().api_key(Provider::Venice, ""), "empty"),
        (
            Prepaid::builder().api_key(Provider::Venice, " sk-SENTINEL-abc123"),
            "whitespace",
        ),
        (
            Prepaid::builder().api_key(Provider::Venice, "sk-SENTINEL-abc123é"),
            "non-ASCII",
        ),
        (
            Prepaid::builder()
                .provider(ProviderConfig::new(Provider::Runcrate, KEY).base_url("http://10.0.0.1")),
            "not a loopback host",
        ),
        (
            Prepaid::builder().provider(
                ProviderConfig::new(Provider::Runcrate, KEY).base_url("file:///etc/passwd"),
            ),
            "scheme",
        ),
        (
            Prepaid::builder()
                .provider(ProviderConfig::new(Provider::Runcrate, KEY).base_url("runcrate.ai")),
            "not a URL",
        ),
        (
            Prepaid::builder()
                .provider(ProviderConfig::new(Provider::Runcrate, KEY).timeout(Duration::ZERO)),
            "timeout",
        ),
        (
            Prepaid::builder()
                .api_key(Provider::Venice, KEY)
                .api_key(Provider::Venice, KEY),
            "more than once",
        ),
        (
            Prepaid::builder().retry_policy(RetryPolicy::default().with_max_attempts(0)),
            "at least one attempt",
        ),
        (Prepaid::builder().max_response_bytes(0), "size limit"),
    ];
    for (builder, expected) in bad {
        let error = builder.build().unwrap_err();
        common::assert_no_key(&error);
        assert!(error.reason().contains(expected), "{expected}: {error:?}");
    }
    // https anywhere and http to loopback are fine.
    Prepaid::builder()
        .provider(
            ProviderConfig::new(Provider::Runcrate, KEY)
                .base_url("https://runcrate.example/api/v1/"),
        )
        .provider(ProviderConfig::new(Provider::Venice, KEY).base_url("http://localhost:8080"))
        .provider(ProviderConfig::new(Provider::Runtools, KEY).base_url("http://[::1]:8080"))
        .build()
        .unwrap();
}

#[test]
fn defaults_are_the_documented_base_urls() {
    let prepaid = Prepaid::builder()
        .api_key(Provider::Runcrate, KEY)
        .build()
        .unwrap();
    assert_eq!(prepaid.providers(), vec![Provider::Runcrate]);
    assert_eq!(
        Provider::Runcrate.default_base_url(),
        Some("https://runcrate.ai/api/v1")
    );
    assert_eq!(
        Provider::NgrokAiGateway.default_base_url(),
        Some("https://api.ngrok.ai")
    );
    assert_eq!(
        Provider::Runtools.default_base_url(),
        Some("https://billing.runtools.ai")
    );
    assert_eq!(
        Provider::Venice.default_base_url(),
        Some("https://api.venice.ai/api/v1")
    );
    let config = ProviderConfig::new(Provider::Venice, KEY);
    assert_eq!(
        config.resolved_base_url(),
        Some("https://api.venice.ai/api/v1")
    );
    assert_eq!(config.fetch_timeout(), prepaid::DEFAULT_TIMEOUT);
}

#[test]
fn debug_of_every_configuration_hides_the_key() {
    let config =
        ProviderConfig::new(Provider::Venice, KEY).base_url("https://api.venice.ai/api/v1");
    let builder = Prepaid::builder()
        .provider(config.clone())
        .retry_policy(RetryPolicy::default());
    let prepaid = builder.clone().build().unwrap();
    for shown in [
        format!("{config:?}"),
        format!("{builder:?}"),
        format!("{prepaid:?}"),
    ] {
        assert!(
            !shown.contains(KEY) && !shown.contains("SENTINEL"),
            "{shown}"
        );
        assert!(
            shown.contains("venice") || shown.contains("Venice"),
            "{shown}"
        );
    }
}

#[test]
fn provider_names() {
    for &provider in Provider::ALL {
        assert_eq!(provider.to_string().parse::<Provider>().unwrap(), provider);
        assert_eq!(
            serde_json::to_value(provider).unwrap(),
            serde_json::json!(provider.to_string())
        );
    }
    assert_eq!(Provider::NgrokAiGateway.to_string(), "ngrok-ai-gateway");
    assert_eq!("Venice".parse::<Provider>().unwrap(), Provider::Venice);
    assert!("openai".parse::<Provider>().is_err());
    let parsed: Provider = serde_json::from_str(r#""ngrok-ai-gateway""#).unwrap();
    assert_eq!(parsed, Provider::NgrokAiGateway);
}

#[test]
fn units_serialize_as_plain_strings() {
    use prepaid::Unit;
    for (unit, text) in [
        (Unit::Usd, "USD"),
        (Unit::Diem, "DIEM"),
        (Unit::Other("VCU".into()), "VCU"),
    ] {
        assert_eq!(
            serde_json::to_value(&unit).unwrap(),
            serde_json::json!(text)
        );
        assert_eq!(
            serde_json::from_value::<Unit>(serde_json::json!(text)).unwrap(),
            unit
        );
        assert_eq!(unit.to_string(), text);
    }
}

#[test]
fn amounts_round_trip_exactly_as_strings() {
    use prepaid::Amount;
    let amount: Amount =
        serde_json::from_str(r#"{"value":"1234567890123.45","unit":"USD"}"#).unwrap();
    assert_eq!(amount.value.to_string(), "1234567890123.45");
    assert_eq!(
        serde_json::to_string(&amount).unwrap(),
        r#"{"value":"1234567890123.45","unit":"USD"}"#
    );
    assert_eq!(Amount::usd_cents(1234).to_string(), "12.34 USD");
    assert!(
        serde_json::from_str::<Amount>(
            r#"{"value":"0.1234567890123456789012345678901","unit":"USD"}"#
        )
        .is_err()
    );
    assert!(serde_json::from_str::<Amount>(r#"{"value":12.34,"unit":"USD"}"#).is_err());
}

#[tokio::test]
async fn every_error_hides_a_key_the_vendor_echoes() {
    // A vendor that echoes the key in every kind of body it sends.
    let echo = format!("no such key: {KEY}");
    for vendor in common::ALL {
        for status in [400, 401, 403, 404, 409, 429, 500, 502] {
            let body = (vendor.error_body)(&echo).to_string();
            let (error, _) = common::error_from(&vendor, status, &body).await;
            assert!(
                error
                    .vendor_message()
                    .is_some_and(|m| m.contains("<redacted>")),
                "{error:?}"
            );
        }
        // Undecodable excerpts and reasons too.
        let (error, _) = common::error_from(&vendor, 200, &format!(r#"{{"data": "{KEY}", "#)).await;
        assert!(
            error
                .body_excerpt()
                .is_some_and(|e| e.contains("<redacted>")),
            "{error:?}"
        );
    }
    let _ = RUNTOOLS;
}

#[tokio::test]
async fn an_accounts_own_timeout_wins_over_the_builders_default() {
    let slow = MockServer::start_async().await;
    venice_answering_in_3_seconds(&slow).await;
    let prepaid = Prepaid::builder()
        .provider(
            ProviderConfig::new(Provider::Venice, KEY)
                .name("own")
                .base_url(slow.base_url())
                .timeout(Duration::from_millis(200)),
        )
        .provider(
            ProviderConfig::new(Provider::Venice, KEY)
                .name("default")
                .base_url(slow.base_url()),
        )
        .timeout(Duration::from_millis(400))
        .build()
        .unwrap();
    let fetched = prepaid.fetch_all().await;
    let after = |name: &str| {
        let fetched = fetched.iter().find(|f| f.account.name == name).unwrap();
        match &fetched.result {
            Err(error) if error.kind() == ErrorKind::Timeout => {
                assert_eq!(error.account(), Some(name));
                error.timeout_after().unwrap()
            }
            other => panic!("{name}: {other:?}"),
        }
    };
    assert_eq!(after("own"), Duration::from_millis(200));
    assert_eq!(after("default"), Duration::from_millis(400));
}

#[test]
fn a_proxy_url_is_never_shown() {
    let builder = Prepaid::builder().proxy("http://user:proxy-secret@127.0.0.1:9");
    assert!(
        !format!("{builder:?}").contains("proxy-secret"),
        "{builder:?}"
    );
    let error = Prepaid::builder()
        .api_key(Provider::Venice, KEY)
        .proxy("::proxy-secret")
        .build()
        .err()
        .map(|e| format!("{e} {e:?}"))
        .unwrap_or_default();
    assert!(error.contains("the proxy is not a URL"), "{error}");
    assert!(!error.contains("proxy-secret"), "{error}");
}

#[tokio::test]
async fn an_accounts_own_http_client_sends_its_requests_and_only_its() {
    let server = MockServer::start_async().await;
    let own = server
        .mock_async(|when, then| {
            when.path(VENICE.path).header("x-sent-by", "own-client");
            then.status(200).body(prepaid_emulator::bodies::VENICE);
        })
        .await;
    let shared = server
        .mock_async(|when, then| {
            when.path(VENICE.path).header_missing("x-sent-by");
            then.status(200).body(prepaid_emulator::bodies::VENICE);
        })
        .await;
    let mut headers = prepaid::reqwest::header::HeaderMap::new();
    headers.insert("x-sent-by", "own-client".parse().unwrap());
    let client = prepaid::http_client_builder()
        .unwrap()
        .default_headers(headers)
        .build()
        .unwrap();
    let prepaid = Prepaid::builder()
        .provider(
            ProviderConfig::new(Provider::Venice, KEY)
                .name("own")
                .base_url(server.base_url())
                .http_client(client),
        )
        .provider(
            ProviderConfig::new(Provider::Venice, KEY)
                .name("shared")
                .base_url(server.base_url()),
        )
        .build()
        .unwrap();
    for fetched in prepaid.fetch_all().await {
        assert!(
            fetched.result.is_ok(),
            "{}: {:?}",
            fetched.account.name,
            fetched.result
        );
    }
    assert_eq!(own.calls_async().await, 1);
    assert_eq!(shared.calls_async().await, 1);
    let client = prepaid::http_client_builder().unwrap().build().unwrap();
    let debug = format!(
        "{:?}",
        ProviderConfig::new(Provider::Venice, KEY).http_client(client)
    );
    assert!(
        debug.contains("own_http_client: true") && !debug.contains(KEY),
        "{debug}"
    );
}

#[test]
fn extra_ca_certificates_are_checked_when_built() {
    let build = |pem: &str| {
        Prepaid::builder()
            .api_key(Provider::Venice, KEY)
            .ca_certificates(pem)
            .build()
    };
    for text in [
        "",
        "not PEM",
        "-----BEGIN CERTIFICATE-----\n%%%\n-----END CERTIFICATE-----\n",
    ] {
        let error = build(text)
            .err()
            .unwrap_or_else(|| panic!("{text:?} accepted"));
        assert!(
            error.to_string().contains("CA certificates"),
            "{text:?}: {error}"
        );
    }
    let ca = rcgen::generate_simple_self_signed(vec!["ca.test".into()]).unwrap();
    build(&ca.cert.pem()).unwrap();
}

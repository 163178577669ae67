//! Several accounts per vendor: names and labels, the concurrency limit and per-vendor rate
//! limits.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::num::NonZeroU32;
use std::time::{Duration, Instant};

use httpmock::prelude::*;
use prepaid::{Prepaid, Provider, ProviderConfig, Unit};
use rust_decimal::Decimal;
use serde_json::json;

/// An ngrok emulation where the key `key-N` has a balance of N cents.
async fn ngrok(server: &MockServer, accounts: u32, delay: Duration) {
    for n in 0..accounts {
        server
            .mock_async(|when, then| {
                when.path("/credits/balance")
                    .header("authorization", format!("Bearer key-{n}"));
                then.status(200)
                    .delay(delay)
                    .json_body(json!({ "balanceCents": n }));
            })
            .await;
    }
}

fn account(server: &MockServer, n: u32) -> ProviderConfig {
    ProviderConfig::new(Provider::NgrokAiGateway, format!("key-{n}"))
        .base_url(server.base_url())
        .name(format!("customer-{n}"))
        .label("team", if n.is_multiple_of(2) { "search" } else { "ads" })
}

#[tokio::test]
async fn each_account_keeps_its_name_labels_and_own_balance() {
    let server = MockServer::start_async().await;
    ngrok(&server, 6, Duration::ZERO).await;
    let mut builder = Prepaid::builder();
    for n in 0..6 {
        builder = builder.provider(account(&server, n));
    }
    let prepaid = builder.build().unwrap();
    assert_eq!(prepaid.providers(), [Provider::NgrokAiGateway]);
    let fetched = prepaid.fetch_accounts().await;
    assert_eq!(fetched.len(), 6);
    for (n, fetched) in fetched.iter().enumerate() {
        assert_eq!(fetched.account.name, format!("customer-{n}"));
        assert_eq!(
            fetched.account.labels["team"],
            if n.is_multiple_of(2) { "search" } else { "ads" }
        );
        let balance = fetched.result.as_ref().unwrap();
        assert_eq!(
            balance.available_in(&Unit::Usd).unwrap().value,
            Decimal::new(n as i64, 2)
        );
    }
}

#[test]
fn the_same_account_twice_is_a_configuration_error() {
    let twice = Prepaid::builder()
        .provider(ProviderConfig::new(Provider::Venice, "k1").name("a"))
        .provider(ProviderConfig::new(Provider::Venice, "k2").name("a"))
        .build()
        .unwrap_err();
    assert_eq!(
        twice.to_string(),
        "invalid configuration for venice: account `a` configured more than once"
    );
    let zero = Prepaid::builder().concurrency(0).build().unwrap_err();
    assert!(zero.to_string().contains("concurrency"), "{zero}");
}

#[tokio::test]
async fn the_concurrency_limit_holds() {
    // 8 accounts answering in 200 ms each, 2 at a time: at least four rounds.
    let server = MockServer::start_async().await;
    ngrok(&server, 8, Duration::from_millis(200)).await;
    let mut builder = Prepaid::builder().concurrency(2);
    for n in 0..8 {
        builder = builder.provider(account(&server, n));
    }
    let started = Instant::now();
    let fetched = builder.build().unwrap().fetch_accounts().await;
    let elapsed = started.elapsed();
    assert!(fetched.iter().all(|f| f.result.is_ok()));
    assert!(
        elapsed >= Duration::from_millis(790),
        "{elapsed:?}: more than 2 ran at once"
    );
}

#[tokio::test]
async fn the_concurrency_limit_counts_requests_across_calls() {
    // runtools sends two requests per fetch (credits and plan), each answering in 200 ms.
    // With a limit of 2, two fetches in two concurrent calls are four requests, two at a
    // time: two rounds, where counting fetches (or calls) would allow one.
    let server = MockServer::start_async().await;
    for path in ["/v1/billing/credits", "/v1/billing/plan"] {
        server
            .mock_async(|when, then| {
                when.path(path);
                then.status(200)
                    .delay(Duration::from_millis(200))
                    .json_body(json!({ "data": { "balanceCents": 1, "plan": "free" } }));
            })
            .await;
    }
    let prepaid = Prepaid::builder()
        .concurrency(2)
        .provider(ProviderConfig::new(Provider::Runtools, "k").base_url(server.base_url()))
        .build()
        .unwrap();
    let started = Instant::now();
    let (a, b) = tokio::join!(prepaid.fetch_all(), prepaid.fetch(Provider::Runtools));
    let elapsed = started.elapsed();
    assert!(a[0].1.is_ok() && b.is_ok(), "{a:?} {b:?}");
    assert!(
        elapsed >= Duration::from_millis(390),
        "{elapsed:?}: more than 2 requests ran at once"
    );
    assert!(elapsed < Duration::from_millis(1200), "{elapsed:?}");
}

#[tokio::test]
async fn a_vendor_rate_limit_spaces_requests_and_leaves_other_vendors_alone() {
    // 10 requests at 5 a second: 5 at once (the burst), then one every 200 ms.
    let server = MockServer::start_async().await;
    ngrok(&server, 10, Duration::ZERO).await;
    server
        .mock_async(|when, then| {
            when.path("/venice/billing/balance");
            then.status(200)
                .json_body(json!({ "canConsume": true, "consumptionCurrency": "USD",
                "balances": { "diem": null, "usd": 1 }, "diemEpochAllocation": 0 }));
        })
        .await;
    let mut builder =
        Prepaid::builder().rate_limit(Provider::NgrokAiGateway, NonZeroU32::new(5).unwrap());
    for n in 0..10 {
        builder = builder.provider(account(&server, n));
    }
    let venice = ProviderConfig::new(Provider::Venice, "v")
        .base_url(format!("{}/venice", server.base_url()));
    let prepaid = builder.provider(venice).build().unwrap();
    let started = Instant::now();
    let fetched = prepaid.fetch_accounts().await;
    let elapsed = started.elapsed();
    assert!(fetched.iter().all(|f| f.result.is_ok()));
    assert!(
        elapsed >= Duration::from_millis(900),
        "{elapsed:?}: the limit did not hold"
    );
    let venice = fetched
        .iter()
        .find(|f| f.account.provider == Provider::Venice)
        .unwrap();
    assert!(
        venice.duration < Duration::from_millis(500),
        "venice waited on ngrok's limit: {:?}",
        venice.duration
    );
}

#[tokio::test]
async fn provenance_keeps_fields_the_spec_does_not_declare() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.path("/credits/balance");
            then.status(200).json_body(
                json!({ "balanceCents": 5, "currency": "USD", "expiresAt": "2027-01-01" }),
            );
        })
        .await;
    let prepaid = Prepaid::builder()
        .provider(ProviderConfig::new(Provider::NgrokAiGateway, "k").base_url(server.base_url()))
        .build()
        .unwrap();
    let balance = prepaid.fetch(Provider::NgrokAiGateway).await.unwrap();
    // The body character for character, undeclared fields included.
    assert_eq!(
        balance.source.raw.get(),
        r#"{"balanceCents":5,"currency":"USD","expiresAt":"2027-01-01"}"#
    );
}

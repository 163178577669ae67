//! Several accounts per vendor: names and labels, the concurrency limit and per-vendor rate
//! limits.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::num::NonZeroU32;
use std::time::{Duration, Instant};

use httpmock::prelude::*;
use prepaid::{Account, ErrorKind, Prepaid, Provider, ProviderConfig, Unit};
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
    let fetched = prepaid.fetch_all().await;
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
    let fetched = builder.build().unwrap().fetch_all().await;
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
    assert!(a[0].result.is_ok() && b.is_ok(), "{a:?} {b:?}");
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
    let fetched = prepaid.fetch_all().await;
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

/// Two Venice accounts on one mock, told apart by their keys, and how many requests the mock
/// answered.
async fn two_venice_accounts(server: &MockServer) -> (Prepaid, Vec<httpmock::Mock<'_>>) {
    let mut mocks = Vec::new();
    for (key, usd) in [("k-eu", 1), ("k-us", 2)] {
        let mock = server
            .mock_async(|when, then| {
                when.path("/billing/balance")
                    .header("authorization", format!("Bearer {key}"));
                then.status(200)
                    .json_body(json!({ "canConsume": true, "consumptionCurrency": "USD",
                    "balances": { "diem": null, "usd": usd }, "diemEpochAllocation": 0 }));
            })
            .await;
        mocks.push(mock);
    }
    let prepaid = Prepaid::builder()
        .provider(
            ProviderConfig::new(Provider::Venice, "k-eu")
                .base_url(server.base_url())
                .name("eu")
                .label("region", "eu"),
        )
        .provider(
            ProviderConfig::new(Provider::Venice, "k-us")
                .base_url(server.base_url())
                .name("us"),
        )
        .build()
        .unwrap();
    (prepaid, mocks)
}

#[tokio::test]
async fn two_accounts_of_one_vendor_come_back_as_two_results_each_with_its_account() {
    let server = MockServer::start_async().await;
    let (prepaid, _) = two_venice_accounts(&server).await;
    let fetched = prepaid.fetch_all().await;
    let seen: Vec<(&str, Option<&str>, Decimal)> = fetched
        .iter()
        .map(|f| {
            let usd = f.result.as_ref().unwrap().available_in(&Unit::Usd).unwrap();
            (
                f.account.name.as_str(),
                f.account.labels.get("region").map(String::as_str),
                usd.value,
            )
        })
        .collect();
    assert_eq!(
        seen,
        [("eu", Some("eu"), Decimal::ONE), ("us", None, Decimal::TWO)]
    );
    assert!(
        fetched
            .iter()
            .all(|f| f.account.provider == Provider::Venice)
    );

    // By account: each its own balance; an unknown name is an error naming it.
    let us = prepaid
        .fetch_account(&Account::new(Provider::Venice, "us"))
        .await
        .unwrap();
    assert_eq!(us.available_in(&Unit::Usd).unwrap().value, Decimal::TWO);
    let missing = prepaid
        .fetch_account(&Account::new(Provider::Venice, "asia"))
        .await
        .unwrap_err();
    assert_eq!(missing.kind(), ErrorKind::NotConfigured);
    assert_eq!(missing.account(), Some("asia"));
    assert_eq!(
        missing.to_string(),
        "venice: no account `asia` is configured"
    );
}

#[tokio::test]
async fn a_call_keyed_by_provider_refuses_to_pick_one_of_several_accounts() {
    let server = MockServer::start_async().await;
    let (prepaid, mocks) = two_venice_accounts(&server).await;
    let error = prepaid.fetch(Provider::Venice).await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::AmbiguousAccount);
    assert_eq!(error.kind().as_str(), "ambiguous_account");
    assert_eq!(
        error.to_string(),
        "venice: several accounts are configured; name the account to use: its accounts are `eu`, `us`"
    );
    // No request was made for it.
    for mock in mocks {
        assert_eq!(mock.calls_async().await, 0);
    }
    let none = prepaid.fetch(Provider::Runcrate).await.unwrap_err();
    assert_eq!(none.kind(), ErrorKind::NotConfigured);
    assert_eq!(none.account(), None);
}

#[tokio::test]
async fn runtools_extras_are_per_account_and_never_picked_from_several() {
    let prepaid = Prepaid::builder()
        .provider(ProviderConfig::new(Provider::Runtools, "a").name("one"))
        .provider(ProviderConfig::new(Provider::Runtools, "b").name("two"))
        .provider(ProviderConfig::new(Provider::Venice, "v"))
        .build()
        .unwrap();
    let error = prepaid.runtools().unwrap_err();
    assert_eq!(error.kind(), ErrorKind::AmbiguousAccount);
    assert!(
        prepaid
            .runtools_for(&Account::new(Provider::Runtools, "two"))
            .is_ok()
    );
    let not_runtools = prepaid
        .runtools_for(&Account::new(Provider::Venice, "venice"))
        .unwrap_err();
    assert_eq!(not_runtools.kind(), ErrorKind::NotConfigured);
    assert_eq!(not_runtools.account(), Some("venice"));
}

#[tokio::test]
async fn clones_share_the_limits_of_the_one_they_came_from() {
    // One request at a time across both clones: two 200 ms fetches take two rounds.
    let server = MockServer::start_async().await;
    ngrok(&server, 1, Duration::from_millis(200)).await;
    let prepaid = Prepaid::builder()
        .concurrency(1)
        .provider(account(&server, 0))
        .build()
        .unwrap();
    let clone = prepaid.clone();
    let started = Instant::now();
    let (a, b) = tokio::join!(
        prepaid.fetch(Provider::NgrokAiGateway),
        clone.fetch(Provider::NgrokAiGateway)
    );
    let elapsed = started.elapsed();
    assert!(a.is_ok() && b.is_ok(), "{a:?} {b:?}");
    assert!(
        elapsed >= Duration::from_millis(390),
        "{elapsed:?}: the clone did not share the concurrency limit"
    );
}

#[tokio::test]
async fn a_fetch_runs_on_another_task() {
    // `Prepaid` and its futures are `Send` (the compiler checks it in the crate too): a
    // fetch can be spawned.
    let server = MockServer::start_async().await;
    ngrok(&server, 1, Duration::ZERO).await;
    let prepaid = Prepaid::builder()
        .provider(account(&server, 0))
        .build()
        .unwrap();
    let spawned = tokio::spawn(async move { prepaid.fetch_all().await });
    let fetched = spawned.await.unwrap();
    assert_eq!(fetched.len(), 1);
    assert!(fetched[0].result.is_ok());
}

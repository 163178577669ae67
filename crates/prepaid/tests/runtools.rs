//! runtools through the facade: `/v1/billing/credits` with `/v1/billing/plan`, and the
//! read-only extras (ledger history, usage, auto-top-up settings).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[macro_use]
mod common;

use std::time::Duration;

use common::{KEY, RUNTOOLS};
use httpmock::Method::GET;
use httpmock::MockServer;
use prepaid::runtools::UsagePeriod;
use prepaid::{Amount, ErrorKind, Provider};
use rust_decimal::Decimal;
use serde_json::json;

fn usd(text: &str) -> Amount {
    Amount::usd(Decimal::from_str_exact(text).unwrap())
}

vendor_suite!(RUNTOOLS, wrong_type: json!({ "data": { "balanceCents": "1250" } }));

#[tokio::test]
async fn the_documented_example_maps_to_the_model() {
    let balance = common::balance_from(&RUNTOOLS, &(RUNTOOLS.example)().to_string())
        .await
        .unwrap();
    assert_eq!(balance.provider, Provider::Runtools);
    assert_eq!(balance.available, vec![usd("12.50")]);
    assert_eq!(balance.granted, Some(usd("25.00")));
    assert_eq!(balance.used, Some(usd("12.50")));
    assert_eq!(balance.free_credits_used, Some(true));
    assert_eq!(balance.plan.as_deref(), Some("free"));
    assert_eq!(balance.can_consume, Some(true));
    assert!(balance.source.endpoint.ends_with("/v1/billing/credits"));
    assert_eq!(
        parsed(&balance.source.raw)["data"]["balanceCents"],
        json!(1250)
    );
    assert_eq!(balance.supplementary.len(), 1);
    assert!(
        balance.supplementary[0]
            .endpoint
            .ends_with("/v1/billing/plan")
    );
    assert_eq!(
        parsed(&balance.supplementary[0].raw)["data"]["plan"],
        json!("free")
    );
    assert!(balance.notes.is_empty(), "{:?}", balance.notes);
}

#[tokio::test]
async fn credits_and_plan_are_fetched_concurrently() {
    let server = MockServer::start_async().await;
    let body = (RUNTOOLS.example)().to_string();
    common::mock_balance_with(
        &RUNTOOLS,
        &server,
        200,
        &body,
        &[],
        Duration::from_millis(400),
    )
    .await;
    let started = std::time::Instant::now();
    let balance = common::prepaid(&RUNTOOLS, &server)
        .fetch(Provider::Runtools)
        .await
        .unwrap();
    assert_eq!(balance.plan.as_deref(), Some("free"));
    assert!(
        started.elapsed() < Duration::from_millis(750),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn a_failing_plan_leaves_the_balance_with_a_note() {
    let server = MockServer::start_async().await;
    let body = (RUNTOOLS.example)().to_string();
    server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/v1/billing/credits")
                .header("x-api-key", KEY);
            then.status(200)
                .header("content-type", "application/json")
                .body(body);
        })
        .await;
    server
        .mock_async(|when, then| {
            when.method(GET).path("/v1/billing/plan");
            then.status(500).body(r#"{"error":"plan service down"}"#);
        })
        .await;
    let balance = common::prepaid(&RUNTOOLS, &server)
        .fetch(Provider::Runtools)
        .await
        .unwrap();
    assert_eq!(balance.available, vec![usd("12.50")]);
    assert_eq!(balance.plan, None);
    assert!(balance.supplementary.is_empty());
    assert_eq!(balance.notes.len(), 1);
    assert!(
        balance.notes[0].contains("plan could not be read"),
        "{:?}",
        balance.notes
    );
    assert!(
        balance.notes[0].contains("plan service down"),
        "{:?}",
        balance.notes
    );
}

#[tokio::test]
async fn a_slow_plan_does_not_fail_the_balance() {
    let server = MockServer::start_async().await;
    let body = (RUNTOOLS.example)().to_string();
    server
        .mock_async(|when, then| {
            when.method(GET).path("/v1/billing/credits");
            then.status(200)
                .header("content-type", "application/json")
                .body(body);
        })
        .await;
    let plan = common::runtools_plan().to_string();
    server
        .mock_async(|when, then| {
            when.method(GET).path("/v1/billing/plan");
            then.status(200).body(plan).delay(Duration::from_secs(3));
        })
        .await;
    let prepaid = common::prepaid_with(
        &RUNTOOLS,
        &server,
        Duration::from_millis(400),
        common::fast_retry(),
        65536,
    );
    let balance = prepaid.fetch(Provider::Runtools).await.unwrap();
    assert_eq!(balance.plan, None);
    assert!(
        balance.notes[0].contains("timed out"),
        "{:?}",
        balance.notes
    );
}

#[tokio::test]
async fn a_missing_balance_is_undecodable_not_zero() {
    let (error, _) =
        common::error_from(&RUNTOOLS, 200, r#"{"data":{"totalGrantedCents":100}}"#).await;
    assert!(
        common::undecodable_because(&error, "balanceCents")
            && error.provider() == Provider::Runtools
            && error.status() == Some(200)
            && error
                .body_excerpt()
                .is_some_and(|e| e.contains("totalGrantedCents")),
        "{error:?}"
    );
}

#[tokio::test]
async fn a_negative_balance_is_kept() {
    let balance = common::balance_from(&RUNTOOLS, r#"{"data":{"balanceCents":-1}}"#)
        .await
        .unwrap();
    assert_eq!(balance.available, vec![usd("-0.01")]);
    assert_eq!(balance.can_consume, Some(false));
    assert_eq!(
        (balance.granted, balance.used, balance.free_credits_used),
        (None, None, None)
    );
}

#[tokio::test]
async fn credit_history_amounts_are_exact() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(GET).path("/v1/billing/credits/history").query_param("limit", "2").header("x-api-key", KEY);
            then.status(200).header("content-type", "application/json").json_body(json!({ "data": [
                { "id": "0b6f7d1e-5a3c-4e2b-9f10-1a2b3c4d5e6f", "type": "topup", "amountCents": 2500,
                  "balanceAfterCents": 3750, "description": "Top-up", "createdAt": "2026-01-02T03:04:05Z" },
                { "type": "usage", "amountCents": -1, "balanceAfterCents": 3749, "newField": true }
            ] }));
        })
        .await;
    let prepaid = common::prepaid(&RUNTOOLS, &server);
    let entries = prepaid.runtools().unwrap().credit_history(2).await.unwrap();
    assert_eq!(mock.calls_async().await, 1);
    assert_eq!(entries.len(), 2);
    assert_eq!(entries[0].kind.as_deref(), Some("topup"));
    assert_eq!(entries[0].amount, Some(usd("25.00")));
    assert_eq!(entries[0].balance_after, Some(usd("37.50")));
    assert_eq!(
        entries[0].created_at.unwrap().to_rfc3339(),
        "2026-01-02T03:04:05+00:00"
    );
    assert_eq!(
        entries[0].id.unwrap().to_string(),
        "0b6f7d1e-5a3c-4e2b-9f10-1a2b3c4d5e6f"
    );
    assert_eq!(entries[1].amount, Some(usd("-0.01")));
    assert_eq!(entries[1].id, None);
}

#[tokio::test]
async fn credit_history_limit_is_checked_before_any_request() {
    let server = MockServer::start_async().await;
    let prepaid = common::prepaid(&RUNTOOLS, &server);
    for limit in [0, 501] {
        let error = prepaid
            .runtools()
            .unwrap()
            .credit_history(limit)
            .await
            .unwrap_err();
        assert_eq!(error.kind(), ErrorKind::InvalidRequest, "{error:?}");
        assert_eq!(error.provider(), Provider::Runtools);
        assert_eq!(error.account(), Some("runtools"));
        assert_eq!(
            error.to_string(),
            format!("runtools: invalid request: the history limit must be 1 to 500, not {limit}")
        );
    }
}

#[tokio::test]
async fn usage_summary_for_a_period() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(GET).path("/v1/billing/my-usage").query_param("period", "30d");
            then.status(200).header("content-type", "application/json").json_body(json!({ "data": {
                "tokens": { "input": 10, "output": 20 }, "toolExecutions": 3, "modelUsage": { "m": { "tokens": 30 } }
            } }));
        })
        .await;
    let usage = common::prepaid(&RUNTOOLS, &server)
        .runtools()
        .unwrap()
        .usage(UsagePeriod::Last30Days)
        .await
        .unwrap();
    assert_eq!(mock.calls_async().await, 1);
    assert_eq!(usage.sections["toolExecutions"], json!(3));
    assert_eq!(usage.sections["tokens"]["output"], json!(20));
    assert_eq!(usage.sections["modelUsage"]["m"], json!({ "tokens": 30 }));
    // The command's JSON is the vendor's own names.
    assert_eq!(
        serde_json::to_value(&usage).unwrap(),
        json!({ "modelUsage": { "m": { "tokens": 30 } }, "tokens": { "input": 10, "output": 20 },
            "toolExecutions": 3 })
    );
}

#[tokio::test]
async fn every_usage_period_is_sent_as_documented() {
    for (period, text) in [
        (UsagePeriod::Current, "current"),
        (UsagePeriod::Last7Days, "7d"),
        (UsagePeriod::Last30Days, "30d"),
        (UsagePeriod::AllTime, "all_time"),
    ] {
        let server = MockServer::start_async().await;
        let mock = server
            .mock_async(|when, then| {
                when.method(GET)
                    .path("/v1/billing/my-usage")
                    .query_param("period", text);
                then.status(200).json_body(json!({ "data": {} }));
            })
            .await;
        common::prepaid(&RUNTOOLS, &server)
            .runtools()
            .unwrap()
            .usage(period)
            .await
            .unwrap();
        assert_eq!(mock.calls_async().await, 1, "{text}");
        assert_eq!(serde_json::to_value(period).unwrap(), json!(text));
    }
}

#[tokio::test]
async fn auto_topup_settings_are_exact() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/v1/billing/auto-topup")
                .header("x-api-key", KEY);
            then.status(200).json_body(json!({ "data": {
                "enabled": true, "thresholdCents": 1000, "topupAmountCents": 501,
                "hasSavedPaymentMethod": false, "lastTopupAt": null
            } }));
        })
        .await;
    let settings = common::prepaid(&RUNTOOLS, &server)
        .runtools()
        .unwrap()
        .auto_topup()
        .await
        .unwrap();
    assert_eq!(settings.enabled, Some(true));
    assert_eq!(settings.threshold, Some(usd("10.00")));
    assert_eq!(settings.topup_amount, Some(usd("5.01")));
    assert_eq!(settings.has_saved_payment_method, Some(false));
    assert_eq!(settings.last_topup_at, None);
}

#[tokio::test]
async fn extras_map_errors_like_the_balance() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(GET).path("/v1/billing/auto-topup");
            then.status(503).header("retry-after", "0").body("busy");
        })
        .await;
    let error = common::prepaid(&RUNTOOLS, &server)
        .runtools()
        .unwrap()
        .auto_topup()
        .await
        .unwrap_err();
    assert!(
        error.kind() == ErrorKind::Server
            && error.provider() == Provider::Runtools
            && error.status() == Some(503)
            && error.vendor_message().is_none()
            && error.is_retryable(),
        "{error:?}"
    );
    assert_eq!(mock.calls_async().await, 3);
}

#[tokio::test]
async fn extras_need_runtools_configured() {
    let prepaid = prepaid::Prepaid::builder().build().unwrap();
    assert!(common::failed_with(
        &prepaid.runtools(),
        ErrorKind::NotConfigured,
        Provider::Runtools
    ));
}

/// A provenance body as JSON.
fn parsed(raw: &prepaid::RawBody) -> serde_json::Value {
    serde_json::from_str(raw.get()).unwrap()
}

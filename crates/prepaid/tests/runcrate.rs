//! Runcrate through the facade: `GET /billing/balance`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[macro_use]
mod common;

use common::RUNCRATE;
use prepaid::{Amount, ErrorKind, Provider, Unit};
use rust_decimal::Decimal;
use serde_json::json;

fn dec(text: &str) -> Decimal {
    Decimal::from_str_exact(text).unwrap()
}

vendor_suite!(RUNCRATE, wrong_type: json!({ "data": { "creditsBalance": "12.5", "activeUsageCost": 0 } }));

#[tokio::test]
async fn the_documented_shape_maps_to_the_model() {
    let balance = common::balance_from(&RUNCRATE, &(RUNCRATE.example)().to_string())
        .await
        .unwrap();
    assert_eq!(balance.provider, Provider::Runcrate);
    assert_eq!(balance.available, vec![Amount::usd(dec("42.5"))]);
    assert_eq!(balance.accruing, Some(Amount::usd(dec("1.25"))));
    assert_eq!(balance.can_consume, Some(true));
    assert_eq!(
        (balance.granted, balance.used, balance.allocation),
        (None, None, None)
    );
    assert_eq!(balance.plan, None);
    assert!(balance.source.endpoint.starts_with("GET http://127.0.0.1:"));
    assert!(balance.source.endpoint.ends_with("/billing/balance"));
    assert_eq!(
        parsed(&balance.source.raw)["data"]["creditsBalance"],
        json!(42.5)
    );
    assert!(balance.notes.is_empty());
}

#[tokio::test]
async fn tenths_add_up_exactly() {
    let body = r#"{"data":{"creditsBalance":0.1,"activeUsageCost":0.2}}"#;
    let balance = common::balance_from(&RUNCRATE, body).await.unwrap();
    let sum = balance.available[0].value + balance.accruing.unwrap().value;
    assert_eq!(sum, dec("0.3"));
    assert_eq!(sum.to_string(), "0.3");
}

#[tokio::test]
async fn a_large_balance_is_exact_and_serializes_as_a_string() {
    let body = r#"{"data":{"creditsBalance":1234567890123.45,"activeUsageCost":0}}"#;
    let balance = common::balance_from(&RUNCRATE, body).await.unwrap();
    assert_eq!(balance.available[0].value.to_string(), "1234567890123.45");
    let json = serde_json::to_value(&balance).unwrap();
    assert_eq!(
        json["available"][0],
        json!({ "value": "1234567890123.45", "unit": "USD" })
    );
    assert_eq!(json["provider"], json!("runcrate"));
}

#[tokio::test]
async fn a_negative_balance_is_debt_not_zero() {
    let body = r#"{"data":{"creditsBalance":-3.25,"activeUsageCost":1.5}}"#;
    let balance = common::balance_from(&RUNCRATE, body).await.unwrap();
    assert_eq!(
        balance.available,
        vec![Amount::new(dec("-3.25"), Unit::Usd)]
    );
    assert_eq!(balance.can_consume, Some(false));
}

#[tokio::test]
async fn scientific_notation_is_exact() {
    let body = r#"{"data":{"creditsBalance":1.25e2,"activeUsageCost":5E-3}}"#;
    let balance = common::balance_from(&RUNCRATE, body).await.unwrap();
    assert_eq!(balance.available[0].value, dec("125"));
    assert_eq!(balance.accruing.unwrap().value, dec("0.005"));
}

#[tokio::test]
async fn a_number_out_of_range_is_undecodable_not_rounded() {
    let body = r#"{"data":{"creditsBalance":1e400,"activeUsageCost":0}}"#;
    let (error, _) = common::error_from(&RUNCRATE, 200, body).await;
    assert!(
        error.kind() == ErrorKind::Undecodable
            && error.provider() == Provider::Runcrate
            && error.status() == Some(200)
            && error.body_excerpt() == Some(body),
        "{error:?}"
    );
}

#[tokio::test]
async fn too_many_digits_is_undecodable_not_rounded() {
    let body =
        r#"{"data":{"creditsBalance":0.1234567890123456789012345678901,"activeUsageCost":0}}"#;
    let (error, _) = common::error_from(&RUNCRATE, 200, body).await;
    assert!(
        common::undecodable_because(&error, "creditsBalance")
            && error.status() == Some(200)
            && error
                .body_excerpt()
                .is_some_and(|e| e.contains("0.1234567890123456789012345678901")),
        "{error:?}"
    );
}

#[tokio::test]
async fn a_missing_balance_is_undecodable() {
    // (A missing `activeUsageCost` costs only itself: see tests/tolerant.rs.)
    let (error, _) = common::error_from(&RUNCRATE, 200, r#"{"data":{"activeUsageCost":5}}"#).await;
    assert!(
        common::undecodable_because(&error, "creditsBalance") && error.status() == Some(200),
        "{error:?}"
    );
}

#[tokio::test]
async fn an_undocumented_success_status_is_unexpected() {
    let (error, _) = common::error_from(&RUNCRATE, 202, "{}").await;
    assert!(
        error.kind() == ErrorKind::UnexpectedStatus
            && error.provider() == Provider::Runcrate
            && error.status() == Some(202)
            && error.vendor_message().is_none(),
        "{error:?}"
    );
}

/// A provenance body as JSON.
fn parsed(raw: &prepaid::RawBody) -> serde_json::Value {
    serde_json::from_str(raw.get()).unwrap()
}

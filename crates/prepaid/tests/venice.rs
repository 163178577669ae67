//! Venice through the facade: `GET /billing/balance`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[macro_use]
mod common;

use common::VENICE;
use prepaid::{Amount, ErrorKind, Provider, Unit};
use rust_decimal::Decimal;
use serde_json::json;

fn dec(text: &str) -> Decimal {
    Decimal::from_str_exact(text).unwrap()
}

vendor_suite!(VENICE, wrong_type: json!({
    "canConsume": "yes", "consumptionCurrency": "USD",
    "balances": { "diem": null, "usd": 1 }, "diemEpochAllocation": 0
}));

#[tokio::test]
async fn the_documented_example_maps_to_the_model() {
    let balance = common::balance_from(&VENICE, &(VENICE.example)().to_string())
        .await
        .unwrap();
    assert_eq!(balance.provider, Provider::Venice);
    assert_eq!(
        balance.available,
        vec![Amount::usd(dec("25")), Amount::new(dec("90.5"), Unit::Diem)]
    );
    assert_eq!(balance.available[0].value.to_string(), "25");
    assert_eq!(balance.available[1].value.to_string(), "90.5");
    assert_eq!(
        balance.allocation,
        Some(Amount::new(dec("100"), Unit::Diem))
    );
    assert_eq!(balance.can_consume, Some(true));
    assert_eq!(balance.consumption_currency.as_deref(), Some("DIEM"));
    assert_eq!(
        balance.available_in(&Unit::Diem).map(|a| a.value),
        Some(dec("90.5"))
    );
    assert!(balance.source.endpoint.ends_with("/billing/balance"));
    assert_eq!(
        parsed(&balance.source.raw)["consumptionCurrency"],
        json!("DIEM")
    );
    assert!(
        balance
            .notes
            .iter()
            .any(|n| n.contains("DIEM first, then bundled credits, then USD"))
    );
    assert!(
        balance
            .notes
            .iter()
            .any(|n| n.contains("canConsume ignores bundled credits"))
    );
    let json = serde_json::to_value(&balance).unwrap();
    assert_eq!(
        json["available"],
        json!([{ "value": "25", "unit": "USD" }, { "value": "90.5", "unit": "DIEM" }])
    );
    assert_eq!(
        json["allocation"],
        json!({ "value": "100", "unit": "DIEM" })
    );
}

#[tokio::test]
async fn null_usd_leaves_only_diem() {
    let body = json!({ "canConsume": true, "consumptionCurrency": "DIEM",
        "balances": { "diem": 10, "usd": null }, "diemEpochAllocation": 10 });
    let balance = common::balance_from(&VENICE, &body.to_string())
        .await
        .unwrap();
    assert_eq!(balance.available, vec![Amount::new(dec("10"), Unit::Diem)]);
    assert_eq!(balance.available_in(&Unit::Usd), None);
}

#[tokio::test]
async fn null_diem_leaves_only_usd() {
    let body = json!({ "canConsume": true, "consumptionCurrency": "USD",
        "balances": { "diem": null, "usd": 7.25 }, "diemEpochAllocation": 0 });
    let balance = common::balance_from(&VENICE, &body.to_string())
        .await
        .unwrap();
    assert_eq!(balance.available, vec![Amount::usd(dec("7.25"))]);
    assert_eq!(balance.allocation, Some(Amount::new(dec("0"), Unit::Diem)));
}

#[tokio::test]
async fn null_usd_and_null_diem_is_no_amount_not_zero() {
    let body = json!({ "canConsume": false, "consumptionCurrency": null,
        "balances": { "diem": null, "usd": null }, "diemEpochAllocation": 0 });
    let balance = common::balance_from(&VENICE, &body.to_string())
        .await
        .unwrap();
    assert!(balance.available.is_empty());
    assert_eq!(balance.can_consume, Some(false));
    assert_eq!(balance.consumption_currency, None);
    assert!(balance.notes.iter().any(|n| n.contains("both null")));
}

#[tokio::test]
async fn an_unknown_consumption_currency_is_kept_as_text() {
    let body = json!({ "canConsume": true, "consumptionCurrency": "USDC",
        "balances": { "diem": null, "usd": 3 }, "diemEpochAllocation": 0 });
    let balance = common::balance_from(&VENICE, &body.to_string())
        .await
        .unwrap();
    assert_eq!(balance.consumption_currency.as_deref(), Some("USDC"));
    assert_eq!(balance.available, vec![Amount::usd(dec("3"))]);
}

#[tokio::test]
async fn missing_balances_are_undecodable() {
    // (Missing auxiliary fields cost only themselves: see tests/tolerant.rs.)
    let body =
        json!({ "canConsume": true, "consumptionCurrency": "USD", "diemEpochAllocation": 0 });
    let (error, _) = common::error_from(&VENICE, 200, &body.to_string()).await;
    assert!(
        common::undecodable_because(&error, "balances") && error.provider() == Provider::Venice,
        "{error:?}"
    );
}

#[tokio::test]
async fn unauthorized_says_billing_needs_an_admin_key() {
    let (error, _) = common::error_from(&VENICE, 401, r#"{"error":"Authentication failed"}"#).await;
    assert!(error.to_string().contains("ADMIN API key"), "{error}");
    assert!(
        error.to_string().contains("Authentication failed"),
        "{error}"
    );
    let (error, _) = common::error_from(&VENICE, 403, "").await;
    assert!(
        error.kind() == ErrorKind::Forbidden
            && error.vendor_message().is_none()
            && error.hint().is_some_and(|h| h.contains("ADMIN")),
        "{error:?}"
    );
}

#[tokio::test]
async fn too_many_digits_in_usd_is_undecodable() {
    let body = r#"{"canConsume":true,"consumptionCurrency":"USD","balances":{"diem":null,"usd":0.1234567890123456789012345678901},"diemEpochAllocation":0}"#;
    let (error, _) = common::error_from(&VENICE, 200, body).await;
    assert!(
        common::undecodable_because(&error, "balances.usd") && error.status() == Some(200),
        "{error:?}"
    );
}

/// A provenance body as JSON.
fn parsed(raw: &prepaid::RawBody) -> serde_json::Value {
    serde_json::from_str(raw.get()).unwrap()
}

//! ngrok AI Gateway through the facade: `GET /credits/balance`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[macro_use]
mod common;

use common::NGROK;
use prepaid::{Amount, ErrorKind, Provider};
use rust_decimal::Decimal;
use serde_json::json;

vendor_suite!(NGROK, wrong_type: json!({ "balanceCents": 12.34 }));

#[tokio::test]
async fn the_documented_shape_maps_to_the_model() {
    let balance = common::balance_from(&NGROK, r#"{"balanceCents":1234}"#)
        .await
        .unwrap();
    assert_eq!(balance.provider, Provider::NgrokAiGateway);
    assert_eq!(
        balance.available,
        vec![Amount::usd(Decimal::from_str_exact("12.34").unwrap())]
    );
    assert_eq!(balance.available[0].value.to_string(), "12.34");
    assert_eq!(balance.can_consume, Some(true));
    assert_eq!(
        (balance.accruing, balance.granted, balance.used),
        (None, None, None)
    );
    assert!(balance.source.endpoint.ends_with("/credits/balance"));
    assert_eq!(balance.source.raw.get(), r#"{"balanceCents":1234}"#);
    assert_eq!(balance.notes.len(), 1);
    assert!(balance.notes[0].contains("eventually consistent with usage events"));
}

#[tokio::test]
async fn cents_are_exact_dollars() {
    for (cents, dollars) in [
        (0_i64, "0.00"),
        (1, "0.01"),
        (-250, "-2.50"),
        (123456789012345, "1234567890123.45"),
    ] {
        let balance = common::balance_from(&NGROK, &json!({ "balanceCents": cents }).to_string())
            .await
            .unwrap();
        assert_eq!(
            balance.available[0].value,
            Decimal::from_str_exact(dollars).unwrap()
        );
        assert_eq!(balance.available[0].value.to_string(), dollars);
        assert_eq!(balance.can_consume, Some(cents > 0));
    }
}

#[tokio::test]
async fn a_missing_balance_is_undecodable_not_zero() {
    let (error, _) = common::error_from(&NGROK, 200, "{}").await;
    assert!(
        common::undecodable_because(&error, "balanceCents")
            && error.provider() == Provider::NgrokAiGateway
            && error.status() == Some(200),
        "{error:?}"
    );
}

#[tokio::test]
async fn error_details_are_part_of_the_message() {
    let body = json!({ "statusCode": 400, "msg": "bad account", "errorCode": "ERR_NGROK_400", "details": { "account": "acct_1" } });
    let (error, _) = common::error_from(&NGROK, 400, &body.to_string()).await;
    assert!(
        error.kind() == ErrorKind::UnexpectedStatus
            && error.status() == Some(400)
            && error.vendor_message() == Some("bad account (ERR_NGROK_400) [account=acct_1]"),
        "{error:?}"
    );
}

#[tokio::test]
async fn an_error_body_off_its_schema_still_gives_the_message() {
    // `details` values are documented as strings; a number makes the typed error body fail.
    let body = json!({ "statusCode": 500, "msg": "overloaded", "details": { "retryIn": 5 } });
    let (error, _) = common::error_from(&NGROK, 500, &body.to_string()).await;
    assert!(
        error.kind() == ErrorKind::Server
            && error.status() == Some(500)
            && error.vendor_message() == Some("overloaded [retryIn=5]"),
        "{error:?}"
    );
}

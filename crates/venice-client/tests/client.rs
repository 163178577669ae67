//! The generated Venice client against httpmock (and, for bodies of unknown length, a
//! loopback server of the test's own): path, auth, headers, decoding, open enums, the size cap.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use httpmock::prelude::*;
use serde_json::json;
use venice_client::types::GetBillingBalanceResponseConsumptionCurrency as Currency;
use venice_client::{auth, servers, Client, ClientConfig, Error};

const KEY: &str = "venice-admin-test";

fn client(server: &MockServer) -> Client {
    let config = ClientConfig::from(auth::api_key(KEY).unwrap());
    Client::with_config(
        &server.base_url(),
        venice_client::http_client().unwrap(),
        config,
    )
}

async fn serve(body: serde_json::Value) -> (MockServer, Client) {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/billing/balance")
                .header("authorization", format!("Bearer {KEY}"))
                .header_missing("api-version");
            then.status(200).json_body(body);
        })
        .await;
    let client = client(&server);
    (server, client)
}

/// Venice's documented example, as `prepaid-emulator` holds it.
fn documented_example() -> serde_json::Value {
    serde_json::from_slice(prepaid_emulator::bodies::VENICE).unwrap()
}

#[test]
fn the_default_base_url_is_the_documents_server() {
    assert_eq!(servers::DEFAULT_BASE_URL, "https://api.venice.ai/api/v1");
}

#[tokio::test]
async fn get_billing_balance_sends_the_bearer_key_and_decodes_the_documented_example() {
    let (_server, client) = serve(documented_example()).await;
    let balance = client
        .get_billing_balance()
        .send()
        .await
        .unwrap()
        .into_inner();
    assert!(balance.can_consume);
    assert_eq!(
        balance.balances.diem.as_ref().map(|n| n.as_str()),
        Some("90.5")
    );
    assert_eq!(
        balance.balances.usd.as_ref().map(|n| n.as_str()),
        Some("25")
    );
    assert_eq!(balance.diem_epoch_allocation.as_str(), "100");
    assert!(
        matches!(balance.consumption_currency, Some(Currency::Known(ref known)) if known.to_string() == "DIEM")
    );
}

#[tokio::test]
async fn an_extra_field_and_an_unknown_consumption_currency_still_decode() {
    let mut body = documented_example();
    body["consumptionCurrency"] = json!("USDC");
    body["tier"] = json!("pro");
    let (_server, client) = serve(body).await;
    let balance = client
        .get_billing_balance()
        .send()
        .await
        .unwrap()
        .into_inner();
    match balance.consumption_currency {
        Some(Currency::Other(other)) => assert_eq!(other.as_str(), "USDC"),
        other => panic!("expected the unknown value kept as text, got {other:?}"),
    }
}

#[tokio::test]
async fn null_balances_decode_as_none() {
    let mut body = documented_example();
    body["balances"] = json!({ "diem": null, "usd": null });
    body["consumptionCurrency"] = json!(null);
    let (_server, client) = serve(body).await;
    let balance = client
        .get_billing_balance()
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!((balance.balances.diem, balance.balances.usd), (None, None));
    assert!(balance.consumption_currency.is_none());
}

#[tokio::test]
async fn a_401_decodes_as_the_vendors_standard_error() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.path("/billing/balance");
            then.status(401)
                .json_body(json!({ "error": "Authentication failed" }));
        })
        .await;
    match client(&server).get_billing_balance().send().await {
        Err(Error::ErrorResponse(response)) => assert_eq!(response.error, "Authentication failed"),
        other => panic!("expected the vendor's error, got {other:?}"),
    }
}

#[cfg(feature = "mock")]
#[tokio::test]
async fn typed_mocks_serve_typed_values_exactly() {
    use venice_client::mock::MockServerExt;
    let server = MockServer::start_async().await;
    // Read from text: a `serde_json::Value` would already have rounded the amount.
    let body: venice_client::types::GetBillingBalanceResponse = serde_json::from_str(
        r#"{"canConsume":true,"consumptionCurrency":"USD","diemEpochAllocation":100,
            "balances":{"diem":90.5,"usd":12.345678901234567890}}"#,
    )
    .unwrap();
    let mock = server.get_billing_balance(|_, then| {
        then.ok(&body);
    });
    let balance = client(&server)
        .get_billing_balance()
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(balance.balances.diem.unwrap().as_str(), "90.5");
    assert_eq!(
        balance.balances.usd.unwrap().as_str(),
        "12.345678901234567890",
        "the helper sends the body's exact text"
    );
    mock.assert();
}

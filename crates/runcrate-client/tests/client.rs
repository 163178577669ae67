//! The generated Runcrate client against httpmock: path, auth, headers and decoding.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use httpmock::prelude::*;
use runcrate_client::{auth, servers, Client, ClientConfig};
use serde_json::json;

const KEY: &str = "rc_live_test";

fn client(server: &MockServer) -> Client {
    let config = ClientConfig::from(auth::api_key(KEY).unwrap());
    Client::with_config(
        &server.base_url(),
        runcrate_client::http_client().unwrap(),
        config,
    )
}

#[test]
fn the_balance_is_served_from_its_operation_server_not_the_documents_first() {
    assert_eq!(servers::DEFAULT_BASE_URL, "https://runcrate.ai/api/v1");
    assert_eq!(
        servers::OPERATIONS,
        [("getBalance", "https://runcrate.ai/api/v1")]
    );
}

#[tokio::test]
async fn get_balance_sends_the_bearer_key_to_the_right_path_and_decodes_the_example() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/billing/balance")
                .header("authorization", format!("Bearer {KEY}"))
                .header_missing("api-version");
            then.status(200)
                .json_body(json!({ "data": { "creditsBalance": 42.5, "activeUsageCost": 0.1 } }));
        })
        .await;
    let balance = client(&server)
        .get_balance()
        .send()
        .await
        .unwrap()
        .into_inner();
    mock.assert_async().await;
    assert_eq!(balance.data.credits_balance.as_str(), "42.5");
    assert_eq!(balance.data.active_usage_cost.as_str(), "0.1");
}

#[tokio::test]
async fn fields_the_vendor_adds_later_still_decode() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.path("/billing/balance");
            then.status(200).json_body(json!({
                "data": { "creditsBalance": 1, "activeUsageCost": 0, "currency": "USD" },
                "meta": { "requestId": "r1" },
            }));
        })
        .await;
    let balance = client(&server)
        .get_balance()
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(balance.data.credits_balance.as_str(), "1");
}

#[tokio::test]
async fn numbers_keep_their_exact_text() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.path("/billing/balance");
            then.status(200).body(
                r#"{"data":{"creditsBalance":1234567890123.456789012345,"activeUsageCost":-0}}"#,
            );
        })
        .await;
    let balance = client(&server)
        .get_balance()
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        balance.data.credits_balance.as_str(),
        "1234567890123.456789012345"
    );
    assert_eq!(balance.data.active_usage_cost.as_str(), "-0");
}

#[test]
fn the_key_never_appears_in_debug_output() {
    let client = Client::with_api_key(KEY).unwrap();
    let debug = format!("{client:?}");
    assert!(!debug.contains(KEY), "{debug}");
    assert!(debug.contains("authorization"), "{debug}");
}

#[test]
fn keys_that_cannot_be_sent_are_rejected() {
    for bad in ["", "rc_live with space", "rc_live\n", "rc\u{7f}"] {
        assert_eq!(
            auth::api_key(bad).unwrap_err(),
            runcrate_client::InvalidApiKey
        );
    }
}

#[cfg(feature = "mock")]
#[tokio::test]
async fn typed_mocks_serve_typed_values() {
    use runcrate_client::mock::MockServerExt;
    let server = MockServer::start_async().await;
    let body = runcrate_client::types::GetBalanceResponse::builder()
        .data(
            runcrate_client::types::Balance::builder()
                .credits_balance("5".parse::<runcrate_client::ExactNumber>().unwrap())
                .active_usage_cost("0.25".parse::<runcrate_client::ExactNumber>().unwrap()),
        )
        .try_into()
        .unwrap();
    let mock = server.get_balance(|when, then| {
        when.into_inner()
            .header("authorization", format!("Bearer {KEY}"));
        then.ok(&body);
    });
    let balance = client(&server)
        .get_balance()
        .send()
        .await
        .unwrap()
        .into_inner();
    mock.assert();
    assert_eq!(balance.data.active_usage_cost.as_str(), "0.25");
}

//! The generated ngrok AI Gateway client against httpmock: path, auth, headers, decoding and
//! the typed error that replaced the spec's `default` response.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use httpmock::prelude::*;
use ngrok_ai_gateway_client::{auth, servers, Client, ClientConfig, Error};
use serde_json::json;

const KEY: &str = "ngrok-ai-test";

fn client(server: &MockServer) -> Client {
    let config = ClientConfig::from(auth::api_key(KEY).unwrap());
    Client::with_config(
        &format!("{}/", server.base_url()),
        ngrok_ai_gateway_client::http_client().unwrap(),
        config,
    )
}

#[test]
fn the_default_base_url_is_the_documents_server() {
    assert_eq!(servers::DEFAULT_BASE_URL, "https://api.ngrok.ai");
}

#[tokio::test]
async fn get_credit_balance_sends_the_bearer_key_and_decodes_the_example() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            // A base URL given with a trailing slash must not produce `//credits/balance`.
            when.method(GET)
                .path("/credits/balance")
                .header("authorization", format!("Bearer {KEY}"))
                .header_missing("api-version");
            then.status(200)
                .body(prepaid_emulator::bodies::NGROK_AI_GATEWAY);
        })
        .await;
    let balance = client(&server)
        .get_credit_balance()
        .send()
        .await
        .unwrap()
        .into_inner();
    mock.assert_async().await;
    assert_eq!(balance.balance_cents, 1234);
}

#[tokio::test]
async fn fields_the_vendor_adds_later_still_decode() {
    // The spec says `additionalProperties: false`; normalization lifts it on responses.
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.path("/credits/balance");
            then.status(200)
                .json_body(json!({ "balanceCents": -50, "currency": "USD" }));
        })
        .await;
    let balance = client(&server)
        .get_credit_balance()
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(balance.balance_cents, -50);
}

#[tokio::test]
async fn error_responses_decode_as_the_vendors_error_type() {
    let server = MockServer::start_async().await;
    for status in [401, 503] {
        let mock = server
            .mock_async(|when, then| {
                when.path("/credits/balance");
                then.status(status).json_body(json!({
                    "statusCode": status, "msg": "nope", "errorCode": "ERR_NGROK_1", "details": { "k": "v" },
                }));
            })
            .await;
        match client(&server).get_credit_balance().send().await {
            Err(Error::ErrorResponse(response)) => {
                assert_eq!(response.status().as_u16(), status);
                assert_eq!(response.msg, "nope");
                assert_eq!(response.error_code.as_deref(), Some("ERR_NGROK_1"));
            }
            other => panic!("expected the vendor's error, got {other:?}"),
        }
        mock.delete_async().await;
    }
}

#[test]
fn the_key_never_appears_in_debug_output() {
    let debug = format!("{:?}", Client::with_api_key(KEY).unwrap());
    assert!(!debug.contains(KEY), "{debug}");
}

#[cfg(feature = "mock")]
#[tokio::test]
async fn typed_mocks_serve_typed_values() {
    use ngrok_ai_gateway_client::mock::MockServerExt;
    let server = MockServer::start_async().await;
    let body = ngrok_ai_gateway_client::types::CreditBalance::builder()
        .balance_cents(7)
        .try_into()
        .unwrap();
    let mock = server.get_credit_balance(|_, then| {
        then.ok(&body);
    });
    assert_eq!(
        client(&server)
            .get_credit_balance()
            .send()
            .await
            .unwrap()
            .balance_cents,
        7
    );
    mock.assert();
}

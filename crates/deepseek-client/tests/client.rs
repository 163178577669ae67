//! The generated DeepSeek client against httpmock: path, bearer auth, the spec's documented
//! example decoded to the amounts' exact text, several currencies in any order.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "../../../tests/support/bearer_mock.rs"]
mod bearer_mock;

use deepseek_client::{auth, servers, Client, ClientConfig, Error};
use httpmock::MockServer;
use prepaid_emulator::examples::response_example;

const KEY: &str = "sk-deepseek-test";
const PATH: &str = "/user/balance";

async fn serve(status: u16, body: &str) -> (MockServer, Client) {
    let server = bearer_mock::serve(PATH, KEY, status, body).await;
    let config = ClientConfig::from(auth::bearer_auth(KEY).unwrap());
    let client = Client::with_config(
        &server.base_url(),
        deepseek_client::http_client().unwrap(),
        config,
    );
    (server, client)
}

#[test]
fn the_default_base_url_is_the_documents_server() {
    assert_eq!(servers::DEFAULT_BASE_URL, "https://api.deepseek.com");
}

#[tokio::test]
async fn the_documented_example_decodes_exactly() {
    let example = response_example(include_str!("../openapi.json"), PATH, "200").unwrap();
    let (_server, client) = serve(200, &example).await;
    let balance = client.get_user_balance().send().await.unwrap().into_inner();
    assert!(!balance.balance_infos.is_empty());
    for info in &balance.balance_infos {
        for (field, text) in [
            ("currency", Some(&info.currency)),
            ("total_balance", Some(&info.total_balance)),
            ("granted_balance", info.granted_balance.as_ref()),
            ("topped_up_balance", info.topped_up_balance.as_ref()),
        ] {
            let written = format!("\"{field}\": \"{}\"", text.unwrap());
            assert!(example.contains(&written), "{written} in {example}");
        }
    }
}

#[tokio::test]
async fn every_currency_is_kept_in_the_order_sent_and_missing_fields_are_none() {
    let body = r#"{"balance_infos":[
        {"currency":"USD","total_balance":"0.00","granted_balance":"0.00","topped_up_balance":"0.00"},
        {"currency":"CNY","total_balance":"12345678901234567890.12"}]}"#;
    let (_server, client) = serve(200, body).await;
    let balance = client.get_user_balance().send().await.unwrap().into_inner();
    assert_eq!(balance.is_available, None);
    let currencies: Vec<_> = balance
        .balance_infos
        .iter()
        .map(|i| i.currency.as_str())
        .collect();
    assert_eq!(currencies, ["USD", "CNY"]);
    assert_eq!(
        balance.balance_infos[1].total_balance,
        "12345678901234567890.12"
    );
    assert_eq!(balance.balance_infos[1].granted_balance, None);
}

#[tokio::test]
async fn an_invalid_key_is_an_error_response_with_the_vendors_message() {
    let body = r#"{"error":{"message":"Authentication Fails","type":"authentication_error","code":"invalid_request_error"}}"#;
    let (_server, client) = serve(401, body).await;
    match client.get_user_balance().send().await {
        Err(Error::ErrorResponse(response)) => {
            assert_eq!(response.status(), 401);
            let message = response.error.as_ref().and_then(|e| e.message.clone());
            assert_eq!(message.as_deref(), Some("Authentication Fails"));
        }
        other => panic!("{other:?}"),
    }
}

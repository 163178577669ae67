//! The generated Moonshot AI client against httpmock: path, bearer auth, both regions, the
//! spec's documented example decoded exactly, negative cash, a failure `code` under HTTP 200.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "../../../tests/support/bearer_mock.rs"]
mod bearer_mock;

use httpmock::MockServer;
use moonshot_client::{auth, servers, Client, ClientConfig};
use prepaid_emulator::examples::response_example;

const KEY: &str = "sk-moonshot-test";
const PATH: &str = "/v1/users/me/balance";

async fn serve(body: &str) -> (MockServer, Client) {
    let server = bearer_mock::serve(PATH, KEY, 200, body).await;
    let config = ClientConfig::from(auth::bearer_auth(KEY).unwrap());
    let client = Client::with_config(
        &server.base_url(),
        moonshot_client::http_client().unwrap(),
        config,
    );
    (server, client)
}

#[test]
fn both_regions_are_documented_and_the_international_one_is_the_default() {
    assert_eq!(servers::DEFAULT_BASE_URL, "https://api.moonshot.ai");
    assert_eq!(
        servers::DOCUMENTED_BASE_URLS,
        ["https://api.moonshot.ai", "https://api.moonshot.cn"]
    );
}

#[tokio::test]
async fn the_documented_example_decodes_exactly() {
    let example = response_example(include_str!("../openapi.json"), PATH, "200").unwrap();
    let (_server, client) = serve(&example).await;
    let body = client.get_balance().send().await.unwrap().into_inner();
    assert_eq!(body.code, 0);
    let balance = body.data.unwrap();
    for (field, number) in [
        ("available_balance", Some(&balance.available_balance)),
        ("voucher_balance", balance.voucher_balance.as_ref()),
        ("cash_balance", balance.cash_balance.as_ref()),
    ] {
        let written = format!("\"{field}\": {}", number.unwrap().as_str());
        assert!(example.contains(&written), "{written} in {example}");
    }
}

#[tokio::test]
async fn negative_cash_is_kept_as_sent() {
    let body = r#"{"code":0,"status":true,"data":{"available_balance":46.58893,"voucher_balance":46.58893,"cash_balance":-3.00001}}"#;
    let (_server, client) = serve(body).await;
    let balance = client
        .get_balance()
        .send()
        .await
        .unwrap()
        .into_inner()
        .data
        .unwrap();
    assert_eq!(balance.cash_balance.unwrap().as_str(), "-3.00001");
}

#[tokio::test]
async fn a_failure_code_under_http_200_decodes_with_its_message() {
    let body = r#"{"code":123,"status":false,"message":"account suspended","scode":"0x1"}"#;
    let (_server, client) = serve(body).await;
    let body = client.get_balance().send().await.unwrap().into_inner();
    assert_eq!((body.code, body.status), (123, Some(false)));
    assert!(body.data.is_none());
    assert_eq!(body.message.as_deref(), Some("account suspended"));
}

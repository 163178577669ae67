//! The generated SiliconFlow client against httpmock: path, bearer auth, both regions, the
//! spec's documented example decoded exactly, a failure `code` under HTTP 200.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "../../../tests/support/bearer_mock.rs"]
mod bearer_mock;

use httpmock::MockServer;
use prepaid_emulator::examples::response_example;
use siliconflow_client::{auth, servers, Client, ClientConfig};

const KEY: &str = "sk-siliconflow-test";
const PATH: &str = "/v1/user/info";

async fn serve(body: &str) -> (MockServer, Client) {
    let server = bearer_mock::serve(PATH, KEY, 200, body).await;
    let config = ClientConfig::from(auth::bearer_auth(KEY).unwrap());
    let client = Client::with_config(
        &server.base_url(),
        siliconflow_client::http_client().unwrap(),
        config,
    );
    (server, client)
}

#[test]
fn both_regions_are_documented_and_the_international_one_is_the_default() {
    assert_eq!(servers::DEFAULT_BASE_URL, "https://api.siliconflow.com");
    assert!(servers::DOCUMENTED_BASE_URLS.contains(&"https://api.siliconflow.cn"));
}

#[tokio::test]
async fn the_documented_example_decodes_exactly() {
    let example = response_example(include_str!("../openapi.json"), PATH, "200").unwrap();
    let (_server, client) = serve(&example).await;
    let body = client.get_user_info().send().await.unwrap().into_inner();
    assert_eq!(body.code, 20000);
    let info = body.data.unwrap();
    for (field, text) in [
        ("totalBalance", Some(&info.total_balance)),
        ("balance", info.balance.as_ref()),
        ("chargeBalance", info.charge_balance.as_ref()),
    ] {
        let written = format!("\"{field}\": \"{}\"", text.unwrap());
        assert!(example.contains(&written), "{written} in {example}");
    }
}

#[tokio::test]
async fn a_failure_code_under_http_200_decodes_with_its_message() {
    let body = r#"{"code":50000,"message":"Invalid token","status":false}"#;
    let (_server, client) = serve(body).await;
    let body = client.get_user_info().send().await.unwrap().into_inner();
    assert_eq!(body.code, 50000);
    assert!(body.data.is_none());
    assert_eq!(body.message.as_deref(), Some("Invalid token"));
}

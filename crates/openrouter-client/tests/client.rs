//! The generated OpenRouter client against httpmock: path, bearer auth, the spec's documented
//! examples decoded to the numbers' exact text, long fractions, a 403 for an ordinary key.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "../../../tests/support/bearer_mock.rs"]
mod bearer_mock;

use httpmock::MockServer;
use openrouter_client::{auth, servers, Client, ClientConfig, Error};
use prepaid_emulator::examples::response_example;

const KEY: &str = "sk-or-v1-test";

/// The example the spec documents for `GET path`'s 200 response.
fn documented(path: &str) -> String {
    response_example(include_str!("../openapi.json"), path, "200").unwrap()
}

async fn serve(path: &str, status: u16, body: &str) -> (MockServer, Client) {
    let server = bearer_mock::serve(path, KEY, status, body).await;
    let config = ClientConfig::from(auth::bearer_auth(KEY).unwrap());
    let client = Client::with_config(
        &server.base_url(),
        openrouter_client::http_client().unwrap(),
        config,
    );
    (server, client)
}

#[test]
fn the_default_base_url_is_the_documents_server() {
    assert_eq!(servers::DEFAULT_BASE_URL, "https://openrouter.ai/api/v1");
    assert_eq!(servers::DOCUMENTED_BASE_URLS, [servers::DEFAULT_BASE_URL]);
}

#[tokio::test]
async fn credits_decode_the_documented_example_exactly() {
    let example = documented("/credits");
    let (_server, client) = serve("/credits", 200, &example).await;
    let credits = client.get_credits().send().await.unwrap().into_inner().data;
    for (field, number) in [
        ("total_credits", &credits.total_credits),
        ("total_usage", &credits.total_usage),
    ] {
        let written = format!("\"{field}\": {}", number.as_str());
        assert!(example.contains(&written), "{written} in {example}");
    }
}

#[tokio::test]
async fn long_fractions_stay_exact() {
    let body = r#"{"data":{"total_credits":29.9999982,"total_usage":0.000000100000000000000001}}"#;
    let (_server, client) = serve("/credits", 200, body).await;
    let credits = client.get_credits().send().await.unwrap().into_inner().data;
    assert_eq!(credits.total_credits.as_str(), "29.9999982");
    assert_eq!(credits.total_usage.as_str(), "0.000000100000000000000001");
}

#[tokio::test]
async fn an_ordinary_key_gets_a_403_with_the_vendors_message() {
    let body =
        r#"{"error":{"code":403,"message":"Only management keys can perform this operation"}}"#;
    let (_server, client) = serve("/credits", 403, body).await;
    match client.get_credits().send().await {
        Err(Error::ErrorResponse(response)) => {
            assert_eq!(response.status(), 403);
            assert_eq!(response.error.code, 403);
            assert!(response.error.message.contains("management keys"));
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn the_key_decodes_the_documented_example_and_a_key_without_a_limit() {
    let example = documented("/key");
    let (_server, client) = serve("/key", 200, &example).await;
    let key = client
        .get_current_key()
        .send()
        .await
        .unwrap()
        .into_inner()
        .data;
    let remaining = key.limit_remaining.unwrap();
    let written = format!("\"limit_remaining\": {}", remaining.as_str());
    assert!(example.contains(&written), "{written} in {example}");

    let body = r#"{"data":{"label":"k","limit":null,"limit_remaining":null,"usage":3.5}}"#;
    let (_server, client) = serve("/key", 200, body).await;
    let key = client
        .get_current_key()
        .send()
        .await
        .unwrap()
        .into_inner()
        .data;
    assert!(key.limit.is_none() && key.limit_remaining.is_none());
    assert_eq!(key.usage.unwrap().as_str(), "3.5");
}

//! The generated Venice client against httpmock (and, for bodies of unknown length, a
//! loopback server of the test's own): path, auth, headers, decoding, open enums, the size cap.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use httpmock::prelude::*;
use serde_json::json;
use venice_client::types::GetBillingBalanceResponseConsumptionCurrency as Currency;
use venice_client::{servers, Client, ClientConfig, Credentials, Error};

const KEY: &str = "venice-admin-test";

fn client(server: &MockServer) -> Client {
    let config = ClientConfig::from(Credentials::api_key(KEY).unwrap());
    Client::with_config(&server.base_url(), reqwest::Client::new(), config)
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

fn documented_example() -> serde_json::Value {
    json!({ "canConsume": true, "consumptionCurrency": "DIEM",
            "balances": { "diem": 90.5, "usd": 25 }, "diemEpochAllocation": 100 })
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
        matches!(balance.consumption_currency, Some(Currency::Variant0(ref known)) if known.to_string() == "DIEM")
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
        Some(Currency::Variant1(other)) => assert_eq!(other.as_str(), "USDC"),
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

#[tokio::test]
async fn a_body_over_the_limit_fails_with_response_too_large() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.path("/billing/balance");
            then.status(200).body(" ".repeat(4096));
        })
        .await;
    let config = ClientConfig {
        max_response_bytes: Some(1024),
        ..ClientConfig::default()
    };
    let client = Client::with_config(&server.base_url(), reqwest::Client::new(), config);
    let error = client.get_billing_balance().send().await.unwrap_err();
    let Error::ResponseBodyError(error) = error else {
        panic!("expected a body error, got {error:?}")
    };
    assert!(too_large(&error, 1024), "{error:?}");
}

/// A loopback server of the test's own (httpmock always sends a Content-Length): one
/// `200` whose body is `chunks` in chunked encoding, so its length is unknown until the end.
async fn serve_chunked(chunks: Vec<String>) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let origin = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        let (mut socket, _) = listener.accept().await.unwrap();
        let mut head = Vec::new();
        while !head.ends_with(b"\r\n\r\n") {
            let mut byte = [0u8; 1];
            if socket.read(&mut byte).await.unwrap() == 0 {
                return;
            }
            head.push(byte[0]);
        }
        let mut response = String::from(
            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n",
        );
        for chunk in &chunks {
            response.push_str(&format!("{:x}\r\n{chunk}\r\n", chunk.len()));
        }
        response.push_str("0\r\n\r\n");
        // The client may stop reading (and close) once the body is over its limit.
        let _ = socket.write_all(response.as_bytes()).await;
    });
    origin
}

/// Whether `ResponseTooLarge { limit }` is in `error`'s source chain.
fn too_large(error: &(dyn std::error::Error + 'static), limit: u64) -> bool {
    let mut source = Some(error);
    while let Some(e) = source {
        if e.downcast_ref::<venice_client::ResponseTooLarge>()
            == Some(&venice_client::ResponseTooLarge { limit })
        {
            return true;
        }
        source = e.source();
    }
    false
}

#[tokio::test]
async fn a_body_of_unknown_length_is_read_within_the_limit_and_shown_whole() {
    let body = documented_example().to_string();
    let (first, second) = body.split_at(body.len() / 2);
    let origin = serve_chunked(vec![first.to_string(), second.to_string()]).await;
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let record = seen.clone();
    let config = ClientConfig {
        max_response_bytes: Some(1024),
        on_body: Some(std::sync::Arc::new(move |bytes: &[u8]| {
            record.lock().unwrap().extend_from_slice(bytes);
        })),
        ..ClientConfig::default()
    };
    let client = Client::with_config(&origin, reqwest::Client::new(), config);
    let balance = client.get_billing_balance().send().await.unwrap();
    assert_eq!(balance.diem_epoch_allocation.as_str(), "100");
    assert_eq!(*seen.lock().unwrap(), body.as_bytes());
}

#[tokio::test]
async fn a_body_of_unknown_length_over_the_limit_fails_with_response_too_large() {
    let origin = serve_chunked(vec![" ".repeat(512); 8]).await;
    let config = ClientConfig {
        max_response_bytes: Some(1024),
        ..ClientConfig::default()
    };
    let client = Client::with_config(&origin, reqwest::Client::new(), config);
    let error = client.get_billing_balance().send().await.unwrap_err();
    let Error::ResponseBodyError(error) = error else {
        panic!("expected a body error, got {error:?}")
    };
    assert!(too_large(&error, 1024), "{error:?}");
}

#[tokio::test]
async fn on_response_sees_the_status_before_the_body_is_read() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.path("/billing/balance");
            then.status(500).body("<html>Bad gateway</html>");
        })
        .await;
    let seen = std::sync::Arc::new(std::sync::Mutex::new(None));
    let record = seen.clone();
    let config = ClientConfig {
        on_response: Some(std::sync::Arc::new(move |r: &reqwest::Response| {
            *record.lock().unwrap() = Some(r.status().as_u16());
        })),
        ..ClientConfig::default()
    };
    let client = Client::with_config(&server.base_url(), reqwest::Client::new(), config);
    assert!(matches!(
        client.get_billing_balance().send().await,
        Err(Error::InvalidResponsePayload(..))
    ));
    assert_eq!(*seen.lock().unwrap(), Some(500));
}

#[cfg(feature = "mock")]
#[tokio::test]
async fn typed_mocks_serve_typed_values() {
    use venice_client::mock::MockServerExt;
    let server = MockServer::start_async().await;
    let body: venice_client::types::GetBillingBalanceResponse =
        serde_json::from_value(documented_example()).unwrap();
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
    mock.assert();
}

#[test]
fn exact_numbers_keep_their_text_and_refuse_other_values() {
    use venice_client::ExactNumber;
    for (json, text) in [("1e400", "1e400"), (" -0.10 ", "-0.10"), ("25", "25")] {
        let number: ExactNumber = serde_json::from_str(json).unwrap();
        assert_eq!(number.as_str(), text);
        assert_eq!(json.parse::<ExactNumber>().unwrap().as_str(), text);
    }
    for not_a_number in [r#""12""#, "true", "null", "[1]", "{}", "-", "12abc", ""] {
        assert!(
            serde_json::from_str::<ExactNumber>(not_a_number).is_err(),
            "{not_a_number}"
        );
        assert!(
            not_a_number.parse::<ExactNumber>().is_err(),
            "{not_a_number}"
        );
    }
}

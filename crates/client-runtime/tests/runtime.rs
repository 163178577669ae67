//! The runtime against loopback servers: the body cap (declared and chunked lengths), the
//! hooks, and the redirect policy.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::{Arc, Mutex};

use httpmock::prelude::*;
use prepaid_client_runtime::{
    ClientConfig, Credentials, CrossOriginRedirect, ExactNumber, ResponseTooLarge, http_client,
    read_json, watched,
};
use progenitor_client::Error;

const BODY: &str = r#"{"usd":12.345678901234567890,"note":"kept as sent"}"#;

#[derive(serde::Deserialize)]
struct Balance {
    usd: ExactNumber,
}

async fn get(url: &str, config: &ClientConfig) -> reqwest::Response {
    let http = http_client().unwrap();
    let request = http.get(url).build().unwrap();
    config.execute(&http, request).await.unwrap()
}

/// A loopback server of the test's own (httpmock always sends a Content-Length): one `200`
/// whose body is `chunks` in chunked encoding, so its length is unknown until the end.
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
        if e.downcast_ref::<ResponseTooLarge>()
            .map(|found| found.limit)
            == Some(limit)
        {
            return true;
        }
        source = e.source();
    }
    false
}

fn recording_config(limit: u64) -> (ClientConfig, Arc<Mutex<Vec<u8>>>) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let record = seen.clone();
    let config = ClientConfig::default()
        .with_max_response_bytes(Some(limit))
        .with_on_body(Arc::new(move |bytes: &[u8]| {
            record.lock().unwrap().extend_from_slice(bytes);
        }));
    (config, seen)
}

#[tokio::test]
async fn a_body_within_the_limit_decodes_exactly_and_is_shown_whole() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.path("/balance");
            then.status(200).body(BODY);
        })
        .await;
    let (config, seen) = recording_config(1024);
    let response = get(&server.url("/balance"), &config).await;
    let balance = read_json::<Balance, ()>(&config, response).await.unwrap();
    assert_eq!(balance.usd.as_str(), "12.345678901234567890");
    assert_eq!(*seen.lock().unwrap(), BODY.as_bytes());
}

#[tokio::test]
async fn a_body_over_the_limit_fails_with_response_too_large() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.path("/balance");
            then.status(200).body(" ".repeat(4096));
        })
        .await;
    let (config, seen) = recording_config(1024);
    let response = get(&server.url("/balance"), &config).await;
    match read_json::<Balance, ()>(&config, response).await {
        Err(Error::ResponseBodyError(error)) => assert!(too_large(&error, 1024), "{error:?}"),
        other => panic!("expected a body error, got {:?}", other.map(|_| ())),
    }
    assert!(
        seen.lock().unwrap().is_empty(),
        "nothing past the cap is shown"
    );
}

#[tokio::test]
async fn a_body_of_unknown_length_is_read_within_the_limit_and_shown_whole() {
    let (first, second) = BODY.split_at(BODY.len() / 2);
    let origin = serve_chunked(vec![first.to_string(), second.to_string()]).await;
    let (config, seen) = recording_config(1024);
    let response = get(&origin, &config).await;
    assert_eq!(response.content_length(), None);
    let balance = read_json::<Balance, ()>(&config, response).await.unwrap();
    assert_eq!(balance.usd.as_str(), "12.345678901234567890");
    assert_eq!(*seen.lock().unwrap(), BODY.as_bytes());
}

#[tokio::test]
async fn a_body_of_unknown_length_over_the_limit_fails_with_response_too_large() {
    let origin = serve_chunked(vec![" ".repeat(512); 8]).await;
    let (config, _) = recording_config(1024);
    let response = get(&origin, &config).await;
    match read_json::<Balance, ()>(&config, response).await {
        Err(Error::ResponseBodyError(error)) => assert!(too_large(&error, 1024), "{error:?}"),
        other => panic!("expected a body error, got {:?}", other.map(|_| ())),
    }
}

#[tokio::test]
async fn a_response_left_to_the_caller_carries_the_cap_and_the_hook() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.path("/big");
            then.status(500).body("x".repeat(2048));
        })
        .await;
    server
        .mock_async(|when, then| {
            when.path("/small");
            then.status(500).body("<html>Bad gateway</html>");
        })
        .await;
    let (config, seen) = recording_config(1024);
    let big = watched(&config, get(&server.url("/big"), &config).await);
    let error = big.bytes().await.unwrap_err();
    assert!(too_large(&error, 1024), "{error:?}");

    let small = watched(&config, get(&server.url("/small"), &config).await);
    assert_eq!(small.status(), 500);
    assert!(small.url().path().ends_with("/small"), "the URL is kept");
    assert_eq!(small.text().await.unwrap(), "<html>Bad gateway</html>");
    assert_eq!(*seen.lock().unwrap(), b"<html>Bad gateway</html>");
}

#[tokio::test]
async fn invalid_json_is_an_invalid_payload_with_the_bytes() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.path("/balance");
            then.status(200).body("<html>");
        })
        .await;
    let config = ClientConfig::default();
    let response = get(&server.url("/balance"), &config).await;
    match read_json::<Balance, ()>(&config, response).await {
        Err(Error::InvalidResponsePayload(bytes, _)) => assert_eq!(&bytes[..], b"<html>"),
        other => panic!("expected an invalid payload, got {:?}", other.map(|_| ())),
    }
}

#[tokio::test]
async fn on_response_sees_the_status_before_the_body_is_read() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.path("/balance");
            then.status(503).body("busy");
        })
        .await;
    let seen = Arc::new(Mutex::new(None));
    let record = seen.clone();
    let config =
        ClientConfig::default().with_on_response(Arc::new(move |r: &reqwest::Response| {
            *record.lock().unwrap() = Some(r.status().as_u16());
        }));
    let response = get(&server.url("/balance"), &config).await;
    assert_eq!(*seen.lock().unwrap(), Some(503));
    drop(response);
}

#[tokio::test]
async fn a_redirect_to_another_host_is_not_followed_with_the_key() {
    const KEY: &str = "sk-live-sentinel-0123";
    let vendor = MockServer::start_async().await;
    let elsewhere = MockServer::start_async().await;
    let stolen = elsewhere
        .mock_async(|when, then| {
            when.any_request();
            then.status(200).body("{}");
        })
        .await;
    let moved = vendor
        .mock_async(|when, then| {
            when.path("/old");
            then.status(301).header("location", "/new");
        })
        .await;
    let new = vendor
        .mock_async(|when, then| {
            when.path("/new")
                .header("authorization", format!("Bearer {KEY}"));
            then.status(302)
                .header("location", format!("{}/stolen", elsewhere.base_url()));
        })
        .await;
    let http = http_client().unwrap();
    let config = ClientConfig::from(Credentials::bearer(KEY).unwrap());
    let mut request = http.get(vendor.url("/old")).build().unwrap();
    config.credentials.apply(&mut request);
    let error = config.execute(&http, request).await.unwrap_err();
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(&error);
    let mut refused = None;
    while let Some(e) = source {
        refused = refused.or_else(|| e.downcast_ref::<CrossOriginRedirect>().cloned());
        source = e.source();
    }
    assert_eq!(
        refused.map(|r| r.to),
        Some(elsewhere.base_url()),
        "{error:?}"
    );
    moved.assert_async().await;
    new.assert_async().await;
    assert_eq!(
        stolen.calls_async().await,
        0,
        "the key went to another host"
    );
    assert!(!format!("{error:?}").contains(KEY));
}

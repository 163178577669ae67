//! One span per provider fetch, with its provider, status, attempts and duration, and no key.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{Captured, KEY, VENICE};
use httpmock::MockServer;
use tracing_subscriber::fmt::format::FmtSpan;

#[tokio::test]
async fn a_fetch_is_one_span_with_its_facts_and_no_key() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(move || writer.clone())
        .with_span_events(FmtSpan::CLOSE)
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let server = MockServer::start_async().await;
    common::mock_balance(&VENICE, &server, 200, &(VENICE.example)().to_string()).await;
    let prepaid = common::prepaid(&VENICE, &server);
    prepaid.fetch(prepaid::Provider::Venice).await.unwrap();

    let ok_server = MockServer::start_async().await;
    common::mock_balance(&VENICE, &ok_server, 429, &format!(r#"{{"error":"{KEY}"}}"#)).await;
    common::prepaid(&VENICE, &ok_server)
        .fetch(prepaid::Provider::Venice)
        .await
        .unwrap_err();

    let text = captured.text();
    assert!(!text.contains(KEY) && !text.contains("SENTINEL"), "{text}");
    let closes: Vec<&str> = text
        .lines()
        .filter(|l| l.contains("prepaid.fetch") && l.contains("close"))
        .collect();
    assert_eq!(closes.len(), 2, "{text}");
    assert!(closes[0].contains("provider=venice"), "{text}");
    assert!(closes[0].contains("status=200"), "{text}");
    assert!(closes[0].contains("attempts=1"), "{text}");
    assert!(closes[0].contains("duration_ms="), "{text}");
    assert!(
        closes[0].contains("outcome=\"ok\"") || closes[0].contains("outcome=ok"),
        "{text}"
    );
    assert!(closes[1].contains("status=429"), "{text}");
    assert!(closes[1].contains("attempts=3"), "{text}");
    assert!(text.contains("retrying"), "{text}");
}

//! A client generated (by this crate's build script) from
//! `tests/fixtures/next-release/openapi.yaml`, every category of change a vendor's next
//! release may bring, decoding real bodies from a loopback server: the traps of
//! normalization are checked by what is decoded, not by the text generated.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    missing_docs,
    clippy::type_complexity
)]

include!(concat!(env!("OUT_DIR"), "/next_release.rs"));

/// The generated typed httpmock helpers.
#[allow(clippy::all)]
pub mod mock {
    include!(concat!(env!("OUT_DIR"), "/next_release_mock.rs"));
}

use httpmock::prelude::*;
use types::*;

fn client(server: &MockServer) -> Client {
    let config = ClientConfig::from(auth::api_key("sk-next").unwrap());
    Client::with_config(&server.base_url(), http_client().unwrap(), config)
}

#[test]
fn one_value_enums_stay_closed_so_untagged_one_of_picks_the_right_branch() {
    // A spend event has every field of a top-up one: only its closed tag tells them apart.
    let spend: Event =
        serde_json::from_str(r#"{"kind":"spend","amount":15,"model":"m1"}"#).unwrap();
    assert!(
        matches!(&spend, Event::SpendEvent(e) if e.model == "m1"),
        "{spend:?}"
    );
    let top_up: Event = serde_json::from_str(r#"{"kind":"topup","amount":20}"#).unwrap();
    assert!(matches!(top_up, Event::TopUpEvent(_)), "{top_up:?}");
    // The same without a discriminator, tagged only by a `const`.
    let debit: Movement =
        serde_json::from_str(r#"{"direction":"debit","amount":2,"model":"m2"}"#).unwrap();
    assert!(matches!(debit, Movement::Debit(_)), "{debit:?}");
    let unknown = serde_json::from_str::<Event>(r#"{"kind":"refund","amount":1}"#);
    assert!(unknown.is_err(), "an unknown tag is no branch: {unknown:?}");
}

#[test]
fn open_enums_have_named_variants_and_keep_new_values() {
    let paid: InvoiceStatus = serde_json::from_str(r#""paid""#).unwrap();
    assert!(matches!(
        paid,
        InvoiceStatus::Known(InvoiceStatusKnown::Paid)
    ));
    let new: InvoiceStatus = serde_json::from_str(r#""refunded""#).unwrap();
    assert!(matches!(&new, InvoiceStatus::Other(other) if other.as_str() == "refunded"));
}

#[test]
fn duplicated_enum_values_are_removed_in_responses_and_requests() {
    let text = std::fs::read_to_string(
        prepaid_tests::root().join("tests/fixtures/next-release/openapi.yaml"),
    )
    .unwrap();
    let (doc, notes) =
        codegen::normalize::normalize_with_notes(codegen::parse_spec(&text).unwrap()).unwrap();
    assert_eq!(notes.len(), 2, "{notes:?}");
    let status = &doc["components"]["schemas"]["Invoice"]["properties"]["status"];
    assert_eq!(
        status["oneOf"][0]["enum"],
        serde_json::json!(["open", "paid", "void"])
    );
    let reason = &doc["components"]["schemas"]["RefundRequest"]["properties"]["reason"];
    assert_eq!(
        reason["oneOf"][0]["enum"],
        serde_json::json!(["duplicate", "fraud"]),
        "a request schema a response also reaches (through allOf) is opened"
    );
    // Each value once in the generated type.
    assert_eq!(RefundRequestReasonKnown::Duplicate.to_string(), "duplicate");
}

#[tokio::test]
async fn a_new_operation_sends_path_query_and_header_parameters_and_decodes_new_formats() {
    let server = MockServer::start_async().await;
    let id = "7d444840-9dc0-11d1-b245-5ffdce74fad2";
    let body = format!(
        r#"{{"id":"{id}","issuedAt":"2026-11-30T12:00:00Z","total":12.345678901234567890,
            "status":"open","reference":"INV-42","type":"credit","match":true,
            "metadata":{{"vat":0.20}}}}"#
    );
    let mock = server
        .mock_async(|when, then| {
            when.method(GET)
                .path(format!("/invoices/{id}"))
                .query_param("since", "2026-11-01T00:00:00Z")
                .header("x-request-id", "req-1")
                .header("authorization", "Bearer sk-next");
            then.status(200)
                .header("content-type", "application/json")
                .body(&body);
        })
        .await;
    let since: chrono::DateTime<chrono::Utc> = "2026-11-01T00:00:00Z".parse().unwrap();
    let invoice = client(&server)
        .get_invoice()
        .invoice_id(id.parse::<uuid::Uuid>().unwrap())
        .since(since)
        .x_request_id("req-1")
        .send()
        .await
        .unwrap()
        .into_inner();
    mock.assert_async().await;
    assert_eq!(invoice.id.to_string(), id);
    assert_eq!(invoice.total.as_str(), "12.345678901234567890");
    assert_eq!(invoice.type_.as_deref(), Some("credit"));
    assert_eq!(invoice.match_, Some(true));
    assert_eq!(invoice.metadata["vat"].as_str(), "0.20");
    assert_eq!(
        invoice.reference.as_deref().map(|r| r.as_str()),
        Some("INV-42")
    );
    // A pattern is enforced on the way in.
    assert!(client(&server)
        .get_invoice()
        .invoice_id(id.parse::<uuid::Uuid>().unwrap())
        .x_request_id("NOT VALID")
        .send()
        .await
        .is_err());
}

#[tokio::test]
async fn an_operation_with_only_a_default_response_succeeds_with_it() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.path("/usage/export");
            then.status(200).body(r#"{"rows":3}"#);
        })
        .await;
    let export = client(&server).export_usage().send().await.unwrap();
    assert_eq!(export.rows, Some(3));
}

#[tokio::test]
async fn typed_mocks_send_and_match_twenty_digit_amounts_exactly() {
    use mock::MockServerExt;
    let server = MockServer::start_async().await;
    let amount: prepaid_client_runtime::ExactNumber = "12.345678901234567890".parse().unwrap();
    let request = RefundRequest {
        amount: amount.clone(),
        invoice_id: "7d444840-9dc0-11d1-b245-5ffdce74fad2".parse().unwrap(),
        reason: None,
    };
    let refund = Refund {
        amount: amount.clone(),
        id: "rf_1".to_string(),
        invoice_id: request.invoice_id,
        reason: None,
    };
    let mock = server.create_refund(|when, then| {
        when.body(&request);
        then.created(&refund);
    });
    let created = client(&server)
        .create_refund()
        .body(request.clone())
        .send()
        .await
        .unwrap()
        .into_inner();
    mock.assert();
    assert_eq!(created.amount.as_str(), "12.345678901234567890");
}

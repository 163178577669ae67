//! A fetch decodes a body exactly as `prepaid::providers::decode` does, so what the
//! property tests (`hostile_json.rs`) and the fuzz targets (`fuzz/`) prove of the decode
//! functions holds for fetches: the same balance (but for when and where it was fetched),
//! or the same error, for each body of a corpus of valid and hostile bodies per vendor.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{KEY, Vendor};
use httpmock::Method::GET;
use httpmock::{Mock, MockServer};
use prepaid::providers::decode;
use prepaid::{Balance, Error, Prepaid, Provider, ProviderConfig};

/// Bodies for `vendor`: its example, with every number field set to edge numbers, and
/// broken in the usual ways.
fn corpus(vendor: &Vendor) -> Vec<String> {
    let example = (vendor.example)().to_string();
    let mut bodies = vec![example.clone(), example[..example.len() / 2].to_string()];
    for edge in [
        "-0",
        "0",
        "-3.25",
        "1e308",
        "1e400",
        "12345678901234567890",
        "9223372036854775808",
        "0.1234567890123456789012345678",
        "0.12345678901234567890123456789",
        "12.5000000000000000000000000000000",
        "2.5e-3",
        "\"12.5\"",
        "null",
        "[1]",
    ] {
        // Each number of the example (`12.5`, `1234`, `90.5`, ...) replaced by `edge`.
        for number in ["12.5", "0.75", "1234", "1250", "2500", "90.5", "25", "100"] {
            let needle = format!(":{number}");
            if example.contains(&needle) {
                bodies.push(example.replacen(&needle, &format!(":{edge}"), 1));
            }
        }
    }
    bodies.extend(
        [
            "",
            "null",
            "[]",
            "{}",
            "\"text\"",
            "[[12.5, 0.75]]",
            "{\"data\":{}}",
            "{\"data\":null}",
        ]
        .map(str::to_string),
    );
    bodies
}

/// The fields of a balance that do not depend on when or where it was fetched.
fn comparable(balance: &Balance) -> serde_json::Value {
    let mut json = serde_json::to_value(balance).unwrap();
    let object = json.as_object_mut().unwrap();
    object.remove("fetched_at");
    object["source"].as_object_mut().unwrap().remove("endpoint");
    if let Some(supplementary) = object.get_mut("supplementary") {
        for entry in supplementary.as_array_mut().unwrap() {
            entry.as_object_mut().unwrap().remove("endpoint");
        }
    }
    json
}

/// The runtools plan, served once for every case.
async fn mock_plan(server: &MockServer, prefix: &str) {
    let plan = common::runtools_plan().to_string();
    let path = format!("{prefix}/v1/billing/plan");
    server
        .mock_async(|when, then| {
            when.method(GET).path(path);
            then.status(200).body(plan);
        })
        .await;
}

async fn mock<'a>(server: &'a MockServer, vendor: &Vendor, prefix: &str, body: &str) -> Mock<'a> {
    let path = format!("{prefix}{}", vendor.path);
    let body = body.to_string();
    server
        .mock_async(|when, then| {
            when.method(GET).path(path);
            then.status(200)
                .header("content-type", "application/json")
                .body(body);
        })
        .await
}

fn decoded(provider: Provider, body: &str) -> Result<Balance, Error> {
    match provider {
        Provider::Runtools => decode::runtools(
            body.as_bytes(),
            Some(common::runtools_plan().to_string().as_bytes()),
        ),
        other => decode::balance(other, body.as_bytes()),
    }
}

#[tokio::test]
async fn a_fetch_decodes_every_body_as_the_decode_functions_do() {
    let server = MockServer::start_async().await;
    let (mut ok, mut err) = (0, 0);
    for vendor in common::ALL {
        // One facade per vendor (building one takes milliseconds); its body changes per case.
        let prefix = format!("/{}", vendor.provider);
        if vendor.provider == Provider::Runtools {
            mock_plan(&server, &prefix).await;
        }
        let prepaid = Prepaid::builder()
            .provider(ProviderConfig::new(vendor.provider, KEY).base_url(server.url(&prefix)))
            .retry_policy(common::fast_retry())
            .build()
            .unwrap();
        for body in corpus(&vendor) {
            let served = mock(&server, &vendor, &prefix, &body).await;
            let fetched = prepaid.fetch(vendor.provider).await;
            served.delete_async().await;
            let direct = decoded(vendor.provider, &body);
            match (&fetched, &direct) {
                (Ok(f), Ok(d)) => {
                    ok += 1;
                    assert_eq!(comparable(f), comparable(d), "{body}");
                }
                (Err(f), Err(d)) => {
                    err += 1;
                    // The same failure, word for word (the fetch's also names its account).
                    assert_eq!(
                        (f.kind(), f.to_string()),
                        (d.kind(), d.to_string()),
                        "{body}"
                    );
                }
                _ => panic!(
                    "{}: {body}: fetched {fetched:?}, decoded {direct:?}",
                    vendor.provider
                ),
            }
        }
    }
    assert!(ok >= 20 && err >= 40, "{ok} balances, {err} errors");
}

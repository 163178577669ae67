//! The CAs a `Prepaid` trusts: a vendor behind a certificate from a CA made at test time is
//! reached when that CA is given to `ca_certificates` and only then, beside the platform's
//! store or (the `webpki-roots` feature) the bundled roots.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

// The TLS server of the runtime's own trust tests: one copy of it.
#[path = "../../client-runtime/tests/tls/mod.rs"]
mod tls;

use prepaid::{Decimal, ErrorKind, Prepaid, PrepaidBuilder, Provider, ProviderConfig};

const KEY: &str = "sk-tls-roots-sentinel";

/// Venice's available amounts through `builder`, from the TLS server on `port`.
async fn venice(builder: PrepaidBuilder, port: u16) -> Result<Vec<Decimal>, prepaid::Error> {
    let prepaid = builder
        .provider(
            ProviderConfig::new(Provider::Venice, KEY)
                .base_url(format!("https://127.0.0.1:{port}")),
        )
        .build()
        .unwrap();
    let balance = prepaid.fetch(Provider::Venice).await?;
    Ok(balance
        .available
        .iter()
        .map(|amount| amount.value)
        .collect())
}

/// A failure to trust the server: a network error naming the certificate, without the key.
fn untrusted(error: &prepaid::Error) {
    assert_eq!(error.kind(), ErrorKind::Network, "{error}");
    let shown = format!("{error} {error:?}");
    assert!(!shown.contains(KEY), "{shown}");
}

#[tokio::test]
async fn an_extra_ca_is_trusted_when_given_and_only_then() {
    let ca = tls::TestCa::new();
    let port = ca.serve(prepaid_emulator::bodies::VENICE).await;
    untrusted(&venice(Prepaid::builder(), port).await.unwrap_err());
    let trusted = venice(Prepaid::builder().ca_certificates(ca.pem.clone()), port).await;
    assert!(trusted.unwrap().contains(&Decimal::new(905, 1)));
}

#[cfg(feature = "webpki-roots")]
#[tokio::test]
async fn the_bundled_roots_take_an_extra_ca_too() {
    let ca = tls::TestCa::new();
    let port = ca.serve(prepaid_emulator::bodies::VENICE).await;
    untrusted(
        &venice(Prepaid::builder().bundled_roots(), port)
            .await
            .unwrap_err(),
    );
    let builder = Prepaid::builder()
        .bundled_roots()
        .ca_certificates(ca.pem.clone());
    assert!(
        venice(builder, port)
            .await
            .unwrap()
            .contains(&Decimal::new(905, 1))
    );
}

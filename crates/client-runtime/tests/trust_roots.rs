//! Which CAs a client trusts: an extra CA made at test time is trusted when given and only
//! then, beside the platform's store or (the `webpki-roots` feature) the bundled roots; PEM
//! text without a certificate is refused.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod tls;

use prepaid_client_runtime::{TrustRoots, client_builder_trusting};

/// Whether a client trusting `roots` completes a request to `port`.
async fn reaches(roots: &TrustRoots, port: u16) -> Result<(), String> {
    let client = client_builder_trusting(roots)
        .map_err(|e| e.to_string())?
        .build()
        .map_err(|e| e.to_string())?;
    let response = client
        .get(format!("https://127.0.0.1:{port}/"))
        .send()
        .await
        .map_err(|e| format!("{e:?}"))?;
    assert_eq!(response.status(), 200);
    Ok(())
}

#[tokio::test]
async fn an_extra_ca_is_trusted_beside_the_platforms_store() {
    let ca = tls::TestCa::new();
    let port = ca.serve(b"{}").await;
    let error = reaches(&TrustRoots::platform(), port).await.unwrap_err();
    assert!(error.to_lowercase().contains("certificate"), "{error}");
    let with_ca = TrustRoots::platform().with_pem(ca.pem.as_bytes()).unwrap();
    assert_eq!(with_ca.extra().count(), 1);
    reaches(&with_ca, port).await.unwrap();
}

#[cfg(feature = "webpki-roots")]
#[tokio::test]
async fn the_bundled_roots_take_an_extra_ca_too() {
    let ca = tls::TestCa::new();
    let port = ca.serve(b"{}").await;
    assert!(TrustRoots::bundled().is_bundled());
    assert!(reaches(&TrustRoots::bundled(), port).await.is_err());
    let with_ca = TrustRoots::bundled().with_pem(ca.pem.as_bytes()).unwrap();
    reaches(&with_ca, port).await.unwrap();
}

#[test]
fn pem_without_a_certificate_is_refused() {
    for text in [
        "",
        "not a certificate",
        "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
    ] {
        let error = TrustRoots::platform()
            .with_pem(text.as_bytes())
            .unwrap_err();
        assert!(
            error.to_string().contains("CA certificates"),
            "{text:?}: {error}"
        );
    }
    let broken = "-----BEGIN CERTIFICATE-----\n%%%\n-----END CERTIFICATE-----\n";
    assert!(TrustRoots::platform().with_pem(broken.as_bytes()).is_err());
}

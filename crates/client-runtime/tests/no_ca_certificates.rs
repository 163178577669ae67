//! A machine with no CA certificates (a scratch container, say): `http_client` says so, and
//! `default_http_client` (what a generated `Client::new` uses) is still built, without a
//! panic, and fails every HTTPS request with that reason instead of trusting anything.
//!
//! rustls-native-certs reads `SSL_CERT_FILE` and `SSL_CERT_DIR` in place of the system's
//! stores; the test runs itself again as a child process with both naming nothing, so the
//! variables are never changed inside a running process.
#![cfg(all(
    not(feature = "native-tls"),
    any(feature = "rustls-ring", feature = "rustls-aws-lc")
))]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod tls;

const CHILD: &str = "PREPAID_RUNTIME_NO_CA_CHILD";
const TEST: &str = "without_ca_certificates_every_https_request_fails_with_the_reason";

#[test]
fn without_ca_certificates_every_https_request_fails_with_the_reason() {
    if std::env::var_os(CHILD).is_some() {
        tokio::runtime::Runtime::new()
            .unwrap()
            .block_on(in_the_child());
        return;
    }
    let empty = std::env::temp_dir().join(format!("prepaid-no-ca-{}", std::process::id()));
    std::fs::create_dir_all(&empty).unwrap();
    let none = empty.join("none.pem");
    std::fs::write(&none, "").unwrap();
    let output = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["--exact", TEST, "--nocapture", "--test-threads", "1"])
        .env(CHILD, "1")
        .env("SSL_CERT_FILE", &none)
        .env("SSL_CERT_DIR", &empty)
        .output()
        .unwrap();
    let _ = std::fs::remove_dir_all(&empty);
    let printed = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(output.status.success(), "{printed}");
    assert!(
        printed.contains("1 passed"),
        "the child ran the test: {printed}"
    );
}

async fn in_the_child() {
    let error = prepaid_client_runtime::http_client()
        .unwrap_err()
        .to_string();
    assert!(error.contains("No CA certificates"), "{error}");

    let client = prepaid_client_runtime::default_http_client();
    let port = tls::TestCa::new().serve(b"{}").await;
    let error = client
        .get(format!("https://127.0.0.1:{port}/"))
        .send()
        .await
        .unwrap_err();
    let mut chain = String::new();
    let mut source: Option<&dyn std::error::Error> = Some(&error);
    while let Some(e) = source {
        chain.push_str(&format!("{e}; "));
        source = e.source();
    }
    assert!(
        chain.contains("cannot build the HTTP client") && chain.contains("No CA certificates"),
        "{chain}"
    );
}

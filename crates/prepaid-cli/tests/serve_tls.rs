//! `prepaid serve` off loopback: TLS and basic auth from `--web.config.file` (the exporter
//! toolkit's format), with a real TLS client; and the refusal to listen where other machines
//! can reach it without them.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;

const PASSWORD: &str = "pw-SENTINEL-4242";

/// A self-signed certificate for 127.0.0.1 and `localhost`, its key, and a web config
/// with TLS and user `prom`, all in `dir`; returns the certificate (PEM).
fn web_config(dir: &Path) -> String {
    let cert =
        rcgen::generate_simple_self_signed(vec!["127.0.0.1".into(), "localhost".into()]).unwrap();
    let pem = cert.cert.pem();
    std::fs::write(dir.join("prepaid.crt"), &pem).unwrap();
    std::fs::write(dir.join("prepaid.key"), cert.signing_key.serialize_pem()).unwrap();
    let hash = bcrypt::hash(PASSWORD, 4).unwrap();
    std::fs::write(
        dir.join("web.yml"),
        format!(
            "tls_server_config:\n  cert_file: prepaid.crt\n  key_file: prepaid.key\nbasic_auth_users:\n  prom: {hash}\n"
        ),
    )
    .unwrap();
    pem
}

/// `prepaid serve --demo` with `args`, logging at TRACE into `log`; the child and the URL it
/// printed, or its exit status if it stopped.
fn serve(args: &[&str], log: &Path) -> Result<(Child, String), std::process::ExitStatus> {
    let mut child = Command::new(env!("CARGO_BIN_EXE_prepaid"))
        .args(["serve", "--demo", "-vvv"])
        .args(args)
        .env_clear()
        .env("PREPAID_NO_HISTORY", "1")
        .stdout(Stdio::piped())
        .stderr(std::fs::File::create(log).unwrap())
        .spawn()
        .unwrap();
    match common::listening_url(&mut child) {
        Some(url) => Ok((child, url)),
        None => Err(child.wait().unwrap()),
    }
}

fn stop(child: Child) {
    assert!(common::terminate(child).success());
}

/// A client that trusts only `certificate`.
fn client_trusting(certificate: &str) -> reqwest::Client {
    use rustls::pki_types::CertificateDer;
    use rustls::pki_types::pem::PemObject as _;
    let mut roots = rustls::RootCertStore::empty();
    roots
        .add(CertificateDer::from_pem_slice(certificate.as_bytes()).unwrap())
        .unwrap();
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_root_certificates(roots)
    .with_no_client_auth();
    reqwest::Client::builder()
        .tls_backend_preconfigured(config)
        .build()
        .unwrap()
}

#[tokio::test]
async fn tls_and_basic_auth_from_the_web_config_file() {
    let dir = tempfile::tempdir().unwrap();
    let certificate = web_config(dir.path());
    let log = dir.path().join("serve.log");
    let config = dir.path().join("web.yml");
    let (child, url) = serve(
        &[
            "--listen",
            "127.0.0.1:0",
            "--web.config.file",
            config.to_str().unwrap(),
        ],
        &log,
    )
    .unwrap();
    assert!(url.starts_with("https://127.0.0.1:"), "{url}");
    let client = client_trusting(&certificate);

    // Right credentials: the metrics (once the first refresh is done).
    let mut body = String::new();
    for _ in 0..100 {
        let response = client
            .get(&url)
            .basic_auth("prom", Some(PASSWORD))
            .send()
            .await
            .unwrap();
        if response.status() == 200 {
            body = response.text().await.unwrap();
            break;
        }
        assert_eq!(response.status(), 503);
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(body.contains("prepaid_balance{"), "{body}");

    // Wrong password, unknown user, no credentials, another scheme: 401 with a challenge,
    // on every path.
    for (path, user, password) in [
        ("/metrics", Some("prom"), Some("wrong")),
        ("/metrics", Some("someone"), Some(PASSWORD)),
        ("/metrics", None, None),
        ("/healthz", None, None),
        ("/", Some("prom"), Some("")),
    ] {
        let mut request = client.get(url.replace("/metrics", path));
        if let Some(user) = user {
            request = request.basic_auth(user, password);
        }
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), 401, "{path} {user:?}");
        let challenge = response.headers().get("www-authenticate").unwrap();
        assert!(
            challenge
                .to_str()
                .unwrap()
                .starts_with("Basic realm=\"prepaid\"")
        );
    }
    let bearer = client.get(&url).bearer_auth(PASSWORD).send().await.unwrap();
    assert_eq!(bearer.status(), 401);

    // Plain HTTP to the TLS port gets no metrics.
    let plain = prepaid_client_runtime::http_client().unwrap();
    let over_http = plain
        .get(url.replace("https://", "http://"))
        .basic_auth("prom", Some(PASSWORD))
        .send()
        .await;
    assert!(over_http.is_err() || over_http.unwrap().status() != 200);
    // A client that does not trust the certificate cannot connect.
    assert!(plain.get(&url).send().await.is_err());

    stop(child);
    let logged = std::fs::read_to_string(&log).unwrap();
    assert!(logged.contains("TRACE"), "logged at TRACE: {logged}");
    for secret in [
        PASSWORD,
        "SENTINEL",
        "cHJvbTpwdy1TRU5USU5FTC00MjQy",
        "$2b$04$",
    ] {
        assert!(!logged.contains(secret), "{secret} in the log");
    }
}

#[test]
fn off_loopback_without_tls_and_auth_is_refused_unless_allowed() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("serve.log");
    let status = serve(&["--listen", "0.0.0.0:0"], &log).err().unwrap();
    assert_eq!(status.code(), Some(2));
    let said = std::fs::read_to_string(&log).unwrap();
    assert!(
        said.contains("error: --listen 0.0.0.0:0 is reachable from other machines, and without TLS (tls_server_config) and basic auth (basic_auth_users)"),
        "{said}"
    );

    // TLS without users is refused too: anyone could still read the balances.
    web_config(dir.path());
    let tls_only = dir.path().join("tls-only.yml");
    std::fs::write(
        &tls_only,
        "tls_server_config:\n  cert_file: prepaid.crt\n  key_file: prepaid.key\n",
    )
    .unwrap();
    let status = serve(
        &[
            "--listen",
            "0.0.0.0:0",
            "--web.config.file",
            tls_only.to_str().unwrap(),
        ],
        &log,
    )
    .err()
    .unwrap();
    assert_eq!(status.code(), Some(2));
    assert!(
        std::fs::read_to_string(&log)
            .unwrap()
            .contains("without basic auth (basic_auth_users)")
    );

    // Said explicitly: it listens, with a warning.
    let (child, url) = serve(&["--listen", "0.0.0.0:0", "--allow-insecure-listen"], &log).unwrap();
    assert!(url.starts_with("http://0.0.0.0:"), "{url}");
    stop(child);
    assert!(std::fs::read_to_string(&log).unwrap().contains("WARN"));

    // With both: it listens.
    let config = dir.path().join("web.yml");
    let (child, url) = serve(
        &[
            "--listen",
            "0.0.0.0:0",
            "--web.config.file",
            config.to_str().unwrap(),
        ],
        &log,
    )
    .unwrap();
    assert!(url.starts_with("https://"), "{url}");
    stop(child);
}

#[test]
fn a_bad_web_config_is_exit_2_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("web.yml");
    std::fs::write(&config, "basic_auth_users:\n  prom: hunter2\n").unwrap();
    let log = dir.path().join("serve.log");
    let status = serve(&["--web.config.file", config.to_str().unwrap()], &log)
        .err()
        .unwrap();
    assert_eq!(status.code(), Some(2));
    let said = std::fs::read_to_string(&log).unwrap();
    assert!(
        said.contains("basic_auth_users.prom is not a bcrypt hash"),
        "{said}"
    );
    assert!(!said.contains("hunter2"), "{said}");
}

#[test]
fn an_address_in_use_is_an_io_failure_exit_5() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = taken.local_addr().unwrap().to_string();
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("serve.log");
    let status = serve(&["--listen", &address], &log).err().unwrap();
    assert_eq!(status.code(), Some(5));
    let said = std::fs::read_to_string(&log).unwrap();
    assert!(
        said.contains(&format!("error: cannot listen on {address}")),
        "{said}"
    );
}

/// `--ca-file` takes effect: a vendor on loopback behind a certificate no system store
/// trusts (here `serve` itself, whose TLS answers 401 without basic auth) is reached with
/// the file and refused without it; a file that is not PEM certificates is exit 2.
#[test]
fn ca_file_adds_a_trusted_certificate_authority() {
    let dir = tempfile::tempdir().unwrap();
    web_config(dir.path());
    let config = dir.path().join("web.yml");
    let log = dir.path().join("serve.log");
    let (child, url) = serve(
        &[
            "--listen",
            "127.0.0.1:0",
            "--web.config.file",
            config.to_str().unwrap(),
        ],
        &log,
    )
    .unwrap();
    let base_url = url
        .trim_end_matches("/metrics")
        .trim_end_matches('/')
        .to_string();
    let run = |extra: &[&str]| {
        let output = Command::new(env!("CARGO_BIN_EXE_prepaid"))
            .args(["--format", "json"])
            .args(extra)
            .env_clear()
            .env("PREPAID_NO_HISTORY", "1")
            .env("VENICE_API_KEY", "venice-key")
            .env("VENICE_BASE_URL", &base_url)
            .output()
            .unwrap();
        let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap_or_default();
        (
            output.status.code(),
            json,
            String::from_utf8_lossy(&output.stderr).to_string(),
        )
    };
    let ca = dir.path().join("prepaid.crt");
    let (code, json, stderr) = run(&["--ca-file", ca.to_str().unwrap()]);
    assert_eq!(code, Some(3), "{stderr}");
    let error = &json["accounts"][0]["error"];
    assert_eq!(
        error["kind"], "unauthorized",
        "TLS was accepted, HTTP answered: {json}"
    );
    assert_eq!(error["status"], 401, "{json}");

    let (code, json, stderr) = run(&[]);
    assert_eq!(code, Some(3), "{stderr}");
    assert_eq!(json["accounts"][0]["error"]["kind"], "network", "{json}");

    // The bundled roots (Mozilla's) do not hold this CA either; --ca-file adds it to them.
    #[cfg(feature = "webpki-roots")]
    {
        let (_, json, _) = run(&["--bundled-roots"]);
        assert_eq!(json["accounts"][0]["error"]["kind"], "network", "{json}");
        let (_, json, _) = run(&["--bundled-roots", "--ca-file", ca.to_str().unwrap()]);
        assert_eq!(
            json["accounts"][0]["error"]["kind"], "unauthorized",
            "{json}"
        );
    }
    #[cfg(not(feature = "webpki-roots"))]
    {
        let (code, _, stderr) = run(&["--bundled-roots"]);
        assert_eq!(code, Some(2));
        assert!(stderr.contains("`webpki-roots`"), "{stderr}");
    }
    stop(child);

    let not_pem = dir.path().join("web.yml");
    let (code, _, stderr) = run(&["--ca-file", not_pem.to_str().unwrap()]);
    assert_eq!(code, Some(2));
    assert!(
        stderr.starts_with("error: ") && stderr.contains("CA certificates"),
        "{stderr}"
    );
    let (code, _, stderr) = run(&["--ca-file", "/nonexistent/ca.pem"]);
    assert_eq!(code, Some(2));
    assert!(stderr.contains("--ca-file /nonexistent/ca.pem"), "{stderr}");
}

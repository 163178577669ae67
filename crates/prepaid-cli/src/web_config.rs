//! `--web.config.file`: TLS and basic authentication for `prepaid serve`, in the file format
//! of Prometheus' exporter toolkit, so an operator configures prepaid like node_exporter:
//!
//! ```yaml
//! tls_server_config:
//!   cert_file: prepaid.crt      # relative to this file's folder
//!   key_file: prepaid.key
//! basic_auth_users:
//!   prometheus: $2y$10$...      # bcrypt hash, e.g. from `htpasswd -nBC 10 prometheus`
//! ```
//!
//! The other settings the toolkit knows (client certificates, cipher suites, HTTP headers)
//! are refused by name rather than ignored.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustls::pki_types::pem::PemObject as _;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use secrecy::{ExposeSecret as _, SecretString};
use serde::Deserialize;

/// The file as written.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    tls_server_config: Option<TlsFiles>,
    #[serde(default)]
    basic_auth_users: BTreeMap<String, SecretString>,
}

/// `tls_server_config`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TlsFiles {
    cert_file: PathBuf,
    key_file: PathBuf,
}

/// What `serve` needs from the file: a TLS configuration and the users who may scrape.
#[derive(Default)]
pub struct WebConfig {
    /// Serve HTTPS with this, if set.
    pub tls: Option<Arc<rustls::ServerConfig>>,
    /// Who may scrape: user name and bcrypt hash. Empty: no authentication.
    pub users: Arc<Users>,
}

/// The users of `basic_auth_users`, whose hashes never show in `Debug`.
#[derive(Default)]
pub struct Users(BTreeMap<String, SecretString>);

impl std::fmt::Debug for Users {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.0.keys()).finish()
    }
}

impl Users {
    /// Whether any user is configured (and so every request must authenticate).
    pub fn required(&self) -> bool {
        !self.0.is_empty()
    }

    /// Whether an `Authorization` header's value is `Basic` with a configured user and the
    /// password whose bcrypt hash is on file. Slow on purpose (bcrypt): run off the async
    /// threads.
    pub fn admit(&self, authorization: Option<&[u8]>) -> bool {
        let Some(credentials) = authorization.and_then(basic_credentials) else {
            return false;
        };
        let (user, password) = credentials;
        match self.0.get(&user) {
            Some(hash) => {
                bcrypt::verify(password.expose_secret(), hash.expose_secret()).unwrap_or(false)
            }
            None => {
                // The same work for an unknown user, so timing does not tell who exists.
                let _ = bcrypt::verify(password.expose_secret(), dummy_hash());
                false
            }
        }
    }
}

/// A bcrypt hash (cost 10) of a random password, made once, to check unknown users against.
fn dummy_hash() -> &'static str {
    static HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    HASH.get_or_init(|| {
        let password: [u8; 16] = std::array::from_fn(|_| random_byte());
        bcrypt::hash(password, 10).unwrap_or_default()
    })
}

/// A byte that differs from run to run (for the dummy password; not key material).
fn random_byte() -> u8 {
    use std::hash::{BuildHasher as _, Hasher as _};
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u8(0);
    hasher.finish().to_le_bytes()[0]
}

/// `Basic base64(user:password)` as user and password.
fn basic_credentials(value: &[u8]) -> Option<(String, SecretString)> {
    use base64::Engine as _;
    let text = std::str::from_utf8(value).ok()?;
    let (scheme, encoded) = text.trim().split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .ok()?;
    let decoded = String::from_utf8(decoded).ok()?;
    let (user, password) = decoded.split_once(':')?;
    Some((user.to_string(), SecretString::from(password.to_string())))
}

/// Read and check `path`: the YAML, the certificate chain and the key (paths relative to
/// the file's folder), and every user's hash. Each error names the file and what is wrong;
/// none shows a hash or a key.
pub fn load(path: &Path) -> Result<WebConfig, String> {
    let shown = path.display();
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("--web.config.file {shown}: cannot read: {e}"))?;
    let file: File =
        serde_yaml_ng::from_str(&text).map_err(|e| format!("--web.config.file {shown}: {e}"))?;
    for (user, hash) in &file.basic_auth_users {
        if hash.expose_secret().parse::<bcrypt::HashParts>().is_err() {
            return Err(format!(
                "--web.config.file {shown}: basic_auth_users.{user} is not a bcrypt hash \
                 (make one with `htpasswd -nBC 10 {user}`)"
            ));
        }
    }
    let folder = path.parent().unwrap_or(Path::new("."));
    let tls = match file.tls_server_config {
        Some(files) => Some(Arc::new(server_config(
            &folder.join(&files.cert_file),
            &folder.join(&files.key_file),
        )?)),
        None => None,
    };
    Ok(WebConfig {
        tls,
        users: Arc::new(Users(file.basic_auth_users)),
    })
}

/// A rustls server configuration from PEM files, with the crypto provider this build uses
/// for its clients (aws-lc-rs with `rustls-aws-lc`, ring otherwise).
fn server_config(cert_file: &Path, key_file: &Path) -> Result<rustls::ServerConfig, String> {
    let chain = CertificateDer::pem_file_iter(cert_file)
        .and_then(|certificates| certificates.collect::<Result<Vec<_>, _>>())
        .map_err(|e| format!("tls_server_config.cert_file {}: {e}", cert_file.display()))?;
    if chain.is_empty() {
        return Err(format!(
            "tls_server_config.cert_file {}: no certificate in it",
            cert_file.display()
        ));
    }
    let key = PrivateKeyDer::from_pem_file(key_file).map_err(|e| {
        format!(
            "tls_server_config.key_file {}: no private key read: {e}",
            key_file.display()
        )
    })?;
    #[cfg(feature = "rustls-aws-lc")]
    let provider = rustls::crypto::aws_lc_rs::default_provider();
    // Deprecated by rustls 0.23.48 (no post-quantum key exchange), and still the
    // `rustls-ring` build's provider: `rustls-aws-lc` has post-quantum key exchange.
    #[cfg(not(feature = "rustls-aws-lc"))]
    #[allow(deprecated)]
    let provider = rustls::crypto::ring::default_provider();
    let mut config = rustls::ServerConfig::builder_with_provider(Arc::new(provider))
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("TLS: {e}"))?
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .map_err(|e| {
            format!(
                "tls_server_config: {} and {} do not make a certificate and its key: {e}",
                cert_file.display(),
                key_file.display()
            )
        })?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(config)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basic_credentials_are_read_and_anything_else_is_refused() {
        // "prometheus:s3cret: with colon"
        let header = b"Basic cHJvbWV0aGV1czpzM2NyZXQ6IHdpdGggY29sb24=";
        let Some((user, password)) = basic_credentials(header) else {
            unreachable!("not read")
        };
        assert_eq!(user, "prometheus");
        assert_eq!(password.expose_secret(), "s3cret: with colon");
        for refused in [
            &b"Bearer cHJvbWV0aGV1czpzM2NyZXQ="[..],
            b"Basic !!!",
            b"Basic",
            b"Basic bm9jb2xvbg==", // "nocolon"
            b"\xff\xfe",
        ] {
            assert!(basic_credentials(refused).is_none(), "{refused:?}");
        }
    }

    #[test]
    fn users_are_admitted_only_with_their_password() {
        let hash = bcrypt::hash("right", 4).unwrap_or_default();
        let users = Users(BTreeMap::from([(
            "prom".to_string(),
            SecretString::from(hash),
        )]));
        use base64::Engine as _;
        let header = |credentials: &str| {
            format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD.encode(credentials)
            )
        };
        assert!(users.admit(Some(header("prom:right").as_bytes())));
        assert!(!users.admit(Some(header("prom:wrong").as_bytes())));
        assert!(!users.admit(Some(header("other:right").as_bytes())));
        assert!(!users.admit(None));
        assert_eq!(format!("{users:?}"), r#"["prom"]"#, "no hash in Debug");
    }

    #[test]
    fn a_bad_file_is_one_error_naming_what_is_wrong() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| unreachable!("{e}"));
        let write = |text: &str| {
            let path = dir.path().join("web.yml");
            std::fs::write(&path, text).unwrap_or_else(|e| unreachable!("{e}"));
            load(&path).err().unwrap_or_default()
        };
        assert!(
            write("basic_auth_users:\n  prom: plain-password\n")
                .contains("basic_auth_users.prom is not a bcrypt hash")
        );
        assert!(!write("basic_auth_users:\n  prom: plain-password\n").contains("plain-password"));
        assert!(write("tls_server_config:\n  cert_file: a.crt\n  key_file: a.key\n  client_ca_file: ca.crt\n")
            .contains("unknown field `client_ca_file`"));
        assert!(
            write("tls_server_config:\n  cert_file: missing.crt\n  key_file: missing.key\n")
                .contains("tls_server_config.cert_file")
        );
        assert!(
            write("http_server_config:\n  http2: true\n")
                .contains("unknown field `http_server_config`")
        );
        assert!(write(": not yaml [").contains("--web.config.file"));
    }
}

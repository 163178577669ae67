//! The HTTP client a generated client builds for itself.

use crate::TrustRoots;

/// Same-origin redirects followed before giving up.
pub const MAX_REDIRECTS: usize = 5;

/// A redirect to another origin, refused so the key never reaches it. It is in the source
/// chain of the request's error.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct CrossOriginRedirect {
    /// The origin the vendor redirected to (`https://elsewhere.example`).
    pub to: String,
}

impl std::fmt::Display for CrossOriginRedirect {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "redirect to another origin ({}) not followed", self.to)
    }
}

impl std::error::Error for CrossOriginRedirect {}

/// Follow redirects only within the origin (scheme, host and port) they start from, at
/// most [`MAX_REDIRECTS`] times; a redirect elsewhere fails with [`CrossOriginRedirect`].
/// reqwest drops sensitive headers across hosts itself; this policy does not even ask.
pub fn same_origin_redirects() -> reqwest::redirect::Policy {
    reqwest::redirect::Policy::custom(|attempt| {
        let next = attempt.url();
        let same_origin = attempt.previous().last().is_some_and(|prev| {
            prev.scheme() == next.scheme()
                && prev.host_str() == next.host_str()
                && prev.port_or_known_default() == next.port_or_known_default()
        });
        if !same_origin {
            let to = next.origin().ascii_serialization();
            attempt.error(CrossOriginRedirect { to })
        } else if attempt.previous().len() > MAX_REDIRECTS {
            attempt.error(format!("more than {MAX_REDIRECTS} redirects"))
        } else {
            attempt.follow()
        }
    })
}

/// How long [`http_client`] waits for a connection to be set up.
pub const DEFAULT_CONNECT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

/// How long [`http_client`] waits for a whole request, body included: a stalled vendor
/// fails the call instead of holding it forever.
pub const DEFAULT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

/// A new `reqwest::Client` from [`client_builder`], with [`DEFAULT_CONNECT_TIMEOUT`] and
/// [`DEFAULT_TIMEOUT`]: what a generated client's `with_api_key` uses. Share one per
/// process; building one is not cheap.
pub fn http_client() -> Result<reqwest::Client, BuildError> {
    client_builder()?
        .connect_timeout(DEFAULT_CONNECT_TIMEOUT)
        .timeout(DEFAULT_TIMEOUT)
        .build()
        .map_err(|e| BuildError(Box::new(e)))
}

/// What a generated client's `Client::new` (progenitor's constructor, which cannot fail)
/// sends with: [`http_client`]. If that cannot be built (no CA certificates on the machine,
/// say), a client with the same redirect policy and timeouts whose every HTTPS request fails
/// with the reason, rather than a panic or a client that trusts anything. Call
/// [`http_client`] to see the error when building.
pub fn default_http_client() -> reqwest::Client {
    match http_client() {
        Ok(client) => client,
        Err(error) => unusable::client(&error),
    }
}

/// Why an HTTP client could not be built: its TLS setup (the platform's trust store could
/// not be read, say) or reqwest's own checks.
#[derive(Debug)]
pub struct BuildError(Box<dyn std::error::Error + Send + Sync>);

impl BuildError {
    /// A build error saying `message`.
    pub(crate) fn new(message: impl Into<String>) -> Self {
        Self(message.into().into())
    }
}

impl std::fmt::Display for BuildError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "cannot build the HTTP client: {}", self.0)
    }
}

impl std::error::Error for BuildError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(self.0.as_ref())
    }
}

/// A `reqwest::ClientBuilder` with [`same_origin_redirects`] and the TLS this crate was
/// built with, trusting the platform's store, and no timeout: for callers that add their
/// own settings (timeouts, pool, user agent, proxies). [`http_client`] is this with the
/// default timeouts; [`client_builder_trusting`] chooses the roots.
///
/// The TLS comes from one feature: `rustls-ring` (the default), `rustls-aws-lc` or
/// `native-tls`. When several are on (`--all-features`), the choice is fixed: `native-tls`
/// first, then `rustls-aws-lc`, then `rustls-ring`. A rustls client is built with its
/// crypto provider given explicitly (never a process-wide default).
pub fn client_builder() -> Result<reqwest::ClientBuilder, BuildError> {
    client_builder_trusting(&TrustRoots::platform())
}

/// [`client_builder`], trusting `roots`: the platform's store or the compiled-in roots,
/// and any extra CAs.
pub fn client_builder_trusting(roots: &TrustRoots) -> Result<reqwest::ClientBuilder, BuildError> {
    tls(
        reqwest::Client::builder().redirect(same_origin_redirects()),
        roots,
    )
}

#[cfg(feature = "native-tls")]
fn tls(
    builder: reqwest::ClientBuilder,
    roots: &TrustRoots,
) -> Result<reqwest::ClientBuilder, BuildError> {
    let certificate =
        |der: &[u8]| reqwest::Certificate::from_der(der).map_err(|e| BuildError(Box::new(e)));
    let extra = roots
        .extra()
        .map(certificate)
        .collect::<Result<Vec<_>, _>>()?;
    let builder = builder.tls_backend_native();
    #[cfg(feature = "webpki-roots")]
    if roots.is_bundled() {
        let mut only = roots
            .bundled_certificates()
            .iter()
            .map(|der| certificate(der.as_ref()))
            .collect::<Result<Vec<_>, _>>()?;
        only.extend(extra);
        return Ok(builder.tls_certs_only(only));
    }
    Ok(if extra.is_empty() {
        builder
    } else {
        builder.tls_certs_merge(extra)
    })
}

#[cfg(all(
    not(feature = "native-tls"),
    any(feature = "rustls-ring", feature = "rustls-aws-lc")
))]
fn tls(
    builder: reqwest::ClientBuilder,
    roots: &TrustRoots,
) -> Result<reqwest::ClientBuilder, BuildError> {
    use std::sync::Arc;
    let failed = |e: rustls::Error| BuildError(Box::new(e));
    let provider = Arc::new(provider());
    let versions = rustls::ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(failed)?;
    let verifier: Arc<dyn rustls::client::danger::ServerCertVerifier> = {
        #[cfg(feature = "webpki-roots")]
        if roots.is_bundled() {
            let mut store = rustls::RootCertStore::empty();
            store.add_parsable_certificates(roots.bundled_certificates().iter().cloned());
            for cert in roots.extra_certificates() {
                store.add(cert).map_err(failed)?;
            }
            rustls::client::WebPkiServerVerifier::builder_with_provider(Arc::new(store), provider)
                .build()
                .map_err(|e| BuildError(Box::new(e)))?
        } else {
            platform_verifier(roots, provider)?
        }
        #[cfg(not(feature = "webpki-roots"))]
        platform_verifier(roots, provider)?
    };
    let config = versions
        .dangerous()
        .with_custom_certificate_verifier(verifier)
        .with_no_client_auth();
    Ok(builder.tls_backend_preconfigured(config))
}

/// The platform's verifier, with `roots`' extra CAs.
#[cfg(all(
    not(feature = "native-tls"),
    any(feature = "rustls-ring", feature = "rustls-aws-lc")
))]
fn platform_verifier(
    roots: &TrustRoots,
    provider: std::sync::Arc<rustls::crypto::CryptoProvider>,
) -> Result<std::sync::Arc<dyn rustls::client::danger::ServerCertVerifier>, BuildError> {
    rustls_platform_verifier::Verifier::new_with_extra_roots(roots.extra_certificates(), provider)
        .map(|verifier| std::sync::Arc::new(verifier) as _)
        .map_err(|e| BuildError(Box::new(e)))
}

/// The crypto provider of the rustls feature this crate was built with, named explicitly.
#[cfg(all(
    not(feature = "native-tls"),
    any(feature = "rustls-ring", feature = "rustls-aws-lc")
))]
fn provider() -> rustls::crypto::CryptoProvider {
    #[cfg(feature = "rustls-aws-lc")]
    let provider = rustls::crypto::aws_lc_rs::default_provider();
    // rustls 0.23.48 deprecates ring's provider for having no post-quantum key exchange;
    // ring is still this feature's choice (rustls-aws-lc has it), so the warning is not
    // passed on to every crate built against this one.
    #[cfg(not(feature = "rustls-aws-lc"))]
    #[allow(deprecated)]
    let provider = rustls::crypto::ring::default_provider();
    provider
}

#[cfg(not(any(
    feature = "native-tls",
    feature = "rustls-ring",
    feature = "rustls-aws-lc"
)))]
compile_error!(
    "prepaid-client-runtime needs one TLS feature: rustls-ring (the default), rustls-aws-lc or native-tls"
);

/// The client [`default_http_client`] falls back to when the real one cannot be built.
#[cfg(all(
    not(feature = "native-tls"),
    any(feature = "rustls-ring", feature = "rustls-aws-lc")
))]
mod unusable {
    use std::sync::Arc;

    use rustls::DigitallySignedStruct;
    use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
    use rustls::crypto::CryptoProvider;
    use rustls::pki_types::{CertificateDer, ServerName, UnixTime};

    use super::{BuildError, DEFAULT_CONNECT_TIMEOUT, DEFAULT_TIMEOUT, same_origin_redirects};

    /// Refuses every server certificate, saying why no real verifier could be built.
    #[derive(Debug)]
    struct Refuse {
        reason: String,
        provider: Arc<CryptoProvider>,
    }

    impl Refuse {
        fn refused<T>(&self) -> Result<T, rustls::Error> {
            Err(rustls::Error::General(self.reason.clone()))
        }
    }

    impl ServerCertVerifier for Refuse {
        fn verify_server_cert(
            &self,
            _end_entity: &CertificateDer<'_>,
            _intermediates: &[CertificateDer<'_>],
            _server_name: &ServerName<'_>,
            _ocsp_response: &[u8],
            _now: UnixTime,
        ) -> Result<ServerCertVerified, rustls::Error> {
            self.refused()
        }

        fn verify_tls12_signature(
            &self,
            _message: &[u8],
            _cert: &CertificateDer<'_>,
            _dss: &DigitallySignedStruct,
        ) -> Result<HandshakeSignatureValid, rustls::Error> {
            self.refused()
        }

        fn verify_tls13_signature(
            &self,
            _message: &[u8],
            _cert: &CertificateDer<'_>,
            _dss: &DigitallySignedStruct,
        ) -> Result<HandshakeSignatureValid, rustls::Error> {
            self.refused()
        }

        fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
            self.provider
                .signature_verification_algorithms
                .supported_schemes()
        }
    }

    /// A client whose every HTTPS request fails with `error`'s message.
    pub(super) fn client(error: &BuildError) -> reqwest::Client {
        let provider = Arc::new(super::provider());
        let verifier = Refuse {
            reason: error.to_string(),
            provider: provider.clone(),
        };
        let builder = reqwest::Client::builder()
            .redirect(same_origin_redirects())
            .connect_timeout(DEFAULT_CONNECT_TIMEOUT)
            .timeout(DEFAULT_TIMEOUT);
        let config = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map(|config| {
                config
                    .dangerous()
                    .with_custom_certificate_verifier(Arc::new(verifier))
                    .with_no_client_auth()
            });
        // Neither step can fail with the providers this crate names (both support TLS 1.2
        // and 1.3, and the config is rustls's own); if one ever did, reqwest's own plain
        // client is the last resort, as it is for `reqwest::Client::new()`.
        config
            .ok()
            .and_then(|config| builder.tls_backend_preconfigured(config).build().ok())
            .unwrap_or_default()
    }
}

/// The client [`default_http_client`] falls back to when the real one cannot be built.
#[cfg(feature = "native-tls")]
mod unusable {
    /// The platform's TLS library could not be set up: reqwest's own client, as
    /// `reqwest::Client::new()` builds it, is the only one left.
    pub(super) fn client(_error: &super::BuildError) -> reqwest::Client {
        reqwest::Client::default()
    }
}

//! The HTTP client a generated client builds for itself.

/// Same-origin redirects followed before giving up.
pub const MAX_REDIRECTS: usize = 5;

/// A redirect to another origin, refused so the key never reaches it. It is in the source
/// chain of the request's error.
#[derive(Debug, Clone, PartialEq, Eq)]
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

/// A new `reqwest::Client` from [`client_builder`]: what a generated client's
/// `with_api_key` uses. Share one per process; building one is not cheap.
pub fn http_client() -> Result<reqwest::Client, BuildError> {
    client_builder()?
        .build()
        .map_err(|e| BuildError(Box::new(e)))
}

/// Why an HTTP client could not be built: its TLS setup (the platform's trust store could
/// not be read, say) or reqwest's own checks.
#[derive(Debug)]
pub struct BuildError(Box<dyn std::error::Error + Send + Sync>);

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
/// built with, for callers that add their own settings (timeouts, pool, user agent).
///
/// The TLS comes from one feature: `rustls-ring` (the default), `rustls-aws-lc` or
/// `native-tls`. When several are on (`--all-features`), the choice is fixed: `native-tls`
/// first, then `rustls-aws-lc`, then `rustls-ring`. A rustls client is built with its
/// crypto provider given explicitly (never a process-wide default), and verifies
/// certificates against the platform's trust store.
pub fn client_builder() -> Result<reqwest::ClientBuilder, BuildError> {
    tls(reqwest::Client::builder().redirect(same_origin_redirects()))
}

#[cfg(feature = "native-tls")]
fn tls(builder: reqwest::ClientBuilder) -> Result<reqwest::ClientBuilder, BuildError> {
    Ok(builder.tls_backend_native())
}

#[cfg(all(
    not(feature = "native-tls"),
    any(feature = "rustls-ring", feature = "rustls-aws-lc")
))]
fn tls(builder: reqwest::ClientBuilder) -> Result<reqwest::ClientBuilder, BuildError> {
    use rustls_platform_verifier::BuilderVerifierExt;
    #[cfg(feature = "rustls-aws-lc")]
    let provider = rustls::crypto::aws_lc_rs::default_provider();
    #[cfg(not(feature = "rustls-aws-lc"))]
    let provider = rustls::crypto::ring::default_provider();
    let config = rustls::ClientConfig::builder_with_provider(std::sync::Arc::new(provider))
        .with_safe_default_protocol_versions()
        .and_then(|config| config.with_platform_verifier())
        .map(|config| config.with_no_client_auth())
        .map_err(|e| BuildError(Box::new(e)))?;
    Ok(builder.tls_backend_preconfigured(config))
}

#[cfg(not(any(
    feature = "native-tls",
    feature = "rustls-ring",
    feature = "rustls-aws-lc"
)))]
compile_error!(
    "prepaid-client-runtime needs one TLS feature: rustls-ring (the default), rustls-aws-lc or native-tls"
);

//! Which certificate authorities an HTTP client trusts.

use rustls_pki_types::CertificateDer;
use rustls_pki_types::pem::PemObject;

use crate::BuildError;

/// The certificate authorities a client from [`client_builder_trusting`] trusts: the
/// platform's store (the default), or Mozilla's roots compiled into the program (the
/// `webpki-roots` feature, for scratch and distroless images that have no store), plus any
/// extra CAs given (a company's TLS-inspecting proxy, a private gateway).
///
/// [`client_builder_trusting`]: crate::client_builder_trusting
#[derive(Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct TrustRoots {
    bundled: bool,
    extra: Vec<CertificateDer<'static>>,
}

impl std::fmt::Debug for TrustRoots {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TrustRoots")
            .field("bundled", &self.bundled)
            .field("extra", &self.extra.len())
            .finish()
    }
}

impl TrustRoots {
    /// The platform's trust store (on Linux the system's CA bundle, or `SSL_CERT_FILE` /
    /// `SSL_CERT_DIR`).
    pub fn platform() -> Self {
        Self::default()
    }

    /// Mozilla's root CAs as compiled into this program (the `webpki-roots` feature), not
    /// the platform's store: for images without one.
    #[cfg(feature = "webpki-roots")]
    pub fn bundled() -> Self {
        Self {
            bundled: true,
            extra: Vec::new(),
        }
    }

    /// Whether these are the compiled-in roots rather than the platform's.
    pub fn is_bundled(&self) -> bool {
        self.bundled
    }

    /// These roots and every certificate in `pem` (one or more `BEGIN CERTIFICATE` blocks).
    /// Text that holds no certificate, or a block that does not decode, is an error.
    pub fn with_pem(mut self, pem: &[u8]) -> Result<Self, BuildError> {
        let found = CertificateDer::pem_slice_iter(pem)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|error| BuildError::new(format!("the CA certificates: {error}")))?;
        if found.is_empty() {
            return Err(BuildError::new(
                "the CA certificates: no `BEGIN CERTIFICATE` block in the PEM text",
            ));
        }
        self.extra.extend(found);
        Ok(self)
    }

    /// The extra CA certificates, DER-encoded.
    pub fn extra(&self) -> impl Iterator<Item = &[u8]> {
        self.extra.iter().map(|cert| cert.as_ref())
    }

    /// The extra certificates, owned (for rustls).
    #[cfg(all(
        not(feature = "native-tls"),
        any(feature = "rustls-ring", feature = "rustls-aws-lc")
    ))]
    pub(crate) fn extra_certificates(&self) -> Vec<CertificateDer<'static>> {
        self.extra.clone()
    }

    /// The compiled-in roots, when chosen.
    #[cfg(feature = "webpki-roots")]
    pub(crate) fn bundled_certificates(&self) -> &'static [CertificateDer<'static>] {
        if self.bundled {
            webpki_root_certs::TLS_SERVER_ROOT_CERTS
        } else {
            &[]
        }
    }
}

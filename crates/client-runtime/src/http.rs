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

/// A new `reqwest::Client` with [`same_origin_redirects`]: what a generated client's
/// `with_api_key` uses. Share one per process; building one is not cheap.
pub fn http_client() -> reqwest::Result<reqwest::Client> {
    reqwest::Client::builder()
        .redirect(same_origin_redirects())
        .build()
}

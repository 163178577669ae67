//! `Credentials`: the one header that authenticates a request.

use reqwest::header::{AUTHORIZATION, HeaderName, HeaderValue};

/// What authenticates a request: one header, set on every request by the client's hooks.
/// Its `Debug` output never shows the value.
#[derive(Clone, Default)]
pub struct Credentials {
    header: Option<(HeaderName, HeaderValue)>,
}

/// An API key that cannot be sent in an HTTP header (empty, or with whitespace or control
/// characters). It never holds the key itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidApiKey;

impl std::fmt::Display for InvalidApiKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the API key is empty or contains whitespace or control characters")
    }
}

impl std::error::Error for InvalidApiKey {}

impl Credentials {
    /// No credentials: requests go out unauthenticated.
    pub fn none() -> Self {
        Self::default()
    }

    /// The key as `Authorization: Bearer <key>` (an HTTP `bearer` security scheme).
    pub fn bearer(api_key: &str) -> Result<Self, InvalidApiKey> {
        check(api_key)?;
        Self::with_header(AUTHORIZATION, format!("Bearer {api_key}"))
    }

    /// The key as the value of header `name` (an `apiKey` security scheme `in: header`).
    /// A `name` that is not a valid header name is refused like a key that cannot be sent.
    pub fn header(name: &str, api_key: &str) -> Result<Self, InvalidApiKey> {
        check(api_key)?;
        let name = HeaderName::try_from(name).map_err(|_| InvalidApiKey)?;
        Self::with_header(name, api_key.to_string())
    }

    fn with_header(name: HeaderName, value: String) -> Result<Self, InvalidApiKey> {
        let mut value = HeaderValue::try_from(value).map_err(|_| InvalidApiKey)?;
        value.set_sensitive(true);
        Ok(Self {
            header: Some((name, value)),
        })
    }

    /// The header name these credentials set, if any (never the value).
    pub fn header_name(&self) -> Option<&str> {
        self.header.as_ref().map(|(name, _)| name.as_str())
    }

    /// Set the header on `request`, replacing one already there.
    pub fn apply(&self, request: &mut reqwest::Request) {
        if let Some((name, value)) = &self.header {
            request.headers_mut().insert(name.clone(), value.clone());
        }
    }
}

/// Refuse a key that cannot be sent as it is: empty, or with whitespace or control
/// characters (which a header would also reject, but with the key in its message).
fn check(api_key: &str) -> Result<(), InvalidApiKey> {
    if api_key.is_empty() || api_key.chars().any(|c| c.is_whitespace() || c.is_control()) {
        Err(InvalidApiKey)
    } else {
        Ok(())
    }
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("header", &self.header_name())
            .field("value", &self.header.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::{Credentials, InvalidApiKey};

    const KEY: &str = "sk-live-sentinel-0123";

    #[test]
    fn the_key_never_appears_in_debug_output() {
        for credentials in [
            Credentials::bearer(KEY),
            Credentials::header("X-API-Key", KEY),
        ] {
            let debug = format!("{credentials:?}");
            assert!(!debug.contains(KEY), "{debug}");
            assert!(debug.contains("<redacted>"), "{debug}");
        }
    }

    #[test]
    fn keys_that_cannot_be_sent_are_rejected() {
        for bad in ["", "with space", "line\n", "del\u{7f}", "tab\t"] {
            assert_eq!(
                Credentials::bearer(bad).err(),
                Some(InvalidApiKey),
                "{bad:?}"
            );
            assert_eq!(
                Credentials::header("x-api-key", bad).err(),
                Some(InvalidApiKey)
            );
        }
        assert_eq!(
            Credentials::header("bad name", KEY).err(),
            Some(InvalidApiKey)
        );
    }

    #[test]
    fn each_scheme_sets_its_header() -> Result<(), Box<dyn std::error::Error>> {
        let url = reqwest::Url::parse("https://api.example.com/")?;
        let mut request = reqwest::Request::new(reqwest::Method::GET, url);
        Credentials::bearer(KEY)?.apply(&mut request);
        assert_eq!(
            request.headers().get("authorization").map(|v| v.as_bytes()),
            Some(format!("Bearer {KEY}").as_bytes())
        );
        Credentials::header("X-API-Key", KEY)?.apply(&mut request);
        assert_eq!(
            request.headers().get("x-api-key").map(|v| v.as_bytes()),
            Some(KEY.as_bytes())
        );
        assert!(
            request
                .headers()
                .get("x-api-key")
                .is_some_and(|v| v.is_sensitive())
        );
        Credentials::none().apply(&mut request);
        assert_eq!(request.headers().len(), 2);
        Ok(())
    }
}

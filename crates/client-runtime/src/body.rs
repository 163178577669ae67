//! `ClientConfig` and the body readers the generated operations call.

use std::sync::Arc;

use progenitor_client::{Error, ResponseValue};

use crate::Credentials;

/// A hook called with every response (status and headers) before its body is read.
pub type OnResponse = Arc<dyn Fn(&reqwest::Response) + Send + Sync>;

/// A hook called with every response body as it is read, whole or in pieces in order.
pub type OnBody = Arc<dyn Fn(&[u8]) + Send + Sync>;

/// What a generated client sends and how it reads responses: its inner value. Settings may be
/// added in a minor release, so build one with [`ClientConfig::from`] a [`Credentials`] and
/// the `with_` setters.
#[derive(Clone, Default)]
#[non_exhaustive]
pub struct ClientConfig {
    /// Set on every request.
    pub credentials: Credentials,
    /// The largest response body read, in bytes: a longer one fails the request with
    /// [`ResponseTooLarge`] in its error's source chain. `None`: no limit.
    pub max_response_bytes: Option<u64>,
    /// Called with every response (status and headers) before its body is read.
    pub on_response: Option<OnResponse>,
    /// Called with every response body as it is read, whole or in pieces in order: the
    /// exact bytes the vendor sent, fields the spec does not declare included.
    pub on_body: Option<OnBody>,
}

impl std::fmt::Debug for ClientConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientConfig")
            .field("credentials", &self.credentials)
            .field("max_response_bytes", &self.max_response_bytes)
            .field("on_response", &self.on_response.as_ref().map(|_| "Fn"))
            .field("on_body", &self.on_body.as_ref().map(|_| "Fn"))
            .finish()
    }
}

impl From<Credentials> for ClientConfig {
    fn from(credentials: Credentials) -> Self {
        Self {
            credentials,
            ..Self::default()
        }
    }
}

impl ClientConfig {
    /// This configuration reading at most `limit` bytes of a body (`None`: no limit).
    pub fn with_max_response_bytes(mut self, limit: Option<u64>) -> Self {
        self.max_response_bytes = limit;
        self
    }

    /// This configuration calling `hook` with every response before its body is read.
    pub fn with_on_response(mut self, hook: OnResponse) -> Self {
        self.on_response = Some(hook);
        self
    }

    /// This configuration calling `hook` with every response body as it is read.
    pub fn with_on_body(mut self, hook: OnBody) -> Self {
        self.on_body = Some(hook);
        self
    }

    /// Send `request` on `http` and show the response to [`ClientConfig::on_response`]: a
    /// generated client's `ClientHooks::exec`. The body is read later, within the limit, by
    /// [`read_json`] or, for a response the operation does not document, through
    /// [`watched`].
    pub async fn execute(
        &self,
        http: &reqwest::Client,
        request: reqwest::Request,
    ) -> reqwest::Result<reqwest::Response> {
        let response = http.execute(request).await?;
        if let Some(observe) = &self.on_response {
            observe(&response);
        }
        Ok(response)
    }
}

/// A response body longer than [`ClientConfig::max_response_bytes`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ResponseTooLarge {
    /// The limit that was exceeded, in bytes.
    pub limit: u64,
}

impl std::fmt::Display for ResponseTooLarge {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "the response body is larger than {} bytes", self.limit)
    }
}

impl std::error::Error for ResponseTooLarge {}

/// A JSON body as `T`, as progenitor's `ResponseValue::from_response` reads one, but within
/// the config's size limit and shown to its `on_body` hook. A body whose declared length
/// fits is read at once (the connection delivers no more than that); any other is counted
/// as it streams in.
pub async fn read_json<T: serde::de::DeserializeOwned, E>(
    config: &ClientConfig,
    mut response: reqwest::Response,
) -> Result<ResponseValue<T>, Error<E>> {
    let status = response.status();
    let headers = std::mem::take(response.headers_mut());
    let limit = config.max_response_bytes.unwrap_or(u64::MAX);
    let full = if response
        .content_length()
        .is_some_and(|length| length <= limit)
    {
        response.bytes().await
    } else {
        watch_body(response, limit, None).bytes().await
    }
    .map_err(Error::ResponseBodyError)?;
    if let Some(on_body) = &config.on_body {
        on_body(&full);
    }
    match serde_json::from_slice(&full) {
        Ok(inner) => Ok(ResponseValue::new(inner, status, headers)),
        Err(e) => Err(Error::InvalidResponsePayload(full, e)),
    }
}

/// `response`, for the caller to read (an undocumented response, a byte stream), with the
/// config's size limit and `on_body` hook on its body.
pub fn watched(config: &ClientConfig, response: reqwest::Response) -> reqwest::Response {
    match (config.max_response_bytes, &config.on_body) {
        (None, None) => response,
        (limit, on_body) => watch_body(response, limit.unwrap_or(u64::MAX), on_body.clone()),
    }
}

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// `response` with a body that fails with [`ResponseTooLarge`] past `limit` bytes and
/// passes each chunk to `on_body` as it is read.
fn watch_body(
    mut response: reqwest::Response,
    limit: u64,
    on_body: Option<OnBody>,
) -> reqwest::Response {
    let declared_too_large = response
        .content_length()
        .is_some_and(|length| length > limit);
    // Moved, not copied: the original response keeps only its body.
    let (status, version, url) = (
        response.status(),
        response.version(),
        response.url().clone(),
    );
    let headers = std::mem::take(response.headers_mut());
    let extensions = std::mem::take(response.extensions_mut());
    let mut seen: u64 = 0;
    let body = futures_util::StreamExt::map(response.bytes_stream(), move |chunk| {
        let chunk = chunk.map_err(|e| Box::new(e) as BoxError)?;
        seen = seen.saturating_add(chunk.len() as u64);
        if declared_too_large || seen > limit {
            return Err(Box::new(ResponseTooLarge { limit }) as BoxError);
        }
        if let Some(on_body) = &on_body {
            on_body(&chunk);
        }
        Ok(chunk)
    });
    let mut watched = http::Response::new(reqwest::Body::wrap_stream(body));
    *watched.status_mut() = status;
    *watched.version_mut() = version;
    *watched.headers_mut() = headers;
    *watched.extensions_mut() = extensions;
    // Keep the URL, so errors reading the body still say where it came from.
    let with_url = reqwest::ResponseBuilderExt::url(http::Response::builder(), url).body(());
    if let Ok(with_url) = with_url {
        watched
            .extensions_mut()
            .extend(with_url.into_parts().0.extensions);
    }
    reqwest::Response::from(watched)
}

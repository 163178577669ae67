//! The baseline: the same requests as a facade fetch, sent with a bare `reqwest::Client`
//! (one per process, rustls, the same pool and connect-timeout settings as the facade's)
//! and read into `serde_json::Value`. No retries, no timeout per fetch, no tracing span,
//! no body cap, no typed decoding, no exact money: what the facade adds is what the
//! comparison measures.

use std::time::Duration;

use futures_util::StreamExt;
use prepaid::Provider;
use reqwest::header::{AUTHORIZATION, HeaderName, HeaderValue};
use serde_json::Value;

use crate::bodies;

/// Why a bare fetch failed.
#[derive(Debug)]
pub enum BareError {
    /// The request or the body failed.
    Http(reqwest::Error),
    /// A status other than 2xx.
    Status(u16),
    /// The body is not JSON.
    Json(serde_json::Error),
    /// The key cannot be an HTTP header value.
    InvalidKey,
}

impl std::fmt::Display for BareError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            BareError::Http(e) => write!(f, "HTTP: {e}"),
            BareError::Status(status) => write!(f, "status {status}"),
            BareError::Json(e) => write!(f, "JSON: {e}"),
            BareError::InvalidKey => f.write_str("the key is not a valid header value"),
        }
    }
}

impl std::error::Error for BareError {}

/// The baseline client for [`fetch_all`] at `concurrency` accounts at once: the same TLS
/// (rustls with ring) and 10 s connect timeout as the facade's client, and room in its pool
/// for `2 × concurrency` idle connections per host, as many requests as the loop can have in
/// flight (a runtools account sends two), so it never closes a connection it will need
/// again.
pub fn client(concurrency: usize) -> Result<reqwest::Client, Box<dyn std::error::Error>> {
    Ok(prepaid_client_runtime::client_builder()?
        .connect_timeout(Duration::from_secs(10))
        .pool_max_idle_per_host(concurrency.saturating_mul(2))
        .build()?)
}

/// One account, ready to fetch: its URLs and its credentials header (bearer, or runtools'
/// `X-API-Key`, as the generated clients send them).
#[derive(Debug, Clone)]
pub struct BareAccount {
    /// The vendor.
    pub provider: Provider,
    urls: Vec<String>,
    auth: (HeaderName, HeaderValue),
}

impl BareAccount {
    /// `provider`'s account with `key`, served under `origin` (`http://127.0.0.1:PORT`).
    pub fn new(origin: &str, provider: Provider, key: &str) -> Result<Self, BareError> {
        let base = bodies::base_url(origin, provider);
        let urls = bodies::paths(provider)
            .iter()
            .map(|path| format!("{base}{path}"))
            .collect();
        let auth = match provider {
            Provider::Runtools => (
                HeaderName::from_static("x-api-key"),
                HeaderValue::from_str(key),
            ),
            _ => (
                AUTHORIZATION,
                HeaderValue::from_str(&format!("Bearer {key}")),
            ),
        };
        let (name, value) = auth;
        let mut value = value.map_err(|_| BareError::InvalidKey)?;
        value.set_sensitive(true);
        Ok(Self {
            provider,
            urls,
            auth: (name, value),
        })
    }

    /// The account's balance body (runtools: `[credits, plan]`, both requested at once).
    pub async fn fetch(&self, client: &reqwest::Client) -> Result<Value, BareError> {
        match self.urls.as_slice() {
            [url] => self.get(client, url).await,
            [first, second] => {
                let (a, b) = futures_util::future::try_join(
                    self.get(client, first),
                    self.get(client, second),
                )
                .await?;
                Ok(Value::Array(vec![a, b]))
            }
            _ => Ok(Value::Null),
        }
    }

    async fn get(&self, client: &reqwest::Client, url: &str) -> Result<Value, BareError> {
        let (name, value) = &self.auth;
        let response = client
            .get(url)
            .header(name, value.clone())
            .send()
            .await
            .map_err(BareError::Http)?;
        let status = response.status();
        if !status.is_success() {
            return Err(BareError::Status(status.as_u16()));
        }
        let body = response.bytes().await.map_err(BareError::Http)?;
        serde_json::from_slice(&body).map_err(BareError::Json)
    }
}

/// Fetch every account, at most `concurrency` at once (`buffer_unordered`), keeping every
/// result until all are in, as the facade does.
pub async fn fetch_all(
    client: &reqwest::Client,
    accounts: &[BareAccount],
    concurrency: usize,
) -> Vec<Result<Value, BareError>> {
    futures_util::stream::iter(accounts)
        .map(|account| account.fetch(client))
        .buffer_unordered(concurrency)
        .collect()
        .await
}

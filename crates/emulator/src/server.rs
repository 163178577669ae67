//! The server: one task per connection, one `match` per request.

use std::convert::Infallible;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::header::{AUTHORIZATION, CONTENT_TYPE, HeaderValue};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::sync::oneshot;

use crate::bodies;

/// What the emulated vendors answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Scenario {
    /// Every vendor answers with its documented example.
    #[default]
    Healthy,
    /// Each vendor's balance fails differently: Runcrate a 401, ngrok a 429, runtools an
    /// HTML page with a 200, Venice a 403.
    Failures,
}

/// A running emulation on `127.0.0.1`; it stops accepting connections when dropped.
#[derive(Debug)]
pub struct Emulator {
    addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    connections: Arc<AtomicU64>,
}

impl Emulator {
    /// Bind an ephemeral port on `127.0.0.1` and serve `scenario` on the current Tokio
    /// runtime.
    pub async fn start(scenario: Scenario) -> std::io::Result<Self> {
        Self::start_delayed(scenario, Duration::ZERO).await
    }

    /// As [`Emulator::start`], each response sent `delay` after its request arrived.
    pub async fn start_delayed(scenario: Scenario, delay: Duration) -> std::io::Result<Self> {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await?;
        let addr = listener.local_addr()?;
        let (stop, mut stopped) = oneshot::channel::<()>();
        let connections = Arc::new(AtomicU64::new(0));
        let counter = Arc::clone(&connections);
        tokio::spawn(async move {
            loop {
                tokio::select! {
                    _ = &mut stopped => break,
                    accepted = listener.accept() => match accepted {
                        Ok((stream, _)) => {
                            counter.fetch_add(1, Ordering::Relaxed);
                            // Responses are one write each; never wait for Nagle.
                            let _ = stream.set_nodelay(true);
                            tokio::spawn(async move {
                                let service =
                                    service_fn(move |request| respond(request, scenario, delay));
                                let _ = http1::Builder::new()
                                    .serve_connection(TokioIo::new(stream), service)
                                    .await;
                            });
                        }
                        // Out of file descriptors or the like: give the clients a moment.
                        Err(_) => tokio::time::sleep(Duration::from_millis(1)).await,
                    },
                }
            }
        });
        Ok(Self {
            addr,
            stop: Some(stop),
            connections,
        })
    }

    /// The connections accepted so far: how well clients reuse theirs.
    pub fn connections(&self) -> u64 {
        self.connections.load(Ordering::Relaxed)
    }

    /// `http://127.0.0.1:PORT`.
    pub fn origin(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The base URL to configure for `vendor` (a name of [`bodies::VENDORS`]).
    pub fn base_url(&self, vendor: &str) -> Option<String> {
        bodies::base_url(&self.origin(), vendor)
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

async fn respond(
    request: Request<Incoming>,
    scenario: Scenario,
    delay: Duration,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let headers = request.headers();
    let authorized = headers.contains_key(AUTHORIZATION) || headers.contains_key("x-api-key");
    let (status, body) = if authorized {
        bodies::response(scenario, request.uri().path())
    } else {
        (401, bodies::UNAUTHORIZED)
    };
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    let mut response = Response::new(Full::new(Bytes::from_static(body)));
    *response.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
    let content_type = if body.starts_with(b"<") {
        "text/html"
    } else {
        "application/json"
    };
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    /// One raw HTTP/1.1 request, the whole response back as text.
    async fn get(origin: &str, path: &str, header: &str) -> std::io::Result<String> {
        let addr = origin.trim_start_matches("http://");
        let mut stream = tokio::net::TcpStream::connect(addr).await?;
        let request =
            format!("GET {path} HTTP/1.1\r\nhost: {addr}\r\n{header}connection: close\r\n\r\n");
        stream.write_all(request.as_bytes()).await?;
        let mut response = String::new();
        stream.read_to_string(&mut response).await?;
        Ok(response)
    }

    #[tokio::test]
    async fn serves_each_scenario_and_refuses_requests_without_credentials() -> std::io::Result<()>
    {
        let healthy = Emulator::start(Scenario::Healthy).await?;
        let url = healthy.base_url("venice").unwrap_or_default();
        let path = format!(
            "{}/billing/balance",
            url.trim_start_matches(&healthy.origin())
        );
        let ok = get(&healthy.origin(), &path, "authorization: Bearer k\r\n").await?;
        assert!(ok.starts_with("HTTP/1.1 200"), "{ok}");
        assert!(ok.ends_with(std::str::from_utf8(bodies::VENICE).unwrap_or_default()));
        let refused = get(&healthy.origin(), &path, "").await?;
        assert!(refused.starts_with("HTTP/1.1 401"), "{refused}");

        let failing = Emulator::start(Scenario::Failures).await?;
        let failed = get(&failing.origin(), &path, "x-api-key: k\r\n").await?;
        assert!(failed.starts_with("HTTP/1.1 403"), "{failed}");
        assert_eq!(failing.connections(), 1);
        Ok(())
    }
}

//! A tiny HTTP/1.1 server on `127.0.0.1` serving [`crate::bodies`]: hyper directly, with
//! no request matching beyond one `match` on the path, no lock and no request log, so its
//! own cost per request is as small as a server's can be. httpmock 0.8, which the tests
//! use, serves every request under one global mutex, copies it into its request history
//! and tries every registered mock's matchers in turn: fine for tests, but at 256
//! concurrent requests on two cores that lock and work would weigh on both sides of every
//! comparison and blunt the difference measured.
//!
//! A request without an `Authorization` or `X-API-Key` header gets a 401, so a benchmark
//! whose client forgot its credentials fails instead of measuring errors.

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
use prepaid::Provider;
use tokio::net::TcpListener;
use tokio::sync::oneshot;

use crate::bodies;

/// A running server; it stops accepting connections when dropped.
#[derive(Debug)]
pub struct Server {
    addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    connections: Arc<AtomicU64>,
}

impl Server {
    /// Bind an ephemeral port on `127.0.0.1` and serve on the current Tokio runtime, each
    /// response sent `delay` after its request arrived (zero: at once).
    pub async fn start(delay: Duration) -> std::io::Result<Self> {
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
                                let service = service_fn(move |request| respond(request, delay));
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

    /// The base URL to configure for `provider`.
    pub fn base_url(&self, provider: Provider) -> String {
        bodies::base_url(&self.origin(), provider)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

async fn respond(
    request: Request<Incoming>,
    delay: Duration,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let headers = request.headers();
    let authorized = headers.contains_key(AUTHORIZATION) || headers.contains_key("x-api-key");
    let (status, body) = match (authorized, bodies::for_path(request.uri().path())) {
        (false, _) => (StatusCode::UNAUTHORIZED, bodies::UNAUTHORIZED),
        (true, None) => (StatusCode::NOT_FOUND, bodies::NOT_FOUND),
        (true, Some(body)) => (StatusCode::OK, body),
    };
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    let mut response = Response::new(Full::new(Bytes::from_static(body)));
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    Ok(response)
}

/// A [`Server`] on a Tokio runtime of its own (two worker threads), so a benchmark's client
/// runtime and the server only share the CPU, as a separate process would.
#[derive(Debug)]
pub struct Loopback {
    server: Server,
    // Dropped after the server (fields drop in order): its tasks stop with it.
    runtime: tokio::runtime::Runtime,
}

impl Loopback {
    /// Start a server whose responses are each sent `delay` after the request.
    pub fn start(delay: Duration) -> std::io::Result<Self> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("loopback-server")
            .enable_all()
            .build()?;
        let server = runtime.block_on(Server::start(delay))?;
        Ok(Self { server, runtime })
    }

    /// The running server.
    pub fn server(&self) -> &Server {
        &self.server
    }

    /// `http://127.0.0.1:PORT`.
    pub fn origin(&self) -> String {
        self.server.origin()
    }

    /// The base URL to configure for `provider`.
    pub fn base_url(&self, provider: Provider) -> String {
        self.server.base_url(provider)
    }

    /// The server's runtime (e.g. to spawn more on it).
    pub fn runtime(&self) -> &tokio::runtime::Runtime {
        &self.runtime
    }
}

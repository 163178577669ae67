//! Faults on the wire that httpmock cannot make: a loopback HTTP/1.1 server of the tests'
//! own (a tokio `TcpListener` on 127.0.0.1:0 writing raw bytes), and a facade with one
//! vendor on it and the other three on httpmock, so a fault is seen next to successes.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    dead_code,
    unused_macros
)]

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use httpmock::Method::GET;
use httpmock::MockServer;
use prepaid::{Balance, Error, Prepaid, Provider, ProviderConfig, RetryPolicy};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinSet;

use crate::common::{ALL, Vendor, runtools_plan};

/// The timeout of the vendor on the faulty server when the fault is silence (the server
/// never answers, or drips): the fetch must end with `ErrorKind::Timeout` right after it.
pub const TIMEOUT: Duration = Duration::from_millis(500);

/// The timeout of the vendor on the faulty server for every other fault: long, so that a
/// loaded machine cannot turn a fast error into a timeout; [`BOUND`] shows it is not waited.
pub const LONG_TIMEOUT: Duration = Duration::from_secs(10);

/// How long a fault may take to be reported: [`TIMEOUT`] and a coarse margin.
pub const BOUND: Duration = Duration::from_secs(2);

/// What the raw server does with each request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    /// Nothing listens on the port.
    ConnectionRefused,
    /// The headers (status 200, the full Content-Length), then a TCP reset.
    ResetAfterHeaders,
    /// The headers and half the body, then a TCP reset.
    ResetMidBody,
    /// Accepts the connection, reads the request, never answers.
    NeverAnswers,
    /// The headers at once, then the body one byte a second.
    Drip,
    /// A Content-Length 1000 bytes longer than the body, then the connection closed.
    ShortBody,
    /// `Content-Encoding: gzip` on bytes that are not gzip.
    BadGzip,
    /// A 200 whose body is the request's own head, credentials included (not in `ALL`:
    /// the sentinel audit's).
    EchoRequest,
}

impl Fault {
    /// The faulty vendor's timeout: [`TIMEOUT`] for silence, [`LONG_TIMEOUT`] otherwise.
    pub fn timeout(self) -> Duration {
        match self {
            Fault::NeverAnswers | Fault::Drip => TIMEOUT,
            _ => LONG_TIMEOUT,
        }
    }

    /// Every fault, for suites that run them all.
    pub const ALL: [Fault; 7] = [
        Fault::ConnectionRefused,
        Fault::ResetAfterHeaders,
        Fault::ResetMidBody,
        Fault::NeverAnswers,
        Fault::Drip,
        Fault::ShortBody,
        Fault::BadGzip,
    ];
}

/// Bytes that start like gzip (magic, deflate) and then are not.
pub const NOT_GZIP: &[u8] = b"\x1f\x8b\x08\x00garbage that no inflater accepts \xff\xfe\x00\x01";

/// A raw server; dropping it closes the listener and every connection.
pub struct RawServer {
    /// `http://127.0.0.1:<port>`.
    pub base_url: String,
    /// Connections accepted so far.
    pub connections: Arc<AtomicUsize>,
    /// The head (request line and headers) of every request read, lowercased.
    pub requests: Arc<Mutex<Vec<String>>>,
    tasks: JoinSet<()>,
}

impl RawServer {
    /// A server answering every request on the connection with `fault`, the body being
    /// `body` (the vendor's documented example, so ignoring the fault would succeed).
    pub async fn start(fault: Fault, body: Vec<u8>) -> RawServer {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let connections = Arc::new(AtomicUsize::new(0));
        let requests = Arc::new(Mutex::new(Vec::new()));
        let mut tasks = JoinSet::new();
        if fault == Fault::ConnectionRefused {
            drop(listener); // the port is closed: connecting is refused
        } else {
            let counter = Arc::clone(&connections);
            let heads = Arc::clone(&requests);
            tasks.spawn(async move {
                let mut conns = JoinSet::new();
                loop {
                    let Ok((stream, _)) = listener.accept().await else {
                        return;
                    };
                    counter.fetch_add(1, Ordering::SeqCst);
                    conns.spawn(serve(stream, fault, body.clone(), Arc::clone(&heads)));
                }
            });
        }
        RawServer {
            base_url: format!("http://127.0.0.1:{port}"),
            connections,
            requests,
            tasks,
        }
    }
}

impl Drop for RawServer {
    fn drop(&mut self) {
        self.tasks.abort_all();
    }
}

/// Read one request's head (a GET has no body).
async fn read_head(stream: &mut TcpStream) -> Vec<u8> {
    let mut head = Vec::new();
    let mut buf = [0u8; 1024];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        match stream.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => head.extend_from_slice(&buf[..n]),
        }
    }
    head
}

fn headers(length: usize, extra: &str) -> Vec<u8> {
    format!(
        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {length}\r\n{extra}\r\n"
    )
    .into_bytes()
}

/// Give the client time to read what was sent, then reset the connection (RST, not FIN).
async fn reset(stream: TcpStream) {
    tokio::time::sleep(Duration::from_millis(30)).await;
    stream.set_zero_linger().unwrap();
    drop(stream);
}

async fn serve(mut stream: TcpStream, fault: Fault, body: Vec<u8>, heads: Arc<Mutex<Vec<String>>>) {
    let head = read_head(&mut stream).await;
    heads
        .lock()
        .unwrap()
        .push(String::from_utf8_lossy(&head).to_lowercase());
    match fault {
        Fault::ConnectionRefused => {}
        Fault::ResetAfterHeaders => {
            let _ = stream.write_all(&headers(body.len(), "")).await;
            let _ = stream.flush().await;
            reset(stream).await;
        }
        Fault::ResetMidBody => {
            let _ = stream.write_all(&headers(body.len(), "")).await;
            let _ = stream.write_all(&body[..body.len() / 2]).await;
            let _ = stream.flush().await;
            reset(stream).await;
        }
        Fault::NeverAnswers => std::future::pending::<()>().await,
        Fault::Drip => {
            let _ = stream.write_all(&headers(body.len(), "")).await;
            for byte in &body {
                if stream.write_all(&[*byte]).await.is_err() {
                    return;
                }
                let _ = stream.flush().await;
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        }
        Fault::ShortBody => {
            let _ = stream.write_all(&headers(body.len() + 1000, "")).await;
            let _ = stream.write_all(&body).await;
            let _ = stream.shutdown().await;
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        Fault::EchoRequest => {
            let response = [headers(head.len(), ""), head].concat();
            let _ = stream.write_all(&response).await;
            let _ = stream.flush().await;
            let mut rest = [0u8; 64];
            let _ = stream.read(&mut rest).await;
        }
        Fault::BadGzip => {
            let response = [
                headers(NOT_GZIP.len(), "content-encoding: gzip\r\n"),
                NOT_GZIP.to_vec(),
            ]
            .concat();
            let _ = stream.write_all(&response).await;
            let _ = stream.flush().await;
            // Keep the connection until the client is done with it.
            let mut rest = [0u8; 64];
            let _ = stream.read(&mut rest).await;
        }
    }
}

/// Retries that take milliseconds: faults are retried where the policy says so.
pub fn fast_retry() -> RetryPolicy {
    RetryPolicy::default()
        .with_max_attempts(3)
        .with_base_delay(Duration::from_millis(1))
        .with_max_delay(Duration::from_millis(50))
}

/// Serve `vendor`'s documented example under `/<provider>` on `server`, requiring `key`.
pub async fn mock_example(vendor: &Vendor, server: &MockServer, key: &str) {
    let prefix = format!("/{}", vendor.provider);
    let auth = if vendor.auth_header == "x-api-key" {
        key.to_string()
    } else {
        format!("Bearer {key}")
    };
    if vendor.provider == Provider::Runtools {
        let plan = runtools_plan().to_string();
        let (path, auth) = (format!("{prefix}/v1/billing/plan"), auth.clone());
        server
            .mock_async(|when, then| {
                when.method(GET).path(path).header("x-api-key", auth);
                then.status(200)
                    .header("content-type", "application/json")
                    .body(plan);
            })
            .await;
    }
    let body = (vendor.example)().to_string();
    let path = format!("{prefix}{}", vendor.path);
    server
        .mock_async(|when, then| {
            when.method(GET).path(path).header(vendor.auth_header, auth);
            then.status(200)
                .header("content-type", "application/json")
                .body(body);
        })
        .await;
}

/// What one `fetch_all` with one faulty vendor gave.
pub struct Outcome {
    pub faulty: Provider,
    pub fault: Fault,
    pub elapsed: Duration,
    pub results: Vec<(Provider, Result<Balance, Error>)>,
    pub connections: usize,
    pub requests: Vec<String>,
}

impl Outcome {
    /// The faulty vendor's error (panics if it succeeded).
    pub fn error(&self) -> &Error {
        let (_, result) = self
            .results
            .iter()
            .find(|(p, _)| *p == self.faulty)
            .unwrap();
        match result {
            Ok(balance) => panic!(
                "{:?} at {}: a balance from a faulty server: {balance:?}",
                self.fault, self.faulty
            ),
            Err(error) => error,
        }
    }

    /// How many calls one fetch of `provider` makes (runtools: credits and plan).
    pub fn calls(&self) -> usize {
        if self.faulty == Provider::Runtools {
            2
        } else {
            1
        }
    }

    /// Every other vendor succeeded, and all within [`BOUND`].
    pub fn assert_others_succeeded(&self) {
        assert!(
            self.elapsed < BOUND,
            "{:?} at {}: fetch_all took {:?}",
            self.fault,
            self.faulty,
            self.elapsed
        );
        let providers: Vec<Provider> = self.results.iter().map(|(p, _)| *p).collect();
        assert_eq!(providers, Provider::ALL.to_vec());
        for (provider, result) in &self.results {
            if *provider != self.faulty {
                let balance = result.as_ref().unwrap_or_else(|e| {
                    panic!(
                        "{:?} at {}: {provider} failed: {e:?}",
                        self.fault, self.faulty
                    )
                });
                assert_eq!(balance.provider, *provider);
                assert!(!balance.available.is_empty());
            }
        }
    }
}

/// One `fetch_all`: `faulty` on a raw server with `fault` (timeout [`Fault::timeout`]), the
/// other three on httpmock, every vendor configured with `key`.
pub async fn fetch_all_with(faulty: Provider, fault: Fault, key: &str) -> Outcome {
    let vendor = ALL.iter().find(|v| v.provider == faulty).unwrap();
    let raw = RawServer::start(fault, (vendor.example)().to_string().into_bytes()).await;
    // httpmock creates a server by blocking this thread on a Tokio channel. With many
    // scenarios in one task, Tokio's cooperative budget can be spent by then, the channel
    // then defers its wake-up until the task yields, which it never does: a deadlock.
    // Unconstrained, the channel is never out of budget.
    let mock = tokio::task::unconstrained(MockServer::start_async()).await;
    let mut builder = Prepaid::builder().retry_policy(fast_retry());
    for other in ALL {
        let config = ProviderConfig::new(other.provider, key);
        builder = builder.provider(if other.provider == faulty {
            config
                .base_url(raw.base_url.clone())
                .timeout(fault.timeout())
        } else {
            mock_example(&other, &mock, key).await;
            config
                .base_url(mock.url(format!("/{}", other.provider)))
                .timeout(Duration::from_secs(5))
        });
    }
    let prepaid = builder.build().unwrap();
    let started = Instant::now();
    let results = prepaid
        .fetch_all()
        .await
        .into_iter()
        .map(|f| (f.account.provider, f.result))
        .collect();
    let elapsed = started.elapsed();
    // httpmock's MockServer blocks in `drop` until its reset is done; on this (current-
    // thread) runtime that would stall the other scenarios running beside this one (and
    // could deadlock with them), so it is dropped on a blocking thread.
    tokio::task::spawn_blocking(move || drop(mock))
        .await
        .unwrap();
    Outcome {
        faulty,
        fault,
        elapsed,
        results,
        connections: raw.connections.load(Ordering::SeqCst),
        requests: raw.requests.lock().unwrap().clone(),
    }
}

/// [`fetch_all_with`] for each vendor as the faulty one, concurrently.
pub async fn each_vendor_faulty(fault: Fault, key: &str) -> Vec<Outcome> {
    let runs = Provider::ALL
        .iter()
        .map(|&faulty| fetch_all_with(faulty, fault, key));
    futures_util::future::join_all(runs).await
}

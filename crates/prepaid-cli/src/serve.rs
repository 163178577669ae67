//! `prepaid serve`: refresh every account in the background and serve the last results as
//! Prometheus metrics. A scrape only reads what the last refresh stored: it never calls a
//! vendor and never waits for one.

use std::convert::Infallible;
use std::io::Write as _;
use std::net::SocketAddr;
use std::sync::{Arc, PoisonError, RwLock};
use std::time::Duration;

use bytes::Bytes;
use chrono::{DateTime, Utc};
use flate2::Compression;
use flate2::write::GzEncoder;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::header::{self, HeaderValue};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use hyper_util::server::graceful::GracefulShutdown;
use prepaid::{Account, AccountBalance, Balance, Prepaid};

use crate::estimate::Estimates;
use crate::prometheus::{self, Row};
use crate::thresholds::Thresholds;
use crate::web_config::{Users, WebConfig};

/// What the last refreshes left for one account.
#[derive(Debug, Clone)]
struct AccountState {
    account: Arc<Account>,
    /// The last balance fetched successfully: kept, and served, while later fetches fail.
    last_good: Option<Balance>,
    last_success: Option<DateTime<Utc>>,
    success: bool,
    duration: Duration,
}

/// The answer to every scrape until the next refresh: the metrics rendered once, as they are
/// and gzip-compressed (compressing 10,000 accounts' metrics takes tens of milliseconds: too
/// slow to do per scrape).
#[derive(Debug)]
struct Rendered {
    plain: Bytes,
    gzip: Option<Bytes>,
}

/// What scrapes read; `None` until the first refresh has finished.
type Shared = Arc<RwLock<Option<Arc<Rendered>>>>;

/// Fold one refresh into the accounts' states.
fn update(previous: Vec<AccountState>, fetched: Vec<AccountBalance>) -> Vec<AccountState> {
    fetched
        .into_iter()
        .enumerate()
        .map(|(index, f)| {
            // Every refresh lists the same accounts in the same order.
            let before = previous
                .get(index)
                .filter(|s| Arc::ptr_eq(&s.account, &f.account));
            match f.result {
                Ok(balance) => AccountState {
                    last_success: Some(balance.fetched_at),
                    last_good: Some(balance),
                    account: f.account,
                    success: true,
                    duration: f.duration,
                },
                Err(error) => {
                    log_failure(&f.account, &error);
                    AccountState {
                        last_good: before.and_then(|s| s.last_good.clone()),
                        last_success: before.and_then(|s| s.last_success),
                        account: f.account,
                        success: false,
                        duration: f.duration,
                    }
                }
            }
        })
        .collect()
}

/// Render the accounts' metrics into a string of `capacity` bytes (the last render's size,
/// so it never grows by copying), and compress them at gzip's fastest level: on 10,000
/// accounts' 4.8 MB it takes half the time of the default level for a body 12 % larger
/// (218 KB against 194 KB).
fn render(
    accounts: &[AccountState],
    thresholds: &Thresholds,
    estimates: &Estimates,
    capacity: usize,
) -> Rendered {
    let rows: Vec<Row<'_>> = accounts
        .iter()
        .map(|s| Row {
            account: &s.account,
            balance: s.last_good.as_ref(),
            success: s.success,
            duration: s.duration,
            last_success: s.last_success,
        })
        .collect();
    let text = prometheus::render(&rows, thresholds, estimates, capacity);
    drop(rows);
    let mut encoder = GzEncoder::new(Vec::with_capacity(text.len() / 8), Compression::fast());
    // Writing to a Vec cannot fail; if it somehow did, scrapes get the plain text.
    let gzip = encoder
        .write_all(text.as_bytes())
        .and_then(|()| encoder.finish())
        .ok()
        .map(Bytes::from);
    Rendered {
        plain: Bytes::from(text),
        gzip,
    }
}

/// One warning on stderr per failed account fetch (the key is never in an error).
fn log_failure(account: &Account, error: &prepaid::Error) {
    tracing::warn!(
        provider = %account.provider,
        account = %account.name,
        error = %crate::report::described(error),
        "fetch failed; serving the last good balance, if any"
    );
}

/// Why `serve` stopped before serving.
#[derive(Debug)]
pub enum ServeError {
    /// The settings refuse to listen there (exit 2).
    Refused(String),
    /// The address could not be listened on (in use, not permitted: exit 5).
    Io(String),
}

/// Serve `/metrics`, `/healthz` and a landing page on `listen`, refreshing every `refresh`,
/// until Ctrl-C or SIGTERM; `thresholds` are exported with each account's balance. Prints
/// the address it listens on (port 0 picks a free one).
pub async fn serve(
    prepaid: Prepaid,
    listen: &Listen,
    refresh: Duration,
    thresholds: Thresholds,
    mut recorder: crate::Recorder,
) -> Result<(), ServeError> {
    listen.check().map_err(ServeError::Refused)?;
    let listener = tokio::net::TcpListener::bind(listen.address)
        .await
        .map_err(|e| ServeError::Io(format!("cannot listen on {}: {e}", listen.address)))?;
    let address = listener
        .local_addr()
        .map_err(|e| ServeError::Io(e.to_string()))?;
    let mut shutdown = std::pin::pin!(shutdown_signal());
    let scheme = if listen.web.tls.is_some() {
        "https"
    } else {
        "http"
    };
    println!(
        "prepaid serve: listening on {scheme}://{address}/metrics (refresh every {})",
        humantime::format_duration(refresh)
    );

    let state: Shared = Arc::new(RwLock::new(None));
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let server = tokio::spawn(accept(
        listener,
        Arc::clone(&state),
        listen.web.tls.clone().map(tokio_rustls::TlsAcceptor::from),
        Arc::clone(&listen.web.users),
        stop_rx,
    ));

    // The refreshes run here, on the thread that read the configuration, and the scrapes
    // on the runtime's workers: a render never holds up a scrape, and the refreshes reuse
    // the memory the configuration was read in (fewer allocator arenas: a lower peak).
    let mut accounts = Vec::new();
    let mut last_size = 0;
    loop {
        tokio::select! {
            fetched = timed(prepaid.fetch_all()) => {
                let (mut fetched, fetch) = fetched;
                crate::clock::stamp(&mut fetched);
                let started = std::time::Instant::now();
                let (estimates, unwritten) = recorder.estimate(&fetched);
                let record = started.elapsed();
                accounts = update(accounts, fetched);
                // The history is written on another thread while this one renders.
                let (rendered, write) = std::thread::scope(|scope| {
                    let writing = scope.spawn(|| {
                        let started = std::time::Instant::now();
                        recorder.write(unwritten);
                        started.elapsed()
                    });
                    let rendered = render(&accounts, &thresholds, &estimates, last_size + last_size / 16);
                    (rendered, writing.join().unwrap_or_default())
                });
                last_size = rendered.plain.len();
                tracing::debug!(
                    accounts = accounts.len(),
                    fetch_ms = fetch.as_millis() as u64,
                    record_ms = record.as_millis() as u64,
                    write_ms = write.as_millis() as u64,
                    render_ms = (started.elapsed() - record).as_millis() as u64,
                    bytes = last_size,
                    "refreshed"
                );
                let mut shared = state.write().unwrap_or_else(PoisonError::into_inner);
                *shared = Some(Arc::new(rendered));
            }
            () = &mut shutdown => break,
        }
        tokio::select! {
            () = tokio::time::sleep(refresh) => {}
            () = &mut shutdown => break,
        }
    }
    let _ = stop_tx.send(true);
    let _ = server.await;
    tracing::info!("stopped");
    Ok(())
}

/// Accept connections (one task each) until `stop`; then stop accepting and let the scrapes
/// in flight finish.
async fn accept(
    listener: tokio::net::TcpListener,
    state: Shared,
    tls: Option<tokio_rustls::TlsAcceptor>,
    users: Arc<Users>,
    mut stop: tokio::sync::watch::Receiver<bool>,
) {
    let connections = GracefulShutdown::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, peer)) => {
                    let service = service(Arc::clone(&state), Arc::clone(&users));
                    let watcher = connections.watcher();
                    let tls = tls.clone();
                    tokio::spawn(async move {
                        let http = http1::Builder::new();
                        let Some(tls) = tls else {
                            let _ = watcher.watch(http.serve_connection(TokioIo::new(stream), service)).await;
                            return;
                        };
                        match tokio::time::timeout(HANDSHAKE_TIMEOUT, tls.accept(stream)).await {
                            Ok(Ok(stream)) => {
                                let _ = watcher.watch(http.serve_connection(TokioIo::new(stream), service)).await;
                            }
                            Ok(Err(error)) => tracing::debug!(%peer, %error, "TLS handshake failed"),
                            Err(_) => tracing::debug!(%peer, "TLS handshake timed out"),
                        }
                    });
                }
                // Out of file descriptors or the like: give the scrapers a moment.
                Err(_) => tokio::time::sleep(Duration::from_millis(10)).await,
            },
            _ = stop.changed() => break,
        }
    }
    drop(listener);
    connections.shutdown().await;
}

/// `future`'s output and how long it took.
async fn timed<T>(future: impl Future<Output = T>) -> (T, Duration) {
    let started = std::time::Instant::now();
    let output = future.await;
    (output, started.elapsed())
}

/// How long a client has to finish its TLS handshake.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// Where `serve` listens, and how it lets scrapers in.
pub struct Listen {
    /// The address (port 0: any free port).
    pub address: SocketAddr,
    /// TLS and the users, from `--web.config.file`.
    pub web: WebConfig,
    /// `--allow-insecure-listen`: listen off loopback without TLS or without basic auth.
    pub allow_insecure: bool,
}

impl Listen {
    /// Refuse an address other machines can reach unless TLS and basic auth are both set,
    /// or the operator allowed it explicitly (then warn).
    fn check(&self) -> Result<(), String> {
        if self.address.ip().is_loopback() {
            return Ok(());
        }
        let mut missing = Vec::new();
        if self.web.tls.is_none() {
            missing.push("TLS (tls_server_config)");
        }
        if !self.web.users.required() {
            missing.push("basic auth (basic_auth_users)");
        }
        if missing.is_empty() {
            return Ok(());
        }
        let missing = missing.join(" and ");
        if self.allow_insecure {
            tracing::warn!(
                address = %self.address,
                "listening off loopback without {missing}: anyone who can reach it reads every account's balance and labels"
            );
            return Ok(());
        }
        Err(format!(
            "--listen {} is reachable from other machines, and without {missing} anyone who can reach it reads every account's balance and labels: set them in --web.config.file (see the README), or pass --allow-insecure-listen",
            self.address
        ))
    }
}

/// The service for one connection: basic auth first (bcrypt, off the async threads), then
/// [`respond`].
fn service(
    state: Shared,
    users: Arc<Users>,
) -> impl hyper::service::Service<
    Request<Incoming>,
    Response = Response<Full<Bytes>>,
    Error = Infallible,
    Future = impl Future<Output = Result<Response<Full<Bytes>>, Infallible>> + Send,
> + Clone {
    service_fn(move |request: Request<Incoming>| {
        let state = Arc::clone(&state);
        let users = Arc::clone(&users);
        async move {
            if users.required() {
                let header = request
                    .headers()
                    .get(header::AUTHORIZATION)
                    .map(|v| v.as_bytes().to_vec());
                let admitted =
                    tokio::task::spawn_blocking(move || users.admit(header.as_deref())).await;
                if !admitted.unwrap_or(false) {
                    let mut response = text(StatusCode::UNAUTHORIZED, "unauthorized\n");
                    response.headers_mut().insert(
                        header::WWW_AUTHENTICATE,
                        HeaderValue::from_static("Basic realm=\"prepaid\", charset=\"UTF-8\""),
                    );
                    return Ok(response);
                }
            }
            Ok(respond(&state, &request))
        }
    })
}

/// The landing page on `/`.
const LANDING_PAGE: &str = "<!DOCTYPE html>
<html lang=\"en\">
<head><meta charset=\"utf-8\"><title>prepaid exporter</title></head>
<body>
<h1>prepaid exporter</h1>
<p>Prepaid credit balances of every configured vendor account, refreshed in the background.</p>
<ul>
<li><a href=\"/metrics\">/metrics</a>: Prometheus metrics</li>
<li><a href=\"/healthz\">/healthz</a>: liveness</li>
</ul>
</body>
</html>
";

/// The answer to one request: `/metrics`, `/healthz`, `/`, or an error status.
fn respond<B>(state: &Shared, request: &Request<B>) -> Response<Full<Bytes>> {
    const METRICS_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";
    if !matches!(*request.method(), Method::GET | Method::HEAD) {
        let mut response = text(StatusCode::METHOD_NOT_ALLOWED, "method not allowed\n");
        response
            .headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static("GET, HEAD"));
        return response;
    }
    match request.uri().path() {
        "/metrics" => {
            let rendered = state.read().unwrap_or_else(PoisonError::into_inner).clone();
            let Some(rendered) = rendered else {
                return text(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "no data yet: the first refresh is running\n",
                );
            };
            let gzip = rendered
                .gzip
                .as_ref()
                .filter(|_| accepts_gzip(request.headers()));
            let mut response = Response::new(Full::new(gzip.unwrap_or(&rendered.plain).clone()));
            let headers = response.headers_mut();
            headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(METRICS_TYPE));
            headers.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
            if gzip.is_some() {
                headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
            }
            response
        }
        "/healthz" => text(StatusCode::OK, "ok\n"),
        "/" => {
            let mut response = text(StatusCode::OK, LANDING_PAGE);
            response.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/html; charset=utf-8"),
            );
            response
        }
        _ => text(StatusCode::NOT_FOUND, "not found\n"),
    }
}

/// Whether a request's `Accept-Encoding` takes gzip: `gzip` (or `x-gzip`) listed with a
/// q-value above 0, or not listed and `*` above 0. `gzip;q=0` refuses it.
fn accepts_gzip(headers: &hyper::HeaderMap) -> bool {
    let mut gzip = None;
    let mut any = None;
    let values = headers.get_all(header::ACCEPT_ENCODING);
    for item in values
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
    {
        let mut parameters = item.split(';');
        let coding = parameters.next().unwrap_or_default().trim();
        let quality = parameters
            .filter_map(|p| p.trim().split_once('='))
            .find(|(name, _)| name.trim().eq_ignore_ascii_case("q"))
            .map_or(1.0, |(_, q)| q.trim().parse::<f32>().unwrap_or(0.0));
        if coding.eq_ignore_ascii_case("gzip") || coding.eq_ignore_ascii_case("x-gzip") {
            gzip = Some(quality > 0.0);
        } else if coding == "*" {
            any = Some(quality > 0.0);
        }
    }
    gzip.or(any).unwrap_or(false)
}

/// A plain-text response.
fn text(status: StatusCode, body: &'static str) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from_static(body.as_bytes())));
    *response.status_mut() = status;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    response
}

/// Ctrl-C, or SIGTERM on Unix. The handlers are installed when this is called (not when
/// the future is first polled), so a signal sent right after the "listening" line stops
/// the server gracefully rather than killing it.
fn shutdown_signal() -> impl Future<Output = ()> {
    #[cfg(unix)]
    let (interrupt, terminate) = {
        use tokio::signal::unix::{SignalKind, signal};
        (
            signal(SignalKind::interrupt()).ok(),
            signal(SignalKind::terminate()).ok(),
        )
    };
    async move {
        #[cfg(unix)]
        {
            let wait = |handler: Option<tokio::signal::unix::Signal>| async move {
                match handler {
                    Some(mut handler) => {
                        handler.recv().await;
                    }
                    None => std::future::pending::<()>().await,
                }
            };
            tokio::select! {
                () = wait(interrupt) => {}
                () = wait(terminate) => {}
            }
        }
        #[cfg(not(unix))]
        {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(method: Method, path: &str, accept_encoding: Option<&str>) -> Request<()> {
        let mut builder = Request::builder().method(method).uri(path);
        if let Some(value) = accept_encoding {
            builder = builder.header(header::ACCEPT_ENCODING, value);
        }
        builder.body(()).unwrap_or_default()
    }

    fn answer(state: &Shared, method: Method, path: &str) -> (StatusCode, Option<String>) {
        let response = respond(state, &request(method, path, None));
        let allow = response.headers().get(header::ALLOW);
        (
            response.status(),
            allow.and_then(|v| v.to_str().ok()).map(str::to_string),
        )
    }

    fn served(rendered: Rendered) -> Shared {
        Arc::new(RwLock::new(Some(Arc::new(rendered))))
    }

    #[test]
    fn routes_and_methods() {
        let state: Shared = Arc::new(RwLock::new(None));
        let unavailable = (StatusCode::SERVICE_UNAVAILABLE, None);
        assert_eq!(answer(&state, Method::GET, "/metrics"), unavailable);
        let state = served(render(
            &[],
            &Thresholds::default(),
            &Estimates::default(),
            0,
        ));
        assert_eq!(
            answer(&state, Method::GET, "/metrics"),
            (StatusCode::OK, None)
        );
        assert_eq!(
            answer(&state, Method::HEAD, "/healthz"),
            (StatusCode::OK, None)
        );
        assert_eq!(answer(&state, Method::GET, "/"), (StatusCode::OK, None));
        assert_eq!(
            answer(&state, Method::GET, "/other"),
            (StatusCode::NOT_FOUND, None)
        );
        assert_eq!(
            answer(&state, Method::POST, "/metrics"),
            (StatusCode::METHOD_NOT_ALLOWED, Some("GET, HEAD".into()))
        );
    }

    #[test]
    fn the_landing_page_links_metrics_and_healthz() {
        let response = respond(
            &served(render(
                &[],
                &Thresholds::default(),
                &Estimates::default(),
                0,
            )),
            &request(Method::GET, "/", None),
        );
        let content_type = response.headers().get(header::CONTENT_TYPE);
        assert_eq!(
            content_type.and_then(|v| v.to_str().ok()),
            Some("text/html; charset=utf-8")
        );
        assert!(LANDING_PAGE.contains("href=\"/metrics\""));
        assert!(LANDING_PAGE.contains("href=\"/healthz\""));
    }

    #[test]
    fn gzip_is_served_when_accepted_and_never_when_refused() {
        for (header, gzip) in [
            (None, false),
            (Some("gzip"), true),
            (Some("GZIP"), true),
            (Some("x-gzip"), true),
            (Some("deflate, gzip;q=0.5"), true),
            (Some("gzip;q=0"), false),
            (Some("gzip; q=0.000"), false),
            (Some("identity"), false),
            (Some("br"), false),
            (Some("*"), true),
            (Some("*;q=0"), false),
            (Some("gzip;q=0, *"), false),
            (Some("*, gzip;q=0"), false),
            (Some(""), false),
        ] {
            let mut headers = hyper::HeaderMap::new();
            if let Some(value) = header {
                headers.insert(header::ACCEPT_ENCODING, HeaderValue::from_static(value));
            }
            assert_eq!(accepts_gzip(&headers), gzip, "Accept-Encoding: {header:?}");
        }
        let rendered = Rendered {
            plain: Bytes::from_static(b"plain"),
            gzip: Some(Bytes::from_static(b"compressed")),
        };
        let state = served(rendered);
        for (accept, body, encoding) in [
            (Some("gzip"), "compressed", Some("gzip")),
            (Some("gzip;q=0"), "plain", None),
            (None, "plain", None),
        ] {
            let response = respond(&state, &request(Method::GET, "/metrics", accept));
            let headers = response.headers();
            let get = |name| {
                headers
                    .get(name)
                    .and_then(|v: &HeaderValue| v.to_str().ok())
            };
            assert_eq!(get(header::CONTENT_ENCODING), encoding, "{accept:?}");
            assert_eq!(get(header::VARY), Some("accept-encoding"), "{accept:?}");
            let sent = format!("{:?}", response.body());
            assert!(sent.contains(body), "{accept:?}: {sent}");
        }
    }

    #[test]
    fn the_compressed_copy_is_the_plain_text_gzipped() {
        use std::io::Read as _;
        let rendered = render(&[], &Thresholds::default(), &Estimates::default(), 0);
        let compressed = rendered.gzip.unwrap_or_default();
        let mut text = String::new();
        flate2::read::GzDecoder::new(&compressed[..])
            .read_to_string(&mut text)
            .unwrap_or_default();
        assert!(text.contains("prepaid_build_info{version="), "{text}");
        assert_eq!(text.as_bytes(), &rendered.plain[..]);
    }
}

//! `prepaid serve`: refresh every account in the background and serve the last results as
//! Prometheus metrics. A scrape only reads what the last refresh stored: it never calls a
//! vendor and never waits for one.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use bytes::Bytes;
use chrono::{DateTime, Utc};
use http_body_util::Full;
use hyper::header::{self, HeaderValue};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use hyper_util::server::graceful::GracefulShutdown;
use prepaid::{Account, AccountBalance, Balance, Prepaid};

use crate::prometheus::{self, Row};

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

/// Every account's state; `None` until the first refresh has finished.
type State = Arc<RwLock<Option<Vec<AccountState>>>>;

/// Fold one refresh into the state.
fn update(state: &State, fetched: Vec<AccountBalance>) {
    let mut guard = match state.write() {
        Ok(guard) => guard,
        Err(poisoned) => poisoned.into_inner(),
    };
    let previous = guard.take().unwrap_or_default();
    let next = fetched
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
        .collect();
    *guard = Some(next);
}

/// One warning on stderr per failed account fetch (the key is never in an error).
fn log_failure(account: &Account, error: &prepaid::Error) {
    tracing::warn!(
        provider = %account.provider,
        account = %account.name,
        %error,
        "fetch failed; serving the last good balance, if any"
    );
}

/// The metrics text for the current state, or `None` before the first refresh.
fn metrics(state: &State) -> Option<String> {
    let guard = match state.read() {
        Ok(guard) => guard,
        Err(poisoned) => poisoned.into_inner(),
    };
    let accounts = guard.as_ref()?;
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
    Some(prometheus::render(&rows))
}

/// Serve `/metrics` and `/healthz` on `listen`, refreshing every `refresh`, until Ctrl-C or
/// SIGTERM. Prints the address it listens on (port 0 picks a free one).
pub async fn serve(prepaid: Prepaid, listen: SocketAddr, refresh: Duration) -> Result<(), String> {
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .map_err(|e| format!("cannot listen on {listen}: {e}"))?;
    let address = listener.local_addr().map_err(|e| e.to_string())?;
    println!(
        "prepaid serve: listening on http://{address}/metrics (refresh every {})",
        humantime::format_duration(refresh)
    );

    let state: State = Arc::new(RwLock::new(None));
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let refresher = {
        let state = Arc::clone(&state);
        let mut stop = stop_rx.clone();
        tokio::spawn(async move {
            loop {
                tokio::select! {
                    fetched = prepaid.fetch_accounts() => update(&state, fetched),
                    _ = stop.changed() => return,
                }
                tokio::select! {
                    () = tokio::time::sleep(refresh) => {}
                    _ = stop.changed() => return,
                }
            }
        })
    };

    // One task per connection; on Ctrl-C or SIGTERM stop accepting, stop refreshing, and let
    // the scrapes in flight finish.
    let connections = GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown_signal());
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    let state = Arc::clone(&state);
                    let service = service_fn(move |request| {
                        let response = respond(&state, &request);
                        async move { Ok::<_, Infallible>(response) }
                    });
                    let connection = http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service);
                    let connection = connections.watch(connection);
                    tokio::spawn(async move {
                        let _ = connection.await;
                    });
                }
                // Out of file descriptors or the like: give the scrapers a moment.
                Err(_) => tokio::time::sleep(Duration::from_millis(10)).await,
            },
            () = &mut shutdown => break,
        }
    }
    drop(listener);
    let _ = stop_tx.send(true);
    connections.shutdown().await;
    let _ = refresher.await;
    tracing::info!("stopped");
    Ok(())
}

/// The answer to one request: `/metrics`, `/healthz`, or an error status.
fn respond<B>(state: &State, request: &Request<B>) -> Response<Full<Bytes>> {
    const METRICS_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";
    if !matches!(*request.method(), Method::GET | Method::HEAD) {
        let mut response = text(StatusCode::METHOD_NOT_ALLOWED, "method not allowed\n");
        response
            .headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static("GET, HEAD"));
        return response;
    }
    match request.uri().path() {
        "/metrics" => match metrics(state) {
            Some(body) => {
                let mut response = Response::new(Full::new(Bytes::from(body)));
                response
                    .headers_mut()
                    .insert(header::CONTENT_TYPE, HeaderValue::from_static(METRICS_TYPE));
                response
            }
            None => text(
                StatusCode::SERVICE_UNAVAILABLE,
                "no data yet: the first refresh is running\n",
            ),
        },
        "/healthz" => text(StatusCode::OK, "ok\n"),
        _ => text(StatusCode::NOT_FOUND, "not found\n"),
    }
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

/// Ctrl-C, or SIGTERM on Unix.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = terminate => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(state: &State, method: Method, path: &str) -> (StatusCode, Option<String>) {
        let request = Request::builder().method(method).uri(path).body(());
        let response = respond(state, &request.unwrap_or_default());
        let allow = response.headers().get(header::ALLOW);
        (
            response.status(),
            allow.and_then(|v| v.to_str().ok()).map(str::to_string),
        )
    }

    #[test]
    fn routes_and_methods() {
        let state: State = Arc::new(RwLock::new(None));
        let unavailable = (StatusCode::SERVICE_UNAVAILABLE, None);
        assert_eq!(answer(&state, Method::GET, "/metrics"), unavailable);
        *state.write().unwrap_or_else(|p| p.into_inner()) = Some(Vec::new());
        assert_eq!(
            answer(&state, Method::GET, "/metrics"),
            (StatusCode::OK, None)
        );
        assert_eq!(
            answer(&state, Method::HEAD, "/healthz"),
            (StatusCode::OK, None)
        );
        assert_eq!(
            answer(&state, Method::GET, "/other"),
            (StatusCode::NOT_FOUND, None)
        );
        assert_eq!(
            answer(&state, Method::POST, "/metrics"),
            (StatusCode::METHOD_NOT_ALLOWED, Some("GET, HEAD".into()))
        );
    }
}

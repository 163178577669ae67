//! `prepaid serve`: refresh every account in the background and serve the last results as
//! Prometheus metrics. A scrape only reads what the last refresh stored: it never calls a
//! vendor and never waits for one.

use std::net::SocketAddr;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use axum::Router;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::get;
use chrono::{DateTime, Utc};
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

/// One line on stderr per failed account fetch (the key is never in an error).
fn log_failure(account: &Account, error: &prepaid::Error) {
    eprintln!(
        "prepaid serve: {}/{}: {error}",
        account.provider, account.name
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

    let app = Router::new()
        .route(
            "/metrics",
            get({
                let state = Arc::clone(&state);
                move || async move {
                    match metrics(&state) {
                        Some(text) => (
                            [(
                                header::CONTENT_TYPE,
                                "text/plain; version=0.0.4; charset=utf-8",
                            )],
                            text,
                        )
                            .into_response(),
                        None => (
                            StatusCode::SERVICE_UNAVAILABLE,
                            "no data yet: the first refresh is running\n",
                        )
                            .into_response(),
                    }
                }
            }),
        )
        .route("/healthz", get(|| async { "ok\n" }));
    let shutdown = async move {
        shutdown_signal().await;
        let _ = stop_tx.send(true);
    };
    let served = axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await;
    let _ = refresher.await;
    println!("prepaid serve: stopped");
    served.map_err(|e| format!("server error: {e}"))
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

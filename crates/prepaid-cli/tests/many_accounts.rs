//! `prepaid --config` with 2,000 accounts against a local emulation of the four vendors that
//! records when each request arrived: every account's value and label come back, and each
//! vendor's rate limit held. And `prepaid serve`: scrapes never call a vendor.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::collections::HashMap;
use std::io::Write;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::routing::get;
use serde_json::{Value, json};

const ACCOUNTS: usize = 2_000;
const RATE: usize = 200;
const VENDORS: [&str; 4] = ["runcrate", "ngrok-ai-gateway", "runtools", "venice"];

/// When each vendor saw each request.
type Log = Arc<Mutex<HashMap<&'static str, Vec<Instant>>>>;

/// While set, `/venice-flaky` answers 500.
static FLAKY_VENICE_DOWN: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// The account number in `key-N`, from whichever auth header the vendor uses.
fn account_number(headers: &HeaderMap) -> u64 {
    let header = headers
        .get("authorization")
        .or_else(|| headers.get("x-api-key"))
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    header
        .rsplit("key-")
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or(u64::MAX)
}

/// A JSON response (axum's `Json` needs a feature the command does not).
fn json_body(value: Value) -> ([(axum::http::HeaderName, &'static str); 1], String) {
    json_text(value.to_string())
}

/// A JSON response whose body is `text` as it is.
fn json_text(text: String) -> ([(axum::http::HeaderName, &'static str); 1], String) {
    (
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        text,
    )
}

fn record(log: &Log, vendor: &'static str) {
    log.lock()
        .unwrap()
        .entry(vendor)
        .or_default()
        .push(Instant::now());
}

/// A loopback emulation of the four vendors where account N's balance is derived from N.
async fn emulation() -> (String, Log) {
    let log: Log = Arc::default();
    let app = Router::new()
        .route(
            "/runcrate/billing/balance",
            get(|State(log): State<Log>, headers: HeaderMap| async move {
                record(&log, "runcrate");
                let n = account_number(&headers);
                // The amount as JSON text: never through f64.
                json_text(format!(r#"{{"data":{{"creditsBalance":{n}.25,"activeUsageCost":0}}}}"#))
            }),
        )
        .route(
            "/ngrok/credits/balance",
            get(|State(log): State<Log>, headers: HeaderMap| async move {
                record(&log, "ngrok-ai-gateway");
                json_body(json!({ "balanceCents": account_number(&headers) }))
            }),
        )
        .route(
            "/runtools/v1/billing/credits",
            get(|State(log): State<Log>, headers: HeaderMap| async move {
                record(&log, "runtools");
                let n = account_number(&headers);
                json_body(json!({ "data": { "balanceCents": n, "totalGrantedCents": n, "totalUsedCents": 0, "freeCreditsUsed": false } }))
            }),
        )
        .route(
            "/runtools/v1/billing/plan",
            get(|State(log): State<Log>| async move {
                record(&log, "runtools");
                json_body(json!({ "data": { "plan": "team" } }))
            }),
        )
        .route(
            "/venice/billing/balance",
            get(|State(log): State<Log>, headers: HeaderMap| async move {
                record(&log, "venice");
                let n = account_number(&headers);
                json_body(json!({ "canConsume": true, "consumptionCurrency": "USD",
                    "balances": { "diem": null, "usd": n }, "diemEpochAllocation": 0 }))
            }),
        )
        .route(
            "/venice-flaky/billing/balance",
            get(|| async {
                if FLAKY_VENICE_DOWN.load(std::sync::atomic::Ordering::SeqCst) {
                    (axum::http::StatusCode::INTERNAL_SERVER_ERROR, json_body(json!({ "error": "down" })))
                } else {
                    (axum::http::StatusCode::OK, json_body(json!({ "canConsume": true, "consumptionCurrency": "USD",
                        "balances": { "diem": null, "usd": 7 }, "diemEpochAllocation": 0 })))
                }
            }),
        )
        .with_state(Arc::clone(&log));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (base, log)
}

/// An accounts file for `count` accounts spread over the four vendors, and the environment
/// holding their keys.
fn accounts_file(
    dir: &std::path::Path,
    base: &str,
    count: usize,
    extra: &str,
) -> (std::path::PathBuf, Vec<(String, String)>) {
    let mut text = format!("concurrency = 64\n{extra}\n[rate_limits]\n");
    for vendor in VENDORS {
        text.push_str(&format!("{vendor} = {RATE}\n"));
    }
    let mut env = Vec::new();
    for n in 0..count {
        let vendor = VENDORS[n % 4];
        let path = match vendor {
            "runcrate" => "runcrate",
            "ngrok-ai-gateway" => "ngrok",
            other => other,
        };
        text.push_str(&format!(
            "\n[[accounts]]\nprovider = \"{vendor}\"\nname = \"acct-{n}\"\nkey_env = \"KEY_{n}\"\nbase_url = \"{base}/{path}\"\nlabels = {{ team = \"t{}\" }}\n",
            n % 7
        ));
        env.push((format!("KEY_{n}"), format!("key-{n}")));
    }
    let file = dir.join("prepaid.toml");
    std::fs::File::create(&file)
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    (file, env)
}

/// The USD balance account N should have.
fn expected_usd(n: usize) -> String {
    match VENDORS[n % 4] {
        "runcrate" => format!("{n}.25"),
        "ngrok-ai-gateway" | "runtools" => format!("{}.{:02}", n / 100, n % 100),
        _ => n.to_string(),
    }
}

/// The most requests any vendor saw within one second.
fn busiest_second(times: &[Instant]) -> usize {
    let mut times = times.to_vec();
    times.sort();
    (0..times.len())
        .map(|i| {
            times[i..]
                .iter()
                .take_while(|t| t.duration_since(times[i]) < Duration::from_secs(1))
                .count()
        })
        .max()
        .unwrap_or(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_thousand_accounts_from_a_config_file() {
    let (base, log) = emulation().await;
    let dir = tempfile::tempdir().unwrap();
    let (file, env) = accounts_file(dir.path(), &base, ACCOUNTS, "");
    let started = Instant::now();
    let output = tokio::task::spawn_blocking(move || {
        Command::new(env!("CARGO_BIN_EXE_prepaid"))
            .args([
                "--config",
                file.to_str().unwrap(),
                "--format",
                "json",
                "--timeout",
                "60s",
            ])
            .env_clear()
            .env("PREPAID_NO_HISTORY", "1")
            .envs(env)
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    let elapsed = started.elapsed();
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );

    let document: Value = serde_json::from_slice(&output.stdout).unwrap();
    let entries = document["accounts"].as_array().unwrap();
    assert_eq!(entries.len(), ACCOUNTS);
    let by_name: HashMap<&str, &Value> = entries
        .iter()
        .map(|e| (e["account"].as_str().unwrap(), e))
        .collect();
    for n in 0..ACCOUNTS {
        let entry = by_name[format!("acct-{n}").as_str()];
        assert_eq!(entry["provider"], VENDORS[n % 4], "acct-{n}");
        assert_eq!(
            entry["labels"],
            json!({ "team": format!("t{}", n % 7) }),
            "acct-{n}"
        );
        assert_eq!(
            entry["balance"]["available"][0],
            json!({ "value": expected_usd(n), "unit": "USD" }),
            "acct-{n}"
        );
    }

    // Each vendor's rate limit held: at most a second's burst plus a second's refill in any
    // one-second window (with 10% for when requests are seen arriving, not sent), so
    // runtools' 1,000 requests (credits and plan) took at least 4 s. Without the limit, each
    // vendor's requests all arrive within well under a second.
    let log = log.lock().unwrap();
    for vendor in VENDORS {
        let times = &log[vendor];
        let expected = if vendor == "runtools" {
            2 * ACCOUNTS / 4
        } else {
            ACCOUNTS / 4
        };
        assert_eq!(times.len(), expected, "{vendor}");
        let busiest = busiest_second(times);
        assert!(
            busiest <= 2 * RATE + RATE / 10,
            "{vendor}: {busiest} requests in one second"
        );
    }
    assert!(
        elapsed >= Duration::from_millis(3_800),
        "{elapsed:?}: runtools' limit cannot have held"
    );
}

/// Start `prepaid serve` on a free port; returns the child and its metrics URL.
fn start_serve(file: &std::path::Path, env: &[(String, String)], refresh: &str) -> (Child, String) {
    start_serve_with(file, env, refresh, &[])
}

/// [`start_serve`] with more arguments.
fn start_serve_with(
    file: &std::path::Path,
    env: &[(String, String)],
    refresh: &str,
    more: &[&str],
) -> (Child, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_prepaid"))
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--refresh",
            refresh,
            "--config",
            file.to_str().unwrap(),
        ])
        .args(more)
        .env_clear()
        .env("PREPAID_NO_HISTORY", "1")
        .envs(env.iter().cloned())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let url = common::listening_url(&mut child).unwrap();
    (child, url)
}

/// GET `url` until it answers 200 (the first refresh may still be running).
async fn scrape(client: &reqwest::Client, url: &str) -> String {
    for _ in 0..100 {
        if let Ok(response) = client.get(url).send().await
            && response.status() == 200
        {
            return response.text().await.unwrap();
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{url} never answered 200");
}

fn stop(child: Child) -> std::process::ExitStatus {
    common::terminate(child)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_exports_thresholds_and_gzips_for_scrapers_that_ask() {
    use std::io::Read as _;
    let (base, _log) = emulation().await;
    let dir = tempfile::tempdir().unwrap();
    let (file, env) = accounts_file(dir.path(), &base, 8, "");
    let (child, url) = start_serve_with(
        &file,
        &env,
        "1h",
        &["--min-usd", "2", "--min", "venice=5USD"],
    );
    let client = prepaid_client_runtime::http_client().unwrap();
    let plain = scrape(&client, &url).await;
    // acct-3 (Venice, 3 USD): --min-usd 2 and venice=5USD apply; 5 counts, and 3 is below.
    assert!(plain.contains("prepaid_balance_minimum{provider=\"venice\",account=\"acct-3\",team=\"t3\",currency=\"USD\"} 5\n"), "{plain}");
    assert!(plain.contains("prepaid_below_minimum{provider=\"venice\",account=\"acct-3\",team=\"t3\",currency=\"USD\"} 1\n"), "{plain}");
    assert!(plain.contains("prepaid_build_info{version=\""), "{plain}");

    let response = client
        .get(&url)
        .header("accept-encoding", "gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .map(|v| v.to_str().unwrap().to_string())
    };
    assert_eq!(header("content-encoding").as_deref(), Some("gzip"));
    assert_eq!(header("vary").as_deref(), Some("accept-encoding"));
    let compressed = response.bytes().await.unwrap();
    assert!(compressed.len() < plain.len());
    let mut unpacked = String::new();
    flate2::read::GzDecoder::new(&compressed[..])
        .read_to_string(&mut unpacked)
        .unwrap();
    assert_eq!(unpacked, plain, "the same render, compressed");
    let refused = client
        .get(&url)
        .header("accept-encoding", "gzip;q=0")
        .send()
        .await
        .unwrap();
    assert_eq!(refused.headers().get("content-encoding"), None);
    assert_eq!(refused.text().await.unwrap(), plain);
    let landing = client
        .get(url.replace("/metrics", "/"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(landing.contains("href=\"/metrics\""), "{landing}");
    assert!(stop(child).success());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_scrapes_never_call_vendors() {
    let (base, log) = emulation().await;
    let dir = tempfile::tempdir().unwrap();
    let (file, env) = accounts_file(dir.path(), &base, 8, "");
    let (child, url) = start_serve(&file, &env, "1h");
    let client = prepaid_client_runtime::http_client().unwrap();
    let first = scrape(&client, &url).await;
    let calls = |log: &Log| log.lock().unwrap().values().map(Vec::len).sum::<usize>();
    let after_first = calls(&log);
    let second = scrape(&client, &url).await;
    assert_eq!(
        calls(&log),
        after_first,
        "the second scrape called a vendor"
    );
    assert_eq!(after_first, 10, "one refresh: 8 accounts, runtools twice");
    let health = client
        .get(url.replace("/metrics", "/healthz"))
        .send()
        .await
        .unwrap();
    assert_eq!(health.status(), 200);

    for text in [&first, &second] {
        assert!(text.contains("prepaid_balance{provider=\"venice\",account=\"acct-3\",team=\"t3\",currency=\"USD\"} 3\n"), "{text}");
        assert!(text.contains("prepaid_balance{provider=\"ngrok-ai-gateway\",account=\"acct-5\",team=\"t5\",currency=\"USD\"} 0.05\n"), "{text}");
        assert!(
            text.contains(
                "prepaid_fetch_success{provider=\"runtools\",account=\"acct-6\",team=\"t6\"} 1\n"
            ),
            "{text}"
        );
        assert!(
            text.contains("# TYPE prepaid_last_success_timestamp_seconds gauge\n"),
            "{text}"
        );
    }
    let status = stop(child);
    assert!(status.success(), "graceful shutdown on SIGTERM: {status:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_outage_keeps_the_last_good_values_and_shows_fetch_success_0() {
    let (base, _log) = emulation().await;
    let dir = tempfile::tempdir().unwrap();
    let text = format!(
        "[[accounts]]\nprovider = \"venice\"\nname = \"main\"\nkey_env = \"KEY_7\"\nbase_url = \"{base}/venice-flaky\"\n"
    );
    let file = dir.path().join("prepaid.toml");
    std::fs::write(&file, text).unwrap();
    let env = vec![("KEY_7".to_string(), "key-7".to_string())];
    let (child, url) = start_serve(&file, &env, "100ms");
    let client = prepaid_client_runtime::http_client().unwrap();
    let stamp = |text: &str| {
        text.lines()
            .find(|l| l.starts_with("prepaid_last_success_timestamp_seconds"))
            .map(str::to_string)
    };
    let healthy = scrape(&client, &url).await;
    assert!(
        healthy.contains("prepaid_fetch_success{provider=\"venice\",account=\"main\"} 1\n"),
        "{healthy}"
    );
    let balance = "prepaid_balance{provider=\"venice\",account=\"main\",currency=\"USD\"} 7\n";
    assert!(healthy.contains(balance), "{healthy}");

    FLAKY_VENICE_DOWN.store(true, std::sync::atomic::Ordering::SeqCst);
    let mut down = String::new();
    for _ in 0..100 {
        down = scrape(&client, &url).await;
        if down.contains("prepaid_fetch_success{provider=\"venice\",account=\"main\"} 0\n") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    FLAKY_VENICE_DOWN.store(false, std::sync::atomic::Ordering::SeqCst);
    assert!(
        down.contains("prepaid_fetch_success{provider=\"venice\",account=\"main\"} 0\n"),
        "{down}"
    );
    // The last good value is still served, with the time it was fetched: stale, not missing.
    assert!(down.contains(balance), "{down}");
    let good = stamp(&healthy).unwrap();
    let stale = stamp(&down).unwrap();
    assert!(stale >= good, "{stale} < {good}");
    assert!(stop(child).success());
}

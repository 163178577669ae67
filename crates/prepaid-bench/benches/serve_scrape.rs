//! (e) `prepaid serve` with 10,000 accounts, refreshed from the loopback emulation: how long
//! a scrape takes and how much memory the exporter holds. Targets: a scrape answered in
//! <= 10 ms (median of 100 one after the other, and under 20 at once), peak RSS <= 64 MiB.
//!
//! The command under test is the release `prepaid` of this checkout (built first); a
//! baseline binary given in `PREPAID_BASELINE_BIN` (e.g. the same command built at an
//! earlier commit) runs in the same way in the same run, the two alternating. Each run is a
//! fresh `prepaid serve --refresh 1h`: after its first refresh, 100 scrapes one after the
//! other without and with `Accept-Encoding: gzip` (what Prometheus sends), then 5 rounds of
//! 20 concurrent gzip scrapes; then its `VmHWM`. Times are client-side over loopback, the
//! whole body received: an upper bound of the server's own time.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use prepaid_bench::machine;
use prepaid_bench::serve::{self, Times};
use prepaid_emulator::{Emulator, Scenario};

const ACCOUNTS: usize = 10_000;
const SCRAPES: usize = 100;
const CONCURRENT: usize = 20;
const CONCURRENT_ROUNDS: usize = 5;
const TARGET_MS: f64 = 10.0;
const TARGET_RSS_MIB: f64 = 64.0;

fn main() {
    serve::bench_main(run());
}

async fn run() {
    println!("serve_scrape: machine before: {}", machine::load());
    let candidate = serve::build_release_prepaid().expect("the release prepaid");
    let baseline = std::env::var_os("PREPAID_BASELINE_BIN").map(PathBuf::from);
    let emulator = Emulator::start(Scenario::Healthy).await.expect("emulator");
    let dir = std::env::temp_dir().join(format!("prepaid-serve-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temporary folder");
    let accounts = dir.join("prepaid.toml");
    std::fs::write(
        &accounts,
        serve::accounts_file(&emulator, ACCOUNTS).expect("accounts"),
    )
    .expect("accounts file");

    let mut runs: Vec<(&str, &Path)> = Vec::new();
    for _ in 0..2 {
        if let Some(baseline) = &baseline {
            runs.push(("baseline", baseline));
        }
        runs.push(("candidate", &candidate));
    }
    if baseline.is_none() {
        println!("serve_scrape: no PREPAID_BASELINE_BIN: the candidate alone");
    }
    for (label, binary) in runs {
        let result = measure(binary, &accounts).await;
        println!("serve_scrape/{label:<9} {result}");
        if label == "candidate" {
            let met = result.sequential_gzip.median() <= TARGET_MS
                && result.concurrent.median() <= TARGET_MS
                && result.peak_rss_mib <= TARGET_RSS_MIB;
            println!(
                "serve_scrape/{label:<9} targets (median <= {TARGET_MS} ms one at a time and {CONCURRENT} at once, peak RSS <= {TARGET_RSS_MIB} MiB): {}",
                if met { "met" } else { "NOT met" }
            );
        }
    }
    println!("serve_scrape: machine after: {}", machine::load());
    let _ = std::fs::remove_dir_all(&dir);
}

struct Measured {
    first_refresh: Duration,
    body_bytes: usize,
    gzip_bytes: usize,
    sequential_plain: Times,
    sequential_gzip: Times,
    concurrent: Times,
    concurrent_rounds: Times,
    peak_rss_mib: f64,
}

impl std::fmt::Display for Measured {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "first refresh {:.2} s; body {:.2} MB (gzip {:.2} MB)\n  {SCRAPES} scrapes one at a time, plain: {}\n  {SCRAPES} scrapes one at a time, gzip:  {}\n  {CONCURRENT} at once x {CONCURRENT_ROUNDS}, each scrape: {}\n  {CONCURRENT} at once, whole round: {}\n  peak RSS {:.1} MiB",
            self.first_refresh.as_secs_f64(),
            self.body_bytes as f64 / 1e6,
            self.gzip_bytes as f64 / 1e6,
            self.sequential_plain,
            self.sequential_gzip,
            self.concurrent,
            self.concurrent_rounds,
            self.peak_rss_mib
        )
    }
}

/// One fresh `prepaid serve` of `binary`, measured.
async fn measure(binary: &Path, accounts: &Path) -> Measured {
    let (child, url) = start(binary, accounts);
    let client = prepaid_client_runtime::client_builder()
        .expect("TLS")
        .pool_max_idle_per_host(CONCURRENT)
        .build()
        .expect("client");
    let started = Instant::now();
    let body_bytes = loop {
        if let Ok(response) = client.get(&url).send().await
            && response.status() == 200
        {
            break response.bytes().await.map_or(0, |b| b.len());
        }
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "{url} never answered 200"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    let first_refresh = started.elapsed();
    let gzip_bytes = scrape(&client, &url, true).await.1;
    let mut plain = Vec::new();
    let mut gzip = Vec::new();
    for _ in 0..SCRAPES {
        plain.push(scrape(&client, &url, false).await.0);
        gzip.push(scrape(&client, &url, true).await.0);
    }
    let mut each = Vec::new();
    let mut rounds = Vec::new();
    for _ in 0..CONCURRENT_ROUNDS {
        let round = Instant::now();
        let scrapes = (0..CONCURRENT).map(|_| scrape(&client, &url, true));
        each.extend(
            futures_util::future::join_all(scrapes)
                .await
                .into_iter()
                .map(|(ms, _)| ms),
        );
        rounds.push(round.elapsed().as_secs_f64() * 1e3);
    }
    let peak_rss_mib = peak_rss_kib(child.id()) as f64 / 1024.0;
    serve::stop(child);
    Measured {
        first_refresh,
        body_bytes,
        gzip_bytes,
        sequential_plain: Times::new(plain),
        sequential_gzip: Times::new(gzip),
        concurrent: Times::new(each),
        concurrent_rounds: Times::new(rounds),
        peak_rss_mib,
    }
}

/// One scrape: milliseconds until the whole body arrived, and its size.
async fn scrape(client: &reqwest::Client, url: &str, gzip: bool) -> (f64, usize) {
    let started = Instant::now();
    let mut request = client.get(url);
    if gzip {
        request = request.header("accept-encoding", "gzip");
    }
    let response = request.send().await.expect("scrape");
    assert_eq!(response.status(), 200);
    let bytes = response.bytes().await.expect("body").len();
    (started.elapsed().as_secs_f64() * 1e3, bytes)
}

fn start(binary: &Path, accounts: &Path) -> (Child, String) {
    let accounts = accounts.to_str().expect("a UTF-8 path");
    let started = serve::start_serve(
        binary,
        &["--refresh", "1h", "--config", accounts],
        // The exporter alone: no history file (recording is measured on its own).
        &[("PREPAID_NO_HISTORY", "1")],
        Stdio::null(),
    );
    let _ = std::io::stdout().flush();
    started.expect("prepaid serve")
}

fn peak_rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|status| prepaid_bench::memory::parse_status_kib(&status, "VmHWM"))
        .unwrap_or(0)
}

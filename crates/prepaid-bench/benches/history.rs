//! (f) The balance history (issue 15), two targets:
//!
//! 1. A year of 5-minute samples of one account (105,120 rows) answers `prepaid history
//!    --since 365d`, and a balance run's estimate from it, in under 50 ms. Each is a fresh
//!    process of the release command, [`YEAR_RUNS`] times, timed whole (start to exit); the
//!    balance run alternates with one under `--no-history`, its baseline.
//! 2. Recording adds at most 5 % to a 10,000-account `prepaid serve` refresh. The release
//!    `prepaid serve --refresh 1s -v` of this checkout, against the loopback emulation, logs
//!    each refresh's times: fetch; record (the estimates, from the history and the new
//!    samples); render, which waits for the samples' write on another thread; and that
//!    write's own time. Four fresh processes, alternating: without a history
//!    (`PREPAID_NO_HISTORY=1`, the baseline) and with one that already holds five hours of
//!    samples a minute for every account (3.75 million rows, what a `serve` refreshing
//!    every minute has written after five hours). Each runs [`REFRESHES`] refreshes; the
//!    first (which reads every account's window) is reported apart. What the history adds
//!    is the median of record and render with it less that without, over the median whole
//!    refresh without it.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

use std::io::{BufRead as _, BufReader};
use std::path::Path;
use std::process::Stdio;

use prepaid_bench::machine;
use prepaid_bench::serve::{self, Times};
use prepaid_emulator::{Emulator, Scenario};

const ACCOUNTS: usize = 10_000;
const REFRESHES: usize = 16;
/// Minutes of samples a minute the history holds before the first run.
const PREFILLED_MINUTES: i64 = 300;
const TARGET_SHARE: f64 = 0.05;
/// Samples in a year, one every five minutes.
const YEAR_SAMPLES: i64 = 365 * 24 * 12;
const YEAR_RUNS: usize = 10;
const TARGET_YEAR_MS: f64 = 50.0;

fn main() {
    serve::bench_main(run());
}

async fn run() {
    println!("history: machine before: {}", machine::load());
    let binary = serve::build_release_prepaid().expect("the release prepaid");
    let emulator = Emulator::start(Scenario::Healthy).await.expect("emulator");
    let dir = tempfile::tempdir().expect("temporary folder");
    a_year_of_one_account(&binary, &emulator, dir.path());
    let accounts = dir.path().join("prepaid.toml");
    let text = serve::accounts_file(&emulator, ACCOUNTS).expect("accounts");
    std::fs::write(&accounts, text).expect("accounts file");
    let history = dir.path().join("history.sqlite");
    prefill(&binary, &accounts, &history);

    let mut without = Refreshes::default();
    let mut with = Refreshes::default();
    for _ in 0..2 {
        without.extend(refreshes(&binary, &accounts, None));
        with.extend(refreshes(&binary, &accounts, Some(&history)));
    }
    println!("history/no history   {without}");
    println!("history/history      {with}");
    let baseline = without.whole().median();
    let added = with.record_and_render().median() - without.record_and_render().median();
    let share = added / baseline;
    println!(
        "history: recording adds {added:.1} ms to a {baseline:.1} ms refresh (medians): {:.1} % (target <= {:.0} %: {})",
        share * 100.0,
        TARGET_SHARE * 100.0,
        if share <= TARGET_SHARE {
            "met"
        } else {
            "NOT met"
        }
    );
    println!("history: machine after: {}", machine::load());
}

/// Each refresh's times in milliseconds (the first ones' record apart).
#[derive(Default)]
struct Refreshes {
    first_record: Vec<f64>,
    fetch: Vec<f64>,
    record: Vec<f64>,
    write: Vec<f64>,
    render: Vec<f64>,
}

impl Refreshes {
    fn extend(&mut self, (first, rest): (Refresh, Vec<Refresh>)) {
        self.first_record.push(first.record);
        for refresh in rest {
            self.fetch.push(refresh.fetch);
            self.record.push(refresh.record);
            self.write.push(refresh.write);
            self.render.push(refresh.render);
        }
    }

    /// What the history can add to: the estimates, and the render (which waits for the
    /// write).
    fn record_and_render(&self) -> Times {
        let sum = self.record.iter().zip(&self.render).map(|(a, b)| a + b);
        Times::new(sum.collect())
    }

    fn whole(&self) -> Times {
        let whole = (self.fetch.iter().zip(&self.record).zip(&self.render))
            .map(|((fetch, record), render)| fetch + record + render);
        Times::new(whole.collect())
    }
}

impl std::fmt::Display for Refreshes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let times = |values: &Vec<f64>| Times::new(values.clone());
        write!(
            f,
            "first refresh's record {:?} ms\n  fetch  {}\n  record {}\n  render {} (write, meanwhile: {})\n  record + render {}\n  whole  {}",
            self.first_record,
            times(&self.fetch),
            times(&self.record),
            times(&self.render),
            times(&self.write),
            self.record_and_render(),
            self.whole()
        )
    }
}

/// One refresh's times in milliseconds, as `serve -v` logged them.
struct Refresh {
    fetch: f64,
    record: f64,
    write: f64,
    render: f64,
}

/// Target 1: `prepaid history --since 365d` and a balance run's estimate over a year of
/// one account's samples.
fn a_year_of_one_account(binary: &Path, emulator: &Emulator, dir: &Path) {
    let accounts = dir.join("one.toml");
    // Runcrate: one unit (Venice's DIEM would double the rows).
    let base_url = emulator.base_url("runcrate").expect("runcrate");
    let text = format!(
        "[[accounts]]\nprovider = \"runcrate\"\nname = \"year\"\nkey_env = \"PREPAID_BENCH_KEY\"\nbase_url = \"{base_url}\"\n"
    );
    std::fs::write(&accounts, text).expect("accounts file");
    let history = dir.join("year.sqlite");
    let history = history.to_str().expect("a UTF-8 path");
    let accounts = accounts.to_str().expect("a UTF-8 path");
    // Kept whole: the default would thin all but the last 7 days to hourly on the first run.
    let keep = ["--history", history, "--history-full", "400d"];
    let run = |args: &[&str]| {
        let started = std::time::Instant::now();
        let output = serve::command(binary)
            .args(args)
            .args(["--config", accounts])
            .output()
            .expect("prepaid");
        assert!(output.status.success(), "{args:?}: {output:?}");
        (started.elapsed().as_secs_f64() * 1e3, output.stdout)
    };
    run(&[&["--format", "json"][..], &keep].concat());
    // Higher the further back: a balance that burns.
    let rows = fill_back(
        history.as_ref(),
        YEAR_SAMPLES - 1,
        300_000,
        "100000 + steps",
    );
    println!("history/year: {} rows", rows + 1);
    let (mut listed, mut estimated, mut baseline) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..YEAR_RUNS {
        let (ms, table) = run(&[&["history", "--since", "365d"][..], &keep].concat());
        assert!(String::from_utf8_lossy(&table).contains("year"), "a row");
        listed.push(ms);
        let (ms, json) = run(&[&["--format", "json"][..], &keep].concat());
        assert!(
            String::from_utf8_lossy(&json).contains("run_out"),
            "an estimate"
        );
        estimated.push(ms);
        baseline.push(run(&["--format", "json", "--no-history"]).0);
    }
    let (listed, estimated, baseline) = (
        Times::new(listed),
        Times::new(estimated),
        Times::new(baseline),
    );
    println!("history/year: `prepaid history --since 365d`      {listed}");
    println!("history/year: `prepaid --format json` estimating  {estimated}");
    println!("history/year: `prepaid --format json --no-history` {baseline}");
    let met = listed.median() < TARGET_YEAR_MS && estimated.median() < TARGET_YEAR_MS;
    println!(
        "history/year: target (medians under {TARGET_YEAR_MS} ms, process start to exit): {}",
        if met { "met" } else { "NOT met" }
    );
}

/// The history file, made by one `prepaid` run (schema and series), then filled with
/// [`PREFILLED_MINUTES`] earlier samples a minute of every series.
fn prefill(binary: &Path, accounts: &Path, history: &Path) {
    let output = serve::command(binary)
        .args(["--format", "json", "--config"])
        .arg(accounts)
        .arg("--history")
        .arg(history)
        .output()
        .expect("prepaid");
    assert!(output.status.success(), "{output:?}");
    let rows = fill_back(history, PREFILLED_MINUTES, 60_000, "amount");
    println!("history: history prefilled with {rows} rows");
}

/// Copy every sample in `history` back in time, `steps` times `step_ms` apart, each copy's
/// amount the SQL `amount` (over the sample's `amount` and the copy's `steps` back); how
/// many rows that wrote. The file is one a `prepaid` run made: its schema.
fn fill_back(history: &Path, steps: i64, step_ms: i64, amount: &str) -> usize {
    let connection = rusqlite::Connection::open(history).expect("the history");
    connection
        .execute(
            &format!(
                "WITH RECURSIVE back(steps) AS (
                     SELECT 1 UNION ALL SELECT steps + 1 FROM back WHERE steps < ?1)
                 INSERT INTO samples (at_ms, series, amount)
                 SELECT samples.at_ms - steps * ?2, series, CAST({amount} AS TEXT)
                 FROM samples, back"
            ),
            [steps, step_ms],
        )
        .expect("samples filled back")
}

/// One fresh `serve` of [`REFRESHES`] refreshes, recording into `history` (or not): the
/// first refresh's times, and the others'.
fn refreshes(binary: &Path, accounts: &Path, history: Option<&Path>) -> (Refresh, Vec<Refresh>) {
    let accounts = accounts.to_str().expect("a UTF-8 path");
    let mut args = vec!["--refresh", "1s", "-v", "--config", accounts];
    let history = history.map(|h| h.to_str().expect("a UTF-8 path"));
    let mut envs = vec![("RUST_LOG", "prepaid=debug")];
    match history {
        Some(history) => args.extend(["--history", history]),
        None => envs.push(("PREPAID_NO_HISTORY", "1")),
    }
    let (mut child, _url) =
        serve::start_serve(binary, &args, &envs, Stdio::piped()).expect("prepaid serve");
    let stderr = child.stderr.take().expect("stderr");
    let mut times = Vec::new();
    for line in BufReader::new(stderr).lines() {
        let line = line.expect("stderr");
        if !line.contains("refreshed") {
            continue;
        }
        let field = |name: &str| -> f64 {
            line.split_whitespace()
                .find_map(|w| w.strip_prefix(name)?.strip_prefix('='))
                .and_then(|v| v.parse().ok())
                .unwrap_or_else(|| panic!("no {name} in {line}"))
        };
        times.push(Refresh {
            fetch: field("fetch_ms"),
            record: field("record_ms"),
            write: field("write_ms"),
            render: field("render_ms"),
        });
        if times.len() == REFRESHES {
            break;
        }
    }
    serve::stop(child);
    assert_eq!(times.len(), REFRESHES, "serve stopped early");
    let first = times.remove(0);
    (first, times)
}

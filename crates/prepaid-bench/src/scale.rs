//! The scale benchmark: [`ACCOUNTS`] accounts spread evenly over the four vendors (keys
//! `key-N`, names `account-N`), fetched at most [`CONCURRENCY`] at once, through the facade
//! or through the [`bare`](crate::bare) baseline.
//!
//! Peak memory is only meaningful per process, so each mode can run alone in a fresh
//! process ([`run_process`], the `prepaid-bench-scale` binary) that prints one JSON line
//! ([`Report`]); [`spawn`] runs one and reads it back.

use std::path::Path;
use std::time::{Duration, Instant};

use prepaid::{Prepaid, Provider, ProviderConfig};
use serde_json::{Value, json};

use crate::bare::{self, BareAccount};
use crate::{bodies, memory};

/// Accounts in the scale benchmark.
pub const ACCOUNTS: usize = 10_000;

/// Fetches at once in the scale benchmark.
pub const CONCURRENCY: usize = 256;

/// The vendor of account `n`: the four in turn.
pub fn provider_of(n: usize) -> Provider {
    Provider::ALL[n % Provider::ALL.len()]
}

/// HTTP requests one round over `accounts` accounts sends (runtools' fetch is two).
pub fn requests(accounts: usize) -> usize {
    (0..accounts)
        .map(|n| bodies::paths(provider_of(n)).len())
        .sum()
}

/// The facade over `accounts` accounts served under `origin`, `concurrency` at once, each
/// with one label (`team = team-<n % 32>`).
pub fn facade(
    origin: &str,
    accounts: usize,
    concurrency: usize,
) -> Result<Prepaid, prepaid::ConfigError> {
    configure(origin, accounts, concurrency, true)
}

fn configure(
    origin: &str,
    accounts: usize,
    concurrency: usize,
    labelled: bool,
) -> Result<Prepaid, prepaid::ConfigError> {
    let mut builder = Prepaid::builder().concurrency(concurrency);
    for n in 0..accounts {
        let provider = provider_of(n);
        let mut config = ProviderConfig::new(provider, format!("key-{n}"))
            .base_url(bodies::base_url(origin, provider))
            .name(format!("account-{n}"));
        if labelled {
            config = config.label("team", format!("team-{}", n % 32));
        }
        builder = builder.provider(config);
    }
    builder.build()
}

/// The same accounts for the baseline.
pub fn bare_accounts(origin: &str, accounts: usize) -> Result<Vec<BareAccount>, bare::BareError> {
    (0..accounts)
        .map(|n| BareAccount::new(origin, provider_of(n), &format!("key-{n}")))
        .collect()
}

/// How one round went: balances fetched, failures, and the first failure's message.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Outcome {
    /// Accounts fetched.
    pub ok: usize,
    /// Accounts that failed.
    pub failed: usize,
    /// The first failure, if any.
    pub first_error: Option<String>,
}

impl Outcome {
    fn of<T, E: std::fmt::Display>(results: impl IntoIterator<Item = Result<T, E>>) -> Self {
        let mut outcome = Self::default();
        for result in results {
            match result {
                Ok(_) => outcome.ok += 1,
                Err(e) => {
                    outcome.failed += 1;
                    outcome.first_error.get_or_insert_with(|| e.to_string());
                }
            }
        }
        outcome
    }
}

/// One round through the facade: `fetch_all`, every result kept until all are in.
pub async fn facade_round(prepaid: &Prepaid) -> Outcome {
    Outcome::of(prepaid.fetch_all().await.into_iter().map(|f| f.result))
}

/// One round through the baseline.
pub async fn bare_round(
    client: &reqwest::Client,
    accounts: &[BareAccount],
    concurrency: usize,
) -> Outcome {
    Outcome::of(bare::fetch_all(client, accounts, concurrency).await)
}

/// Which side of the comparison a process runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// `Prepaid::fetch_accounts`.
    Facade,
    /// `Prepaid::fetch_accounts` over accounts without labels (a diagnostic: what the
    /// label of each account weighs).
    FacadeUnlabelled,
    /// The bare `reqwest` loop.
    Bare,
}

impl Mode {
    /// `facade` or `bare`.
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Facade => "facade",
            Mode::FacadeUnlabelled => "facade-unlabelled",
            Mode::Bare => "bare",
        }
    }

    /// The mode named `name`.
    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "facade" => Some(Mode::Facade),
            "facade-unlabelled" => Some(Mode::FacadeUnlabelled),
            "bare" => Some(Mode::Bare),
            _ => None,
        }
    }
}

/// What one process measured.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    /// The mode run.
    pub mode: Mode,
    /// Accounts per round.
    pub accounts: usize,
    /// Fetches at once.
    pub concurrency: usize,
    /// Each round's wall time, in seconds; the first includes opening the connections.
    pub round_secs: Vec<f64>,
    /// Peak resident set size (`VmHWM`) after the last round, in KiB.
    pub peak_rss_kib: u64,
    /// Resident set size before the accounts were configured, in KiB.
    pub start_rss_kib: u64,
    /// Resident set size once the accounts and the client were configured, before the
    /// first fetch, in KiB.
    pub configured_rss_kib: u64,
    /// CPU time (user + system, every thread) of each round, in seconds.
    pub round_cpu_secs: Vec<f64>,
}

impl Report {
    /// Accounts a second over the rounds after the first (the first, if it is the only one).
    pub fn warm_accounts_per_sec(&self) -> f64 {
        let warm = warm(&self.round_secs);
        let secs: f64 = warm.iter().sum();
        if secs > 0.0 {
            (self.accounts * warm.len()) as f64 / secs
        } else {
            0.0
        }
    }

    /// This process's CPU time per account over the rounds after the first (the first, if
    /// it is the only one), in microseconds: the client's cost, whatever else the machine
    /// runs.
    pub fn warm_cpu_us_per_account(&self) -> f64 {
        let warm = warm(&self.round_cpu_secs);
        let accounts = (self.accounts * warm.len()) as f64;
        if accounts > 0.0 {
            warm.iter().sum::<f64>() * 1e6 / accounts
        } else {
            0.0
        }
    }

    /// The report as the one JSON line the process prints.
    pub fn to_json(&self) -> Value {
        json!({
            "mode": self.mode.as_str(),
            "accounts": self.accounts,
            "concurrency": self.concurrency,
            "round_secs": self.round_secs,
            "warm_accounts_per_sec": self.warm_accounts_per_sec(),
            "warm_cpu_us_per_account": self.warm_cpu_us_per_account(),
            "peak_rss_kib": self.peak_rss_kib,
            "start_rss_kib": self.start_rss_kib,
            "configured_rss_kib": self.configured_rss_kib,
            "round_cpu_secs": self.round_cpu_secs,
        })
    }

    /// A report read back from [`Report::to_json`]'s output.
    pub fn from_json(value: &Value) -> Option<Self> {
        Some(Self {
            mode: Mode::parse(value.get("mode")?.as_str()?)?,
            accounts: usize::try_from(value.get("accounts")?.as_u64()?).ok()?,
            concurrency: usize::try_from(value.get("concurrency")?.as_u64()?).ok()?,
            round_secs: floats(value.get("round_secs")?)?,
            peak_rss_kib: value.get("peak_rss_kib")?.as_u64()?,
            start_rss_kib: value.get("start_rss_kib")?.as_u64()?,
            configured_rss_kib: value.get("configured_rss_kib")?.as_u64()?,
            round_cpu_secs: floats(value.get("round_cpu_secs")?)?,
        })
    }
}

/// The rounds after the first (the first, if it is the only one).
fn warm(rounds: &[f64]) -> &[f64] {
    match rounds {
        [_, rest @ ..] if !rest.is_empty() => rest,
        all => all,
    }
}

/// An array of numbers.
fn floats(value: &Value) -> Option<Vec<f64>> {
    value.as_array()?.iter().map(Value::as_f64).collect()
}

/// What a process is asked to run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Job {
    /// The mode.
    pub mode: Mode,
    /// `http://127.0.0.1:PORT` of a running [`Server`](crate::Server).
    pub origin: String,
    /// Accounts.
    pub accounts: usize,
    /// Fetches at once.
    pub concurrency: usize,
    /// Rounds (the first one cold).
    pub rounds: usize,
}

impl Job {
    /// The command-line arguments of the `prepaid-bench-scale` binary for this job.
    pub fn args(&self) -> Vec<String> {
        vec![
            self.mode.as_str().to_string(),
            self.origin.clone(),
            self.accounts.to_string(),
            self.concurrency.to_string(),
            self.rounds.to_string(),
        ]
    }

    /// The job given by [`Job::args`].
    pub fn from_args(args: &[String]) -> Result<Self, String> {
        let usage = "usage: prepaid-bench-scale facade|facade-unlabelled|bare http://127.0.0.1:PORT ACCOUNTS CONCURRENCY ROUNDS";
        let [mode, origin, accounts, concurrency, rounds] = args else {
            return Err(usage.to_string());
        };
        let number = |text: &str| text.parse::<usize>().map_err(|_| usage.to_string());
        if !origin.starts_with("http://127.0.0.1:") {
            return Err(format!("only a loopback origin is served: {origin}"));
        }
        Ok(Self {
            mode: Mode::parse(mode).ok_or_else(|| usage.to_string())?,
            origin: origin.clone(),
            accounts: number(accounts)?,
            concurrency: number(concurrency)?,
            rounds: number(rounds)?.max(1),
        })
    }
}

/// Run `job` in this process (which should run nothing else) and report; any failed fetch
/// is an error, so a report always counts successful fetches only.
pub fn run_process(job: &Job) -> Result<Report, String> {
    let start_rss_kib = memory::status_kib("VmRSS").unwrap_or(0);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the runtime: {e}"))?;
    let mut rounds = Rounds::default();
    runtime.block_on(async {
        match job.mode {
            Mode::Facade | Mode::FacadeUnlabelled => {
                let labelled = job.mode == Mode::Facade;
                let prepaid = configure(&job.origin, job.accounts, job.concurrency, labelled)
                    .map_err(|e| format!("cannot configure the facade: {e}"))?;
                rounds.configured();
                for _ in 0..job.rounds {
                    let outcome = rounds.time(facade_round(&prepaid)).await;
                    check(&outcome, job.accounts)?;
                }
            }
            Mode::Bare => {
                let client = bare::client(job.concurrency)
                    .map_err(|e| format!("cannot build the client: {e}"))?;
                let accounts = bare_accounts(&job.origin, job.accounts)
                    .map_err(|e| format!("cannot configure the accounts: {e}"))?;
                rounds.configured();
                for _ in 0..job.rounds {
                    let outcome = rounds
                        .time(bare_round(&client, &accounts, job.concurrency))
                        .await;
                    check(&outcome, job.accounts)?;
                }
            }
        }
        Ok::<_, String>(())
    })?;
    let peak_rss_kib =
        memory::status_kib("VmHWM").ok_or("no VmHWM in /proc/self/status (not Linux?)")?;
    Ok(Report {
        mode: job.mode,
        accounts: job.accounts,
        concurrency: job.concurrency,
        round_secs: rounds.secs,
        peak_rss_kib,
        start_rss_kib,
        configured_rss_kib: rounds.configured_rss_kib,
        round_cpu_secs: rounds.cpu_secs,
    })
}

/// The wall and CPU time of each round, and the memory once configured.
#[derive(Default)]
struct Rounds {
    secs: Vec<f64>,
    cpu_secs: Vec<f64>,
    configured_rss_kib: u64,
}

impl Rounds {
    fn configured(&mut self) {
        self.configured_rss_kib = memory::status_kib("VmRSS").unwrap_or(0);
    }

    async fn time<T>(&mut self, round: impl std::future::Future<Output = T>) -> T {
        let cpu = memory::cpu_secs().unwrap_or(0.0);
        let started = Instant::now();
        let output = round.await;
        self.secs.push(started.elapsed().as_secs_f64());
        self.cpu_secs.push(memory::cpu_secs().unwrap_or(0.0) - cpu);
        output
    }
}

/// `Ok` when all `accounts` fetches succeeded.
pub fn check(outcome: &Outcome, accounts: usize) -> Result<(), String> {
    if outcome.ok == accounts && outcome.failed == 0 {
        Ok(())
    } else {
        Err(format!(
            "{} of {accounts} fetched, {} failed; first failure: {}",
            outcome.ok,
            outcome.failed,
            outcome.first_error.as_deref().unwrap_or("none")
        ))
    }
}

/// Run `job` in a fresh process of `exe` (the `prepaid-bench-scale` binary), at most
/// `limit` long, and read its report.
pub fn spawn(exe: &Path, job: &Job, limit: Duration) -> Result<Report, String> {
    let mut child = std::process::Command::new(exe)
        .args(job.args())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}", exe.display()))?;
    let started = Instant::now();
    loop {
        match child.try_wait() {
            Ok(Some(_)) => break,
            Ok(None) if started.elapsed() > limit => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!("{} took more than {limit:?}", job.mode.as_str()));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(20)),
            Err(e) => return Err(format!("cannot wait for the child: {e}")),
        }
    }
    let output = child
        .wait_with_output()
        .map_err(|e| format!("cannot read the child's output: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "{} failed ({}): {}",
            job.mode.as_str(),
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        ));
    }
    let stdout = String::from_utf8_lossy(&output.stdout);
    let line = stdout.lines().last().unwrap_or_default();
    let value: Value =
        serde_json::from_str(line).map_err(|e| format!("not a report ({e}): {line}"))?;
    Report::from_json(&value).ok_or_else(|| format!("not a report: {line}"))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn a_job_round_trips_through_its_arguments() {
        let job = Job {
            mode: Mode::Facade,
            origin: "http://127.0.0.1:8080".to_string(),
            accounts: 12,
            concurrency: 4,
            rounds: 2,
        };
        assert_eq!(Job::from_args(&job.args()), Ok(job));
        let remote = ["bare", "http://example.com", "1", "1", "1"].map(String::from);
        assert!(Job::from_args(&remote).is_err());
    }

    #[test]
    fn a_report_round_trips_through_json() {
        let report = Report {
            mode: Mode::Bare,
            accounts: 100,
            concurrency: 8,
            round_secs: vec![0.5, 0.25, 0.25],
            peak_rss_kib: 20_000,
            start_rss_kib: 3_000,
            configured_rss_kib: 5_000,
            round_cpu_secs: vec![0.25, 0.125, 0.125],
        };
        assert_eq!(report.warm_accounts_per_sec(), 400.0);
        assert_eq!(report.warm_cpu_us_per_account(), 1250.0);
        assert_eq!(Report::from_json(&report.to_json()), Some(report));
    }

    #[tokio::test]
    async fn both_modes_fetch_every_account_from_the_loopback_server() {
        let server = crate::server::start(Duration::ZERO).await.unwrap();
        let accounts = 8;
        let prepaid = facade(&server.origin(), accounts, 4).unwrap();
        assert_eq!(check(&facade_round(&prepaid).await, accounts), Ok(()));
        let client = bare::client(4).unwrap();
        let bare = bare_accounts(&server.origin(), accounts).unwrap();
        assert_eq!(
            check(&bare_round(&client, &bare, 4).await, accounts),
            Ok(())
        );
        assert_eq!(requests(accounts), 10);
    }
}

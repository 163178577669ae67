#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

mod accounts;
mod cli;
mod clock;
mod demo;
mod estimate;
#[cfg(feature = "history")]
mod history;
#[cfg(feature = "history")]
mod history_view;
mod logging;
mod output;
mod prometheus;
mod report;
mod serve;
mod table;
mod thresholds;
mod web_config;

use std::collections::BTreeMap;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use prepaid::{Account, AccountBalance, Prepaid, Provider, Unit};

use cli::{Cli, Command, Format, Options};
use thresholds::{RunOutLimit, Threshold, Thresholds};

/// Every balance fetched and none below its threshold.
const OK: u8 = 0;
/// Some balance is below its threshold.
const BELOW_THRESHOLD: u8 = 1;
/// Usage or configuration error (clap uses 2 for its own usage errors too).
const USAGE: u8 = 2;
/// Some account could not be fetched; none of those fetched is below its threshold.
const FETCH_FAILED: u8 = 3;
/// Some account could not be fetched, and some fetched balance is below its threshold:
/// one vendor's outage never hides another account's low balance.
const FETCH_FAILED_AND_BELOW: u8 = 4;
/// The command could not do its own I/O: `--output` not written, `serve`'s address not
/// listened on, the demo's local vendors not started.
const IO_FAILED: u8 = 5;

fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Err(message) = logging::init(cli.options.verbose) {
        return fail(USAGE, &message);
    }
    if let Err(message) = clock::init() {
        return fail(USAGE, &message);
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => return fail(USAGE, &format!("cannot start the async runtime: {error}")),
    };
    runtime.block_on(run(cli))
}

/// Print `message` as one line on stderr and return `code`.
fn fail(code: u8, message: &str) -> ExitCode {
    eprintln!("error: {message}");
    ExitCode::from(code)
}

/// Print `text` on stdout; a closed pipe (`prepaid | head`) is not an error.
fn print(text: &str) {
    let _ = std::io::stdout().lock().write_all(text.as_bytes());
}

/// Print `text` on stdout, or write it to `--output`; then exit with `code` (5 if the file
/// cannot be written: the old one is left as it was).
fn emit(options: &Options, text: &str, code: u8) -> ExitCode {
    match &options.output {
        None => print(text),
        Some(path) => {
            if let Err(message) = output::write_atomically(path, text.as_bytes()) {
                return fail(IO_FAILED, &message);
            }
        }
    }
    ExitCode::from(code)
}

/// Why `command` cannot give `format`, if it cannot.
fn unsupported_format(command: &Command, format: Format) -> Option<&'static str> {
    match (command, format) {
        (Command::History { .. }, Format::Prometheus) => {
            Some("`history` has no Prometheus form: use --format table, json or csv")
        }
        (Command::History { .. }, _) => None,
        (_, Format::Csv) => Some("only `prepaid history` gives CSV"),
        (Command::Ledger { .. }, Format::Prometheus) => {
            Some("`ledger` has no Prometheus form: use --format table or json")
        }
        (Command::Usage { .. }, Format::Prometheus) => {
            Some("`usage` has no Prometheus form: use --format table or json")
        }
        (Command::AutoTopup { .. }, Format::Prometheus) => {
            Some("`auto-topup` has no Prometheus form: use --format table or json")
        }
        (Command::Watch { .. }, Format::Json | Format::Prometheus) => {
            Some("watch shows a table; for machines, run `prepaid --format json` on a schedule")
        }
        _ => None,
    }
}

async fn run(cli: Cli) -> ExitCode {
    let options = &cli.options;
    let command = cli.command.unwrap_or(Command::Balance);
    match &command {
        Command::Schema => return emit(options, &report::schema(), OK),
        Command::Completions { shell } => return emit(options, &completions(*shell), OK),
        Command::Man => {
            return match man_page() {
                Ok(text) => emit(options, &text, OK),
                Err(message) => fail(USAGE, &message),
            };
        }
        Command::History { limit: Some(_), .. } => {
            return fail(
                USAGE,
                "`history` now shows the recorded balances; runtools' credit ledger is `prepaid ledger runtools --limit N`",
            );
        }
        Command::Watch { .. } | Command::Serve { .. } if options.output.is_some() => {
            return fail(
                USAGE,
                "--output is for commands that print once: watch prints to the terminal, serve answers scrapes",
            );
        }
        _ => {}
    }
    if let Some(reason) = unsupported_format(&command, options.format) {
        return fail(USAGE, reason);
    }
    if let Command::History {
        provider,
        account,
        since,
        ..
    } = &command
    {
        return recorded_history(options, *provider, account.as_deref(), *since);
    }
    if options.demo_failures && !options.demo {
        return fail(USAGE, "--demo-failures goes with --demo");
    }
    let runtools_extra_asked = matches!(
        command,
        Command::Ledger { .. } | Command::Usage { .. } | Command::AutoTopup { .. }
    );
    if runtools_extra_asked && !prepaid::Provider::Runtools.is_compiled_in() {
        return fail(
            USAGE,
            "this prepaid was built without runtools: build it with the cargo feature `runtools`",
        );
    }
    let demo = if options.demo {
        match demo::Demo::start(options.demo_failures).await {
            Ok(demo) => Some(demo),
            Err(message) => return fail(IO_FAILED, &message),
        }
    } else {
        None
    };
    let (prepaid, file_thresholds, file_limits) = match configure(options, demo.as_ref()) {
        Ok(configured) => configured,
        Err(message) => return fail(USAGE, &message),
    };
    let mut thresholds = thresholds(options);
    thresholds.extend(file_thresholds);
    if let Err(message) = thresholds::check_units(&thresholds) {
        return fail(USAGE, &message);
    }
    let mut limits: Vec<RunOutLimit> = options
        .min_hours
        .map(|hours| RunOutLimit {
            provider: None,
            account: None,
            hours,
        })
        .into_iter()
        .collect();
    limits.extend(file_limits);
    let thresholds = Thresholds::new(thresholds, limits);
    match command {
        Command::Balance => balance(&prepaid, options, &thresholds).await,
        Command::Schema | Command::Completions { .. } | Command::Man => ExitCode::from(OK),
        Command::Watch { interval, count } => {
            let recorder = Recorder::open(options);
            watch(&prepaid, &thresholds, interval, count, recorder).await
        }
        Command::Serve {
            listen,
            refresh,
            web_config_file,
            allow_insecure_listen,
        } => {
            let web = match web_config_file.as_deref().map(web_config::load).transpose() {
                Ok(web) => web.unwrap_or_default(),
                Err(message) => return fail(USAGE, &message),
            };
            let listen = serve::Listen {
                address: listen,
                web,
                allow_insecure: allow_insecure_listen,
            };
            let recorder = Recorder::open(options);
            match serve::serve(prepaid, &listen, refresh, thresholds, recorder).await {
                Ok(()) => ExitCode::from(OK),
                Err(serve::ServeError::Refused(message)) => fail(USAGE, &message),
                Err(serve::ServeError::Io(message)) => fail(IO_FAILED, &message),
            }
        }
        Command::History { .. } => ExitCode::from(OK),
        Command::Ledger { limit, account, .. } => {
            runtools_extra(&prepaid, options, account, Extra::History(limit)).await
        }
        Command::Usage {
            period, account, ..
        } => runtools_extra(&prepaid, options, account, Extra::Usage(period)).await,
        Command::AutoTopup { account, .. } => {
            runtools_extra(&prepaid, options, account, Extra::AutoTopup).await
        }
    }
}

/// `prepaid completions SHELL`.
fn completions(shell: clap_complete::Shell) -> String {
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "prepaid", &mut script);
    String::from_utf8_lossy(&script).into_owned()
}

/// `prepaid man`: the manual page, in roff.
fn man_page() -> Result<String, String> {
    let mut page = Vec::new();
    clap_mangen::Man::new(Cli::command())
        .render(&mut page)
        .map_err(|e| format!("cannot render the manual page: {e}"))?;
    String::from_utf8(page).map_err(|e| format!("cannot render the manual page: {e}"))
}

/// The accounts file to read: `--config` (or `PREPAID_CONFIG`), or `prepaid.toml` in the
/// platform's configuration directory if it exists (`$XDG_CONFIG_HOME/prepaid/` on Linux).
/// Never a file of the current directory: running `prepaid` inside a checkout of someone
/// else's repository must not configure where keys go.
fn accounts_file(options: &Options) -> Option<PathBuf> {
    options
        .config
        .clone()
        .or_else(|| accounts::default_path().filter(|path| path.is_file()))
}

/// The facade for the demo, or from the accounts file and the environment, with every fetch
/// bounded by `--timeout`; and the accounts file's thresholds. A configuration error is one
/// line saying what to fix.
fn configure(
    options: &Options,
    demo: Option<&demo::Demo>,
) -> Result<(Prepaid, Vec<Threshold>, Vec<RunOutLimit>), String> {
    if let Some(demo) = demo {
        let prepaid = demo.prepaid(
            |config| config.timeout(options.timeout),
            !options.demo_failures,
        );
        return prepaid
            .map(|p| (p, Vec::new(), Vec::new()))
            .map_err(|e| e.to_string());
    }
    let mut builder = Prepaid::builder();
    let mut thresholds = Vec::new();
    let mut limits = Vec::new();
    if let Some(path) = accounts_file(options) {
        let file = accounts::load(&path, |name| std::env::var(name).ok())?;
        for config in file.accounts {
            builder = builder.provider(config);
        }
        if let Some(limit) = file.concurrency {
            builder = builder.concurrency(limit);
        }
        for (provider, per_second) in file.rate_limits {
            builder = builder.rate_limit(provider, per_second);
        }
        thresholds = file.thresholds;
        limits = file.run_out_limits;
    }
    if let Some(proxy) = &options.proxy {
        builder = builder.proxy(proxy.clone());
    }
    if options.no_proxy {
        builder = builder.no_proxy();
    }
    if let Some(path) = &options.ca_file {
        let pem = std::fs::read(path)
            .map_err(|error| format!("--ca-file {}: {error}", path.display()))?;
        builder = builder.ca_certificates(pem);
    }
    if options.bundled_roots {
        #[cfg(feature = "webpki-roots")]
        {
            builder = builder.bundled_roots();
        }
        #[cfg(not(feature = "webpki-roots"))]
        return Err(
            "--bundled-roots: this prepaid was built without them: build it with the cargo feature `webpki-roots`"
                .into(),
        );
    }
    let prepaid = builder
        .timeout(options.timeout)
        .env_vars(|name| std::env::var(name).ok())
        .and_then(prepaid::PrepaidBuilder::build)
        .map_err(|error| error.to_string())?;
    if prepaid.accounts().is_empty() {
        let keys: Vec<String> = Provider::ALL
            .iter()
            .map(|p| format!("{}_API_KEY", p.env_prefix()))
            .collect();
        return Err(format!(
            "no provider configured: set at least one of {}, or list accounts in an accounts file (--config FILE, or prepaid.toml in the configuration folder: see --help) (or try `prepaid --demo`)",
            keys.join(", ")
        ));
    }
    Ok((prepaid, thresholds, limits))
}

/// Fetch every account (concurrently, within the configured limits); a spinner on a terminal.
async fn fetch_all(prepaid: &Prepaid) -> Vec<AccountBalance> {
    let spinner = std::io::stderr().is_terminal().then(|| {
        let spinner = indicatif::ProgressBar::new_spinner().with_message("fetching balances");
        spinner.enable_steady_tick(Duration::from_millis(100));
        spinner
    });
    let mut fetched = prepaid.fetch_all().await;
    clock::stamp(&mut fetched);
    if let Some(spinner) = spinner {
        spinner.finish_and_clear();
    }
    fetched
}

/// The thresholds from `--min-usd` and `--min`.
fn thresholds(options: &Options) -> Vec<Threshold> {
    options
        .min_usd
        .map(Threshold::usd)
        .into_iter()
        .chain(options.min.iter().cloned())
        .collect()
}

/// 0 if every account was fetched and none is below a threshold; 1 if one is below (or runs
/// out too soon); 3 if an account failed; 4 if one failed and another is below.
fn exit_code(
    fetched: &[AccountBalance],
    thresholds: &Thresholds,
    estimates: &estimate::Estimates,
) -> u8 {
    let failed = fetched.iter().any(|f| f.result.is_err());
    match (failed, any_below(fetched, thresholds, estimates)) {
        (false, false) => OK,
        (false, true) => BELOW_THRESHOLD,
        (true, false) => FETCH_FAILED,
        (true, true) => FETCH_FAILED_AND_BELOW,
    }
}

/// Whether a fetched balance is below its threshold or estimated to run out too soon.
fn any_below(
    fetched: &[AccountBalance],
    thresholds: &Thresholds,
    estimates: &estimate::Estimates,
) -> bool {
    let now = clock::now();
    let too_soon = fetched.iter().any(|f| {
        f.result.iter().flat_map(|b| &b.available).any(|amount| {
            estimates
                .get(&f.account, &amount.unit)
                .and_then(|e| e.runs_out_at)
                .is_some_and(|at| thresholds.runs_out_too_soon(&f.account, at, now))
        })
    });
    too_soon
        || fetched.iter().any(|f| {
            f.result.as_ref().is_ok_and(|balance| {
                thresholds
                    .applying(&f.account)
                    .any(|t| t.breach(&f.account, balance).is_some())
            })
        })
}

async fn balance(prepaid: &Prepaid, options: &Options, thresholds: &Thresholds) -> ExitCode {
    let fetched = fetch_all(prepaid).await;
    let mut recorder = Recorder::open(options);
    let mut estimates = recorder.record(&fetched);
    if recorder.is_on() {
        ledger_estimates(prepaid, &fetched, &mut estimates).await;
    }
    let text = match options.format {
        // CSV was refused before fetching (only `history` gives it).
        Format::Table | Format::Csv => table::render(&fetched, thresholds, &estimates),
        Format::Json => match report::json(&fetched, &estimates) {
            Ok(text) => text,
            Err(message) => return fail(IO_FAILED, &message),
        },
        Format::Prometheus => {
            let rows: Vec<prometheus::Row<'_>> =
                fetched.iter().map(prometheus::Row::from_fetch).collect();
            prometheus::render(&rows, thresholds, &estimates, 0)
        }
    };
    emit(options, &text, exit_code(&fetched, thresholds, &estimates))
}

/// How many of runtools' latest ledger entries an estimate from the ledger reads.
#[cfg(feature = "runtools")]
const LEDGER_ENTRIES: u16 = 100;

/// Estimates, from runtools' credit ledger (each entry's balance after it) and the balance
/// just fetched, for the runtools accounts the history cannot estimate yet. A ledger that
/// cannot be read leaves its account without an estimate, as before (a line at `-v`).
#[cfg(feature = "runtools")]
async fn ledger_estimates(
    prepaid: &Prepaid,
    fetched: &[AccountBalance],
    estimates: &mut estimate::Estimates,
) {
    use futures_util::StreamExt as _;
    let wanted = fetched.iter().filter_map(|f| {
        let balance = f.result.as_ref().ok()?;
        let usd = balance.available.iter().find(|a| a.unit == Unit::Usd)?;
        if f.account.provider != Provider::Runtools
            || estimates.get(&f.account, &usd.unit).is_some()
        {
            return None;
        }
        let runtools = prepaid.runtools_for(&f.account).ok()?;
        Some(async move {
            let ledger = runtools.credit_history(LEDGER_ENTRIES).await;
            (f, (balance.fetched_at, usd.value), ledger)
        })
    });
    let read: Vec<_> = futures_util::stream::iter(wanted)
        .buffer_unordered(16)
        .collect()
        .await;
    let (now, rules) = (clock::now(), estimate::Rules::default());
    for (f, current, ledger) in read {
        let entries = match ledger {
            Ok(entries) => entries,
            Err(error) => {
                tracing::info!(account = %f.account.name, %error, "no estimate from runtools' ledger");
                continue;
            }
        };
        let samples = entries.iter().filter_map(|entry| {
            let after = entry
                .balance_after
                .as_ref()
                .filter(|a| a.unit == Unit::Usd)?;
            Some((entry.created_at?, after.value))
        });
        if let Ok(found) = estimate::from_ledger(samples, current, now, &rules) {
            estimates.insert(&f.account, &Unit::Usd, found);
        }
    }
}

/// Without runtools, no ledger.
#[cfg(not(feature = "runtools"))]
async fn ledger_estimates(_: &Prepaid, _: &[AccountBalance], _: &mut estimate::Estimates) {}

/// Where a run records its balances and finds their estimates: the history file, unless it
/// is off (`--no-history`, or built without the `history` feature) or cannot be used. A
/// history that cannot be used costs no balance: one line on stderr says why, and the run
/// goes on without estimates.
pub struct Recorder {
    #[cfg(feature = "history")]
    history: Option<history::History>,
}

impl Recorder {
    /// Open the run's history (see [`Options::history`]).
    pub fn open(options: &Options) -> Self {
        #[cfg(feature = "history")]
        {
            // The demo's made-up balances stay out of the real history.
            let path = if options.no_history || (options.demo && options.history.is_none()) {
                None
            } else {
                options.history.clone().or_else(history::default_path)
            };
            let days = |duration: Duration| {
                chrono::TimeDelta::from_std(duration).unwrap_or(chrono::TimeDelta::MAX)
            };
            let retention = history::Retention {
                full: days(options.history_full),
                keep: days(options.history_keep),
            };
            let history = path.and_then(|path| {
                match history::History::open(&path, retention, options.history_wait) {
                    Ok(history) => Some(history),
                    Err(error) => {
                        eprintln!("warning: history: {error}");
                        None
                    }
                }
            });
            Self { history }
        }
        #[cfg(not(feature = "history"))]
        {
            let _ = options;
            Self {}
        }
    }

    /// Whether runs are recorded and estimated (the history is on and could be opened).
    pub fn is_on(&self) -> bool {
        #[cfg(feature = "history")]
        return self.history.is_some();
        #[cfg(not(feature = "history"))]
        false
    }

    /// Record `fetched` and estimate from the history; no estimates when it is off or fails.
    pub fn record(&mut self, fetched: &[AccountBalance]) -> estimate::Estimates {
        let (estimates, unwritten) = self.estimate(fetched);
        self.write(unwritten);
        estimates
    }

    /// Estimate from the history and `fetched`, whose samples are returned to be
    /// [written](Self::write); no estimates when the history is off or fails.
    pub fn estimate(&mut self, fetched: &[AccountBalance]) -> (estimate::Estimates, Unwritten) {
        #[cfg(feature = "history")]
        if let Some(history) = &mut self.history {
            let rules = estimate::Rules::default();
            // A failure (busy, disk full) may pass: `serve` tries again next refresh.
            match history.estimate(fetched, clock::now(), &rules) {
                Ok((estimates, pending)) => return (estimates, Unwritten(Some(pending))),
                Err(error) => eprintln!("warning: history: {error}"),
            }
        }
        #[cfg(not(feature = "history"))]
        let _ = fetched;
        (estimate::Estimates::default(), Unwritten::default())
    }

    /// Write the samples [`Recorder::estimate`] returned; one line on stderr if that fails.
    pub fn write(&mut self, unwritten: Unwritten) {
        #[cfg(feature = "history")]
        if let (Some(history), Some(pending)) = (&mut self.history, unwritten.0)
            && let Err(error) = history.write(pending)
        {
            eprintln!("warning: history: {error}");
        }
        #[cfg(not(feature = "history"))]
        let _ = unwritten;
    }
}

/// Samples estimated from but not yet written to the history (none when it is off).
#[derive(Debug, Default)]
pub struct Unwritten(#[cfg(feature = "history")] Option<history::Pending>);

/// `prepaid history`: what the history file holds, without fetching anything.
#[cfg(feature = "history")]
fn recorded_history(
    options: &Options,
    provider: Option<Provider>,
    account: Option<&str>,
    since: Duration,
) -> ExitCode {
    let Some(path) = options.history.clone().or_else(history::default_path) else {
        return fail(USAGE, "no history file: give one with --history FILE");
    };
    if !path.exists() {
        return fail(
            USAGE,
            &format!(
                "{}: no history yet (every `prepaid` run records one)",
                path.display()
            ),
        );
    }
    let since = chrono::TimeDelta::from_std(since).unwrap_or(chrono::TimeDelta::MAX);
    let now = clock::now();
    let series = history::History::open(&path, history::Retention::default(), options.history_wait)
        .and_then(|h| h.series(provider.map(Provider::as_str), account, now - since));
    match series {
        Ok(series) => match history_view::render(&series, options.format) {
            Ok(text) => emit(options, &text, OK),
            Err(message) => fail(IO_FAILED, &message),
        },
        Err(error) => fail(USAGE, &error.to_string()),
    }
}

/// `prepaid history` in a build without the history.
#[cfg(not(feature = "history"))]
fn recorded_history(_: &Options, _: Option<Provider>, _: Option<&str>, _: Duration) -> ExitCode {
    fail(
        USAGE,
        "this prepaid was built without the history: build it with the cargo feature `history`",
    )
}

/// Watch samples: one account's balance in one unit, over time.
type Samples =
    BTreeMap<(Arc<Account>, Unit), Vec<(chrono::DateTime<chrono::Utc>, rust_decimal::Decimal)>>;

async fn watch(
    prepaid: &Prepaid,
    thresholds: &Thresholds,
    interval: Duration,
    count: Option<u32>,
    mut recorder: Recorder,
) -> ExitCode {
    let mut samples = Samples::new();
    let mut fetches = 0u32;
    loop {
        let fetched = fetch_all(prepaid).await;
        // Recorded for later runs; the table estimates from this watch's own samples, the
        // exit code (--min-hours) from the history, as a one-shot run would.
        let recorded = recorder.record(&fetched);
        fetches += 1;
        let code = exit_code(&fetched, thresholds, &recorded);
        for f in &fetched {
            if let Ok(balance) = &f.result {
                for amount in &balance.available {
                    let key = (f.account.clone(), amount.unit.clone());
                    samples
                        .entry(key)
                        .or_default()
                        .push((balance.fetched_at, amount.value));
                }
            }
        }
        let now = clock::now().format("%Y-%m-%d %H:%M:%S UTC");
        print(&format!("{now}\n{}\n", watch_table(&fetched, &samples)));
        if count.is_some_and(|n| fetches >= n) {
            return ExitCode::from(code);
        }
        tokio::select! {
            () = tokio::time::sleep(interval) => {}
            _ = tokio::signal::ctrl_c() => return ExitCode::from(code),
        }
    }
}

/// The watch table: balances with their burn rate and when they run out, per account and
/// unit, from the samples this `watch` has taken (see [`estimate`]).
fn watch_table(fetched: &[AccountBalance], samples: &Samples) -> String {
    let header = ["PROVIDER", "AVAILABLE", "ACCRUING", "BURN RATE", "RUNS OUT"];
    let rules = estimate::Rules::default();
    let now = clock::now();
    let mut rows = vec![header.map(String::from).to_vec()];
    for f in fetched {
        let balance = match &f.result {
            Ok(balance) => balance,
            Err(error) => {
                let failure = table::failure(f.account.provider, error);
                rows.push(vec![
                    table::account_cell(&f.account),
                    "-".into(),
                    "-".into(),
                    "-".into(),
                    failure,
                ]);
                continue;
            }
        };
        for amount in &balance.available {
            let key = (f.account.clone(), amount.unit.clone());
            let taken = samples.get(&key).map_or(&[][..], Vec::as_slice);
            let accruing = balance
                .accruing
                .as_ref()
                .map_or("-".into(), |a| format!("{} {}", a.value, a.unit));
            let (rate, runs_out) = match estimate::estimate(taken, now, &rules) {
                Ok(e) => (
                    estimate::per_hour(e.per_hour, amount.unit.as_str()),
                    estimate::runs_out_in(e.runs_out_at, now),
                ),
                Err(estimate::Unknown::TooFewSamples { have }) => (
                    format!("{have} of {} samples", rules.min_samples),
                    "-".into(),
                ),
                Err(estimate::Unknown::TooShort { .. }) => (
                    format!("needs {} min", rules.min_span.num_minutes()),
                    "-".into(),
                ),
            };
            rows.push(vec![
                table::account_cell(&f.account),
                format!("{} {}", amount.value, amount.unit),
                accruing,
                rate,
                runs_out,
            ]);
        }
    }
    table::align(&rows, &[])
}

/// The runtools extras.
#[cfg_attr(
    not(feature = "runtools"),
    allow(dead_code, reason = "refused as a whole without runtools")
)]
enum Extra {
    History(u16),
    Usage(cli::Period),
    AutoTopup,
}

/// A runtools subcommand in a build without runtools (refused before configuration).
#[cfg(not(feature = "runtools"))]
async fn runtools_extra(_: &Prepaid, _: &Options, _: Option<String>, _: Extra) -> ExitCode {
    ExitCode::from(USAGE)
}

#[cfg(feature = "runtools")]
async fn runtools_extra(
    prepaid: &Prepaid,
    options: &Options,
    account: Option<String>,
    extra: Extra,
) -> ExitCode {
    let format = options.format;
    let chosen = match &account {
        Some(name) => prepaid.runtools_for(&Account::new(Provider::Runtools, name.as_str())),
        None => prepaid.runtools(),
    };
    let runtools = match chosen {
        Ok(runtools) => runtools,
        Err(error) if error.kind() == prepaid::ErrorKind::AmbiguousAccount => {
            let names = error.detail().unwrap_or("several are configured");
            return fail(
                USAGE,
                &format!("runtools has several accounts ({names}): name one with --account"),
            );
        }
        Err(error) => return fail(USAGE, &report::described(&error)),
    };
    // The account asked for, or the one runtools account (`runtools()` refused several).
    let name = account
        .or_else(|| {
            let accounts = prepaid.accounts().into_iter();
            accounts
                .filter(|a| a.provider == Provider::Runtools)
                .map(|a| a.name)
                .next()
        })
        .unwrap_or_default();
    let result = match extra {
        Extra::History(limit) => runtools
            .credit_history(limit)
            .await
            .map(|entries| match format {
                Format::Table => Ok(history_table(&entries)),
                _ => report::versioned(&name, "ledger", &entries),
            }),
        Extra::Usage(period) => runtools
            .usage(period.into())
            .await
            .map(|usage| match format {
                Format::Table => Ok(usage_table(&usage)),
                _ => report::versioned(&name, "usage", &usage),
            }),
        Extra::AutoTopup => runtools.auto_topup().await.map(|settings| match format {
            Format::Table => Ok(auto_topup_table(&settings)),
            _ => report::versioned(&name, "auto_topup", &settings),
        }),
    };
    match result {
        Ok(Ok(text)) => emit(options, &text, OK),
        Ok(Err(message)) => fail(IO_FAILED, &message),
        Err(error) => fail(FETCH_FAILED, &report::described(&error)),
    }
}

/// runtools' usage summary as `PATH  VALUE` lines: its sections are open JSON objects.
#[cfg(feature = "runtools")]
fn usage_table(usage: &prepaid::runtools::Usage) -> String {
    fn leaves(path: String, value: &serde_json::Value, rows: &mut Vec<Vec<String>>) {
        match value {
            serde_json::Value::Object(map) => {
                for (key, value) in map {
                    let path = if path.is_empty() {
                        key.clone()
                    } else {
                        format!("{path}.{key}")
                    };
                    leaves(path, value, rows);
                }
            }
            serde_json::Value::String(text) => rows.push(vec![path, text.clone()]),
            other => rows.push(vec![path, other.to_string()]),
        }
    }
    let mut rows = vec![vec!["USAGE".to_string(), "VALUE".to_string()]];
    leaves(
        String::new(),
        &serde_json::to_value(usage).unwrap_or_default(),
        &mut rows,
    );
    table::align(&rows, &[1])
}

/// An optional amount as `VALUE UNIT`, or `-`.
#[cfg(feature = "runtools")]
fn amount_cell(amount: Option<&prepaid::Amount>) -> String {
    amount.map_or("-".to_string(), |a| format!("{} {}", a.value, a.unit))
}

#[cfg(feature = "runtools")]
fn auto_topup_table(settings: &prepaid::runtools::AutoTopup) -> String {
    let shown = |flag: Option<bool>| flag.map_or("-".to_string(), |f| f.to_string());
    let rows = [
        ["SETTING", "VALUE"].map(String::from).to_vec(),
        vec!["enabled".into(), shown(settings.enabled)],
        vec!["threshold".into(), amount_cell(settings.threshold.as_ref())],
        vec![
            "top-up amount".into(),
            amount_cell(settings.topup_amount.as_ref()),
        ],
        vec![
            "saved payment method".into(),
            shown(settings.has_saved_payment_method),
        ],
        vec![
            "last top-up".into(),
            settings
                .last_topup_at
                .map_or("-".into(), |t| t.to_rfc3339()),
        ],
    ];
    table::align(&rows, &[])
}

#[cfg(feature = "runtools")]
fn history_table(entries: &[prepaid::runtools::LedgerEntry]) -> String {
    let mut rows = vec![
        ["DATE", "TYPE", "AMOUNT", "BALANCE AFTER", "DESCRIPTION"]
            .map(String::from)
            .to_vec(),
    ];
    for e in entries {
        rows.push(vec![
            e.created_at.map_or("-".into(), |t| t.to_rfc3339()),
            e.kind.clone().unwrap_or_else(|| "-".into()),
            amount_cell(e.amount.as_ref()),
            amount_cell(e.balance_after.as_ref()),
            e.description.clone().unwrap_or_else(|| "-".into()),
        ]);
    }
    table::align(&rows, &[2, 3])
}

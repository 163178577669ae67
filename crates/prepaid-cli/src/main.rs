#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

mod cli;
mod demo;
mod prometheus;
mod report;
mod table;
mod thresholds;
mod watch;

use std::collections::BTreeMap;
use std::io::{IsTerminal, Write};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use clap::Parser;
use prepaid::{Prepaid, Provider, Unit};

use cli::{Cli, Command, Format, Options};
use report::Outcome;
use thresholds::Threshold;

/// Every balance fetched and none below its threshold.
const OK: u8 = 0;
/// Some balance is below its threshold.
const BELOW_THRESHOLD: u8 = 1;
/// Usage or configuration error (clap uses 2 for its own usage errors too).
const USAGE: u8 = 2;
/// Some provider could not be fetched.
const FETCH_FAILED: u8 = 3;

fn main() -> ExitCode {
    let cli = Cli::parse();
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

async fn run(cli: Cli) -> ExitCode {
    let options = &cli.options;
    let command = cli.command.unwrap_or(Command::Balance);
    if let Command::Schema = command {
        print(&report::schema());
        return ExitCode::from(OK);
    }
    if options.demo_failures && !options.demo {
        return fail(USAGE, "--demo-failures goes with --demo");
    }
    let demo = if options.demo {
        Some(demo::Demo::start(options.demo_failures).await)
    } else {
        None
    };
    let prepaid = match configure(options, demo.as_ref()) {
        Ok(prepaid) => prepaid,
        Err(message) => return fail(USAGE, &message),
    };
    match command {
        Command::Balance | Command::Schema => balance(&prepaid, options).await,
        Command::Watch { interval, count } => watch(&prepaid, options, interval, count).await,
        Command::History { limit, .. } => {
            runtools_extra(&prepaid, options.format, Extra::History(limit)).await
        }
        Command::Usage { period, .. } => {
            runtools_extra(&prepaid, options.format, Extra::Usage(period.into())).await
        }
        Command::AutoTopup { .. } => {
            runtools_extra(&prepaid, options.format, Extra::AutoTopup).await
        }
    }
}

/// The facade for the demo or from the environment, with every fetch bounded by `--timeout`.
/// A configuration error is one line saying what to set.
fn configure(options: &Options, demo: Option<&demo::Demo>) -> Result<Prepaid, String> {
    let built = match demo {
        Some(demo) => demo.prepaid(
            |config| config.timeout(options.timeout),
            !options.demo_failures,
        ),
        None => Prepaid::builder()
            .timeout(options.timeout)
            .env_vars(|name| std::env::var(name).ok())
            .and_then(prepaid::PrepaidBuilder::build),
    };
    let prepaid = built.map_err(|error| error.to_string())?;
    if prepaid.providers().is_empty() {
        let keys: Vec<String> = Provider::ALL
            .iter()
            .map(|p| format!("{}_API_KEY", p.env_prefix()))
            .collect();
        return Err(format!(
            "no provider configured: set at least one of {} (or try `prepaid --demo`)",
            keys.join(", ")
        ));
    }
    Ok(prepaid)
}

/// Fetch every configured provider concurrently, timing each; a spinner on a terminal.
async fn fetch_all(prepaid: &Prepaid) -> Vec<Outcome> {
    let spinner = std::io::stderr().is_terminal().then(|| {
        let spinner = indicatif::ProgressBar::new_spinner().with_message("fetching balances");
        spinner.enable_steady_tick(Duration::from_millis(100));
        spinner
    });
    let fetches = prepaid.providers().into_iter().map(|provider| async move {
        let start = Instant::now();
        let result = prepaid.fetch(provider).await;
        Outcome {
            provider,
            result,
            duration: start.elapsed(),
        }
    });
    let outcomes = futures_util::future::join_all(fetches).await;
    if let Some(spinner) = spinner {
        spinner.finish_and_clear();
    }
    outcomes
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

/// 3 if any provider failed, else 1 if any balance is below a threshold, else 0.
fn exit_code(outcomes: &[Outcome], thresholds: &[Threshold]) -> u8 {
    if outcomes.iter().any(|o| o.result.is_err()) {
        return FETCH_FAILED;
    }
    let below = outcomes
        .iter()
        .filter_map(|o| o.result.as_ref().ok())
        .any(|balance| thresholds.iter().any(|t| t.breach(balance).is_some()));
    if below { BELOW_THRESHOLD } else { OK }
}

async fn balance(prepaid: &Prepaid, options: &Options) -> ExitCode {
    let outcomes = fetch_all(prepaid).await;
    let thresholds = thresholds(options);
    print(&match options.format {
        Format::Table => table::render(&outcomes, &thresholds),
        Format::Json => report::json(&outcomes),
        Format::Prometheus => prometheus::render(&outcomes),
    });
    ExitCode::from(exit_code(&outcomes, &thresholds))
}

async fn watch(
    prepaid: &Prepaid,
    options: &Options,
    interval: Duration,
    count: Option<u32>,
) -> ExitCode {
    if options.format != Format::Table {
        return fail(
            USAGE,
            "watch shows a table; for machines, run `prepaid --format json` on a schedule",
        );
    }
    let thresholds = thresholds(options);
    let mut samples: BTreeMap<(Provider, Unit), Vec<_>> = BTreeMap::new();
    let mut fetches = 0u32;
    loop {
        let outcomes = fetch_all(prepaid).await;
        fetches += 1;
        let code = exit_code(&outcomes, &thresholds);
        for outcome in &outcomes {
            if let Ok(balance) = &outcome.result {
                for amount in &balance.available {
                    let run = samples
                        .entry((balance.provider, amount.unit.clone()))
                        .or_default();
                    run.push((balance.fetched_at, amount.value));
                }
            }
        }
        print(&format!(
            "{}\n{}\n",
            chrono::Utc::now().format("%Y-%m-%d %H:%M:%S UTC"),
            watch_table(&outcomes, &samples)
        ));
        if count.is_some_and(|n| fetches >= n) {
            return ExitCode::from(code);
        }
        tokio::select! {
            () = tokio::time::sleep(interval) => {}
            _ = tokio::signal::ctrl_c() => return ExitCode::from(code),
        }
    }
}

/// The watch table: balances with burn rate and hours remaining per unit.
fn watch_table(
    outcomes: &[Outcome],
    samples: &BTreeMap<
        (Provider, Unit),
        Vec<(chrono::DateTime<chrono::Utc>, rust_decimal::Decimal)>,
    >,
) -> String {
    let mut rows = vec![
        [
            "PROVIDER",
            "AVAILABLE",
            "ACCRUING",
            "BURN RATE",
            "HOURS REMAINING",
        ]
        .map(String::from),
    ];
    for outcome in outcomes {
        match &outcome.result {
            Ok(balance) => {
                for amount in &balance.available {
                    let estimate = samples
                        .get(&(balance.provider, amount.unit.clone()))
                        .and_then(|s| watch::estimate(s));
                    rows.push([
                        balance.provider.to_string(),
                        format!("{} {}", amount.value, amount.unit),
                        balance
                            .accruing
                            .as_ref()
                            .map_or("-".into(), |a| format!("{} {}", a.value, a.unit)),
                        estimate.as_ref().map_or("needs 2 samples".into(), |e| {
                            format!("{} {}/h", e.per_hour.round_dp(4).normalize(), amount.unit)
                        }),
                        estimate
                            .and_then(|e| e.hours_remaining)
                            .map_or("-".into(), |h| h.round_dp(1).normalize().to_string()),
                    ]);
                }
            }
            Err(error) => rows.push([
                outcome.provider.to_string(),
                "-".into(),
                "-".into(),
                "-".into(),
                table::failure(outcome.provider, error),
            ]),
        }
    }
    let widths: Vec<usize> = (0..4)
        .map(|c| rows.iter().map(|r| r[c].chars().count()).max().unwrap_or(0))
        .collect();
    rows.iter()
        .map(|row| {
            let mut line: String = row[..4]
                .iter()
                .zip(&widths)
                .map(|(cell, w)| format!("{cell:<w$}  "))
                .collect();
            line.push_str(&row[4]);
            format!("{}\n", line.trim_end())
        })
        .collect()
}

/// The runtools extras.
enum Extra {
    History(u16),
    Usage(prepaid::UsagePeriod),
    AutoTopup,
}

async fn runtools_extra(prepaid: &Prepaid, format: Format, extra: Extra) -> ExitCode {
    let runtools = match prepaid.runtools() {
        Ok(runtools) => runtools,
        Err(error) => return fail(USAGE, &error.to_string()),
    };
    let result = match extra {
        Extra::History(limit) => runtools.credit_history(limit).await.map(|entries| match format {
            Format::Table => history_table(&entries),
            _ => to_json(&entries),
        }),
        Extra::Usage(period) => runtools.usage(period).await.map(|usage| to_json(&usage)),
        Extra::AutoTopup => runtools.auto_topup().await.map(|settings| match format {
            Format::Table => {
                let show = |a: &Option<prepaid::Amount>| a.as_ref().map_or("-".to_string(), |a| format!("{} {}", a.value, a.unit));
                format!(
                    "enabled                  {}\nthreshold                {}\ntop-up amount            {}\nsaved payment method     {}\nlast top-up              {}\n",
                    settings.enabled.map_or("-".into(), |e| e.to_string()),
                    show(&settings.threshold),
                    show(&settings.topup_amount),
                    settings.has_saved_payment_method.map_or("-".into(), |e| e.to_string()),
                    settings.last_topup_at.map_or("-".into(), |t| t.to_rfc3339()),
                )
            }
            _ => to_json(&settings),
        }),
    };
    match result {
        Ok(text) => {
            print(&text);
            ExitCode::from(OK)
        }
        Err(error) => fail(FETCH_FAILED, &error.to_string()),
    }
}

fn to_json(value: &impl serde::Serialize) -> String {
    let mut text = serde_json::to_string_pretty(value).unwrap_or_default();
    text.push('\n');
    text
}

fn history_table(entries: &[prepaid::LedgerEntry]) -> String {
    let mut out = format!(
        "{:<26}  {:<8}  {:>12}  {:>13}  {}\n",
        "DATE", "TYPE", "AMOUNT", "BALANCE AFTER", "DESCRIPTION"
    );
    for e in entries {
        let amount = |a: &Option<prepaid::Amount>| {
            a.as_ref()
                .map_or("-".to_string(), |a| format!("{} {}", a.value, a.unit))
        };
        out.push_str(&format!(
            "{:<26}  {:<8}  {:>12}  {:>13}  {}\n",
            e.created_at.map_or("-".into(), |t| t.to_rfc3339()),
            e.kind.as_deref().unwrap_or("-"),
            amount(&e.amount),
            amount(&e.balance_after),
            e.description.as_deref().unwrap_or("-"),
        ));
    }
    out
}

//! The command line: most flags are also environment variables (`prepaid --help` lists
//! them).

use std::time::Duration;

use clap::builder::BoolishValueParser;
use clap::{Args, Parser, Subcommand, ValueEnum};
use rust_decimal::Decimal;

use crate::thresholds::Threshold;

/// What `--help` shows after the options: the vendors' variables (one per vendor the
/// library knows), the exit codes, and how booleans are written.
fn after_help() -> String {
    let variables = |suffix: &str| {
        let names: Vec<String> = prepaid::Provider::ALL
            .iter()
            .map(|p| format!("{}_{suffix}", p.env_prefix()))
            .collect();
        wrap(&names, "  ", 96)
    };
    format!(
        "Configuration (environment):\n{}\n      the vendors to query: only those whose key is set \
         are configured\n{}\n      override a vendor's base URL (https, or http to a loopback \
         host)\n\n{EXIT_CODES_AND_BOOLEANS}",
        variables("API_KEY"),
        variables("BASE_URL"),
    )
}

/// `items` joined with `, `, in lines of at most `width` columns each starting with
/// `indent`.
fn wrap(items: &[String], indent: &str, width: usize) -> String {
    let mut lines = vec![indent.to_string()];
    for (n, item) in items.iter().enumerate() {
        let last = n + 1 == items.len();
        let piece = if last {
            item.clone()
        } else {
            format!("{item},")
        };
        let Some(line) = lines.last_mut() else { break };
        if line.len() > indent.len() && line.len() + 1 + piece.len() > width {
            lines.push(format!("{indent}{piece}"));
        } else {
            if line.len() > indent.len() {
                line.push(' ');
            }
            line.push_str(&piece);
        }
    }
    lines.join("\n")
}

const EXIT_CODES_AND_BOOLEANS: &str = "\
Exit codes:
  0  every balance fetched, none below its threshold
  1  some balance is below its threshold (--min-usd, --min) or runs out too soon (--min-hours)
  2  usage or configuration error
  3  some account could not be fetched; none of the others is below its threshold
  4  some account could not be fetched, and some other is below its threshold
  5  an I/O failure of the command's own (--output not written, serve's address in use)

Booleans (PREPAID_DEMO, PREPAID_DEMO_FAILURES, PREPAID_NO_HISTORY) take 1/0, true/false,
yes/no, on/off.

Try it with no keys and no network: prepaid --demo";

/// How much prepaid credit is left at every vendor, and when it runs out.
#[derive(Debug, Parser)]
#[command(name = "prepaid", version, about, max_term_width = 100)]
pub struct Cli {
    /// What to do (default: balance).
    #[command(subcommand)]
    pub command: Option<Command>,

    /// Options every command takes.
    #[command(flatten)]
    pub options: Options,
}

impl Cli {
    /// The command line's definition, with its help's closing text.
    pub fn command() -> clap::Command {
        <Cli as clap::CommandFactory>::command().after_help(after_help())
    }

    /// The parsed command line; on a usage error, `--help` or `--version`, clap prints and
    /// exits as its own `parse` does.
    pub fn parse() -> Cli {
        let parsed = <Cli as clap::FromArgMatches>::from_arg_matches(&Cli::command().get_matches());
        parsed.unwrap_or_else(|error| error.exit())
    }
}

/// Options every command takes.
#[derive(Debug, Args)]
pub struct Options {
    /// Output format.
    #[arg(long, global = true, value_enum, default_value_t = Format::Table, env = "PREPAID_FORMAT")]
    pub format: Format,

    /// Bound on each provider's whole fetch, retries and body included (e.g. 30s, 1m), for
    /// every account that sets no timeout of its own in the accounts file.
    #[arg(long, global = true, default_value = "30s", value_parser = parse_duration, env = "PREPAID_TIMEOUT")]
    pub timeout: Duration,

    /// Exit 1 if any USD balance is below this amount (USD amounts only; nothing is converted).
    #[arg(long, global = true, value_name = "AMOUNT", env = "PREPAID_MIN_USD")]
    pub min_usd: Option<Decimal>,

    /// Exit 1 if PROVIDER's balance in UNIT is below AMOUNT, e.g. venice=50DIEM, runtools=5USD
    /// (repeatable; comma-separated in the environment).
    #[arg(
        long = "min",
        global = true,
        value_name = "PROVIDER=AMOUNTUNIT",
        value_delimiter = ',',
        env = "PREPAID_MIN"
    )]
    pub min: Vec<Threshold>,

    /// Exit 1 if any balance is estimated to run out within HOURS (from the history; an
    /// account's own `min_hours` in the accounts file too).
    #[arg(long, global = true, value_name = "HOURS", env = "PREPAID_MIN_HOURS")]
    pub min_hours: Option<Decimal>,

    /// The accounts file (TOML; see the README). Default: prepaid.toml in the platform's
    /// configuration folder ($XDG_CONFIG_HOME/prepaid/) if it exists; never the current
    /// directory's. Vendors configured in the environment are added to its accounts.
    #[arg(long, global = true, value_name = "FILE", env = "PREPAID_CONFIG")]
    pub config: Option<std::path::PathBuf>,

    /// Write the output to FILE instead of stdout, whole or not at all (a temporary file
    /// beside it, renamed into place): for node_exporter's textfile collector.
    #[arg(
        long,
        short = 'o',
        global = true,
        value_name = "FILE",
        env = "PREPAID_OUTPUT"
    )]
    pub output: Option<std::path::PathBuf>,

    /// The balance history behind run-out estimates (SQLite). Default:
    /// $XDG_STATE_HOME/prepaid/history.sqlite (or the platform's state or local data
    /// directory); with --demo, none unless given.
    #[arg(long, global = true, value_name = "FILE", env = "PREPAID_HISTORY")]
    pub history: Option<std::path::PathBuf>,

    /// Keep every recorded sample this long; older ones are thinned to one an hour.
    #[arg(long, global = true, value_name = "DURATION", default_value = "7d", value_parser = parse_duration, env = "PREPAID_HISTORY_FULL")]
    pub history_full: Duration,

    /// Delete recorded samples older than this.
    #[arg(long, global = true, value_name = "DURATION", default_value = "400d", value_parser = parse_duration, env = "PREPAID_HISTORY_KEEP")]
    pub history_keep: Duration,

    /// How long a run waits for another one writing the history before it goes on without
    /// recording.
    #[arg(long, global = true, value_name = "DURATION", default_value = "10s", value_parser = parse_duration, env = "PREPAID_HISTORY_WAIT")]
    pub history_wait: Duration,

    /// Send every request through this HTTP proxy (http://host:port) instead of those the
    /// standard variables name (HTTPS_PROXY, HTTP_PROXY, ALL_PROXY, with NO_PROXY).
    #[arg(
        long,
        global = true,
        value_name = "URL",
        env = "PREPAID_PROXY",
        conflicts_with = "no_proxy"
    )]
    pub proxy: Option<String>,

    /// Use no proxy at all, whatever HTTPS_PROXY, HTTP_PROXY and ALL_PROXY say.
    #[arg(long, global = true, env = "PREPAID_NO_PROXY", value_parser = BoolishValueParser::new())]
    pub no_proxy: bool,

    /// Also trust the CA certificates in this PEM file (a proxy that inspects TLS, a private
    /// gateway).
    #[arg(long, global = true, value_name = "FILE", env = "PREPAID_CA_FILE")]
    pub ca_file: Option<std::path::PathBuf>,

    /// Trust Mozilla's root CAs compiled into prepaid instead of the system's store, for
    /// images that have none (a build with the cargo feature `webpki-roots`).
    #[arg(long, global = true, env = "PREPAID_BUNDLED_ROOTS", value_parser = BoolishValueParser::new())]
    pub bundled_roots: bool,

    /// Neither record balances nor estimate when they run out.
    #[arg(long, global = true, env = "PREPAID_NO_HISTORY", value_parser = BoolishValueParser::new(), conflicts_with = "history")]
    pub no_history: bool,

    /// Log what prepaid does on stderr: -v requests and retries, -vv more detail, -vvv
    /// everything. RUST_LOG (e.g. RUST_LOG=prepaid=debug) overrides it. Keys are never logged.
    #[arg(long, short = 'v', global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,

    /// Run against an embedded local emulation of all four vendors: no keys, no network.
    #[arg(long, global = true, env = "PREPAID_DEMO", value_parser = BoolishValueParser::new())]
    pub demo: bool,

    /// With --demo: put each vendor in a different failure state, to see how errors show.
    #[arg(long, global = true, env = "PREPAID_DEMO_FAILURES", value_parser = BoolishValueParser::new())]
    pub demo_failures: bool,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Every configured vendor's balance (the default).
    Balance,
    /// Re-fetch on an interval and show the burn rate and time until zero. Ctrl-C stops.
    Watch {
        /// Time between fetches (e.g. 60s, 5m).
        #[arg(long, default_value = "60s", value_parser = parse_duration, env = "PREPAID_INTERVAL")]
        interval: Duration,
        /// Stop after this many fetches (default: until Ctrl-C).
        #[arg(long, value_name = "N", env = "PREPAID_WATCH_COUNT")]
        count: Option<u32>,
    },
    /// Refresh every account in the background and serve Prometheus metrics on /metrics
    /// (and /healthz). Scrapes never call a vendor. Ctrl-C or SIGTERM stops.
    Serve {
        /// The address to listen on (port 0: any free port, printed at start).
        #[arg(long, default_value = "127.0.0.1:9464", env = "PREPAID_LISTEN")]
        listen: std::net::SocketAddr,
        /// Time between refreshes (e.g. 60s, 5m).
        #[arg(long, default_value = "60s", value_parser = parse_duration, env = "PREPAID_REFRESH")]
        refresh: Duration,
        /// TLS and basic auth, in the format of Prometheus' exporter toolkit
        /// (tls_server_config, basic_auth_users with bcrypt hashes; see the README).
        #[arg(
            long = "web.config.file",
            value_name = "FILE",
            env = "PREPAID_WEB_CONFIG_FILE"
        )]
        web_config_file: Option<std::path::PathBuf>,
        /// Listen on an address other machines can reach without TLS or without basic auth
        /// (refused otherwise: anyone who can reach it reads every balance).
        #[arg(long, env = "PREPAID_ALLOW_INSECURE_LISTEN", value_parser = BoolishValueParser::new())]
        allow_insecure_listen: bool,
    },
    /// The JSON Schema of `--format json` output.
    Schema,
    /// The recorded balances of every account (or one provider's, or one account's) over a
    /// span: a table with a trend line, JSON or CSV. Reads the history file only.
    History {
        /// Only this provider's accounts.
        provider: Option<prepaid::Provider>,
        /// Only the account of this name.
        #[arg(long)]
        account: Option<String>,
        /// How far back (e.g. 24h, 7d, 365d).
        #[arg(long, default_value = "7d", value_parser = parse_duration)]
        since: Duration,
        /// Gone: the runtools ledger is `prepaid ledger runtools --limit N`.
        #[arg(long, hide = true)]
        limit: Option<String>,
    },
    /// runtools: the credit ledger, newest first.
    Ledger {
        /// The provider (only runtools has a ledger).
        provider: ExtrasProvider,
        /// Which runtools account, when the accounts file has several.
        #[arg(long)]
        account: Option<String>,
        /// How many entries, 1 to 500.
        #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u16).range(1..=500), env = "PREPAID_LEDGER_LIMIT")]
        limit: u16,
    },
    /// runtools: usage over a period.
    Usage {
        /// The provider (only runtools reports usage).
        provider: ExtrasProvider,
        /// Which runtools account, when the accounts file has several.
        #[arg(long)]
        account: Option<String>,
        /// current, 7d, 30d or all_time.
        #[arg(long, value_enum, default_value_t = Period::Current, env = "PREPAID_USAGE_PERIOD")]
        period: Period,
    },
    /// runtools: the auto-top-up settings.
    AutoTopup {
        /// The provider (only runtools has auto-top-up settings).
        provider: ExtrasProvider,
        /// Which runtools account, when the accounts file has several.
        #[arg(long)]
        account: Option<String>,
    },
    /// Shell completions on stdout, e.g. `prepaid completions bash > /etc/bash_completion.d/prepaid`.
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
    /// The manual page (roff) on stdout, e.g. `prepaid man > prepaid.1`.
    Man,
}

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// A table for people.
    Table,
    /// The facade's model: one JSON array (see `prepaid schema`).
    Json,
    /// Prometheus text exposition format (node exporter's textfile collector).
    Prometheus,
    /// Comma-separated values (`prepaid history` only).
    Csv,
}

/// The periods runtools summarizes usage over.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Period {
    /// The current billing period.
    Current,
    /// The last 7 days.
    #[value(name = "7d")]
    Last7Days,
    /// The last 30 days.
    #[value(name = "30d")]
    Last30Days,
    /// Everything.
    #[value(name = "all_time")]
    AllTime,
}

#[cfg(feature = "runtools")]
impl From<Period> for prepaid::runtools::UsagePeriod {
    fn from(period: Period) -> Self {
        match period {
            Period::Current => Self::Current,
            Period::Last7Days => Self::Last7Days,
            Period::Last30Days => Self::Last30Days,
            Period::AllTime => Self::AllTime,
        }
    }
}

/// The providers with billing extras.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExtrasProvider {
    /// runtools.
    Runtools,
}

fn parse_duration(text: &str) -> Result<Duration, String> {
    let duration = humantime::parse_duration(text).map_err(|e| format!("{e} (e.g. 30s, 2m)"))?;
    if duration.is_zero() {
        return Err("must be greater than zero".to_string());
    }
    Ok(duration)
}

#[cfg(test)]
mod tests {
    use super::{after_help, wrap};

    #[test]
    fn the_help_names_every_vendors_variables() {
        let help = after_help();
        for provider in prepaid::Provider::ALL {
            for suffix in ["API_KEY", "BASE_URL"] {
                let variable = format!("{}_{suffix}", provider.env_prefix());
                assert!(help.contains(&variable), "{variable} in {help}");
            }
        }
    }

    #[test]
    fn long_lists_wrap_within_the_width() {
        let names: Vec<String> = (0..12).map(|n| format!("VENDOR_{n}_API_KEY")).collect();
        let text = wrap(&names, "  ", 40);
        assert!(text.lines().count() > 1, "{text}");
        assert!(
            text.lines().all(|l| l.len() <= 40 && l.starts_with("  ")),
            "{text}"
        );
        let joined: String = text.lines().map(str::trim).collect::<Vec<_>>().join(" ");
        assert_eq!(joined, names.join(", "));
    }
}

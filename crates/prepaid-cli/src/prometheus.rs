//! The Prometheus text exposition format, for `--format prometheus` (node exporter's textfile
//! collector) and for `prepaid serve`'s `/metrics`: the same metric names in both.

use std::fmt::Write as _;
use std::time::Duration;

use chrono::{DateTime, Utc};
use prepaid::{Account, AccountBalance, Balance};

use crate::thresholds::{self, Threshold};

/// What the metrics say about one account.
pub struct Row<'a> {
    /// The account, whose provider, name and labels label every series.
    pub account: &'a Account,
    /// The last balance fetched successfully, if any (kept while later fetches fail).
    pub balance: Option<&'a Balance>,
    /// Whether the last fetch succeeded.
    pub success: bool,
    /// How long the last fetch took.
    pub duration: Duration,
    /// When the last successful fetch happened.
    pub last_success: Option<DateTime<Utc>>,
}

impl<'a> Row<'a> {
    /// The row for a one-shot fetch.
    pub fn from_fetch(fetched: &'a AccountBalance) -> Self {
        let balance = fetched.result.as_ref().ok();
        Self {
            account: &fetched.account,
            balance,
            success: balance.is_some(),
            duration: fetched.duration,
            last_success: balance.map(|b| b.fetched_at),
        }
    }
}

/// One gauge family: name, help, and its samples (`labels`, value).
struct Family {
    name: &'static str,
    help: &'static str,
    samples: Vec<(String, String)>,
}

/// `{provider="..",account="..",<account labels>,<extra>}`.
fn labels(account: &Account, extra: &[(&str, &str)]) -> String {
    let mut pairs: Vec<(&str, &str)> = vec![
        ("provider", account.provider.as_str()),
        ("account", &account.name),
    ];
    pairs.extend(account.labels.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    pairs.extend(extra);
    let inner: Vec<String> = pairs
        .iter()
        .map(|(k, v)| format!("{k}=\"{}\"", escape(v)))
        .collect();
    format!("{{{}}}", inner.join(","))
}

/// A label value with `\`, `"` and newlines escaped, as the format requires.
fn escape(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// Every gauge for `rows`, with the minimum each account's `thresholds` set per unit. An
/// account that never succeeded has no balance series (a failure is never a zero balance),
/// and no `prepaid_below_minimum` (unknown is not "above"); one that failed since keeps its
/// last good values, with `prepaid_fetch_success 0` and its
/// `prepaid_last_success_timestamp_seconds` telling their age.
pub fn render(rows: &[Row<'_>], thresholds: &[Threshold]) -> String {
    let family = |name, help| Family {
        name,
        help,
        samples: Vec::new(),
    };
    let mut families = [
        family(
            "prepaid_balance",
            "Prepaid balance available, by account and currency or unit.",
        ),
        family(
            "prepaid_accruing_usage",
            "Usage accruing but not yet charged (Runcrate's active usage cost).",
        ),
        family("prepaid_granted", "All credit ever granted (runtools)."),
        family("prepaid_used", "All credit ever used (runtools)."),
        family(
            "prepaid_allocation",
            "Allocation for the current epoch (Venice DIEM).",
        ),
        family(
            "prepaid_can_consume",
            "1 if the account can consume now, 0 if not.",
        ),
        family(
            "prepaid_fetch_success",
            "1 if the last fetch succeeded, 0 if it failed.",
        ),
        family(
            "prepaid_fetch_duration_seconds",
            "How long the last fetch took, retries included.",
        ),
        family(
            "prepaid_last_success_timestamp_seconds",
            "When the balance shown was fetched (Unix time).",
        ),
        family(
            "prepaid_balance_minimum",
            "The lowest balance that is fine (--min-usd, --min, the account's min), by currency or unit.",
        ),
        family(
            "prepaid_below_minimum",
            "1 if the balance is below its minimum, 0 if not; absent while no balance is known.",
        ),
        family(
            "prepaid_build_info",
            "The prepaid build serving these metrics; always 1.",
        ),
    ];
    families[11].samples.push((
        format!("{{version=\"{}\"}}", escape(env!("CARGO_PKG_VERSION"))),
        "1".to_string(),
    ));
    for row in rows {
        let account = row.account;
        if let Some(balance) = row.balance {
            for amount in &balance.available {
                families[0].samples.push((
                    labels(account, &[("currency", amount.unit.as_str())]),
                    amount.value.to_string(),
                ));
            }
            let optional = [
                (1, &balance.accruing),
                (2, &balance.granted),
                (3, &balance.used),
                (4, &balance.allocation),
            ];
            for (index, amount) in optional {
                if let Some(amount) = amount {
                    families[index].samples.push((
                        labels(account, &[("currency", amount.unit.as_str())]),
                        amount.value.to_string(),
                    ));
                }
            }
            if let Some(can) = balance.can_consume {
                families[5]
                    .samples
                    .push((labels(account, &[]), u8::from(can).to_string()));
            }
        }
        families[6]
            .samples
            .push((labels(account, &[]), u8::from(row.success).to_string()));
        families[7].samples.push((
            labels(account, &[]),
            format!("{:.3}", row.duration.as_secs_f64()),
        ));
        if let Some(at) = row.last_success {
            let seconds = format!("{}.{:03}", at.timestamp(), at.timestamp_subsec_millis());
            families[8].samples.push((labels(account, &[]), seconds));
        }
        for (unit, minimum) in thresholds::minimums(thresholds, account) {
            let series = labels(account, &[("currency", unit.as_str())]);
            families[9]
                .samples
                .push((series.clone(), minimum.to_string()));
            let available = row
                .balance
                .and_then(|b| b.available.iter().find(|a| a.unit == *unit));
            if let Some(amount) = available {
                let below = u8::from(amount.value < minimum);
                families[10].samples.push((series, below.to_string()));
            }
        }
    }
    let mut out = String::new();
    for family in families.iter().filter(|f| !f.samples.is_empty()) {
        let _ = writeln!(out, "# HELP {} {}", family.name, family.help);
        let _ = writeln!(out, "# TYPE {} gauge", family.name);
        for (labels, value) in &family.samples {
            let _ = writeln!(out, "{}{labels} {value}", family.name);
        }
    }
    out
}

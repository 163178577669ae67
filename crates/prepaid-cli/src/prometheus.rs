//! The Prometheus text exposition format, for `--format prometheus` (node exporter's textfile
//! collector) and for `prepaid serve`'s `/metrics`: the same metric names in both.

use std::fmt::Write as _;
use std::time::Duration;

use chrono::{DateTime, Utc};
use prepaid::{Account, AccountBalance, Amount, Balance};

use crate::estimate::Estimates;
use crate::thresholds::Thresholds;

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

/// One gauge family being written: its `# HELP` and `# TYPE` lines go out before its first
/// sample, so a family with no samples leaves no trace.
struct Family<'o> {
    out: &'o mut String,
    name: &'static str,
    help: &'static str,
    started: bool,
}

impl<'o> Family<'o> {
    fn new(out: &'o mut String, name: &'static str, help: &'static str) -> Self {
        Self {
            out,
            name,
            help,
            started: false,
        }
    }

    /// `name{provider="..",account="..",<account labels>,<extra>} value`.
    fn sample(&mut self, account: &Account, extra: &[(&str, &str)], value: impl std::fmt::Display) {
        let mut pairs = [
            ("provider", account.provider.as_str()),
            ("account", &account.name),
        ]
        .into_iter()
        .chain(account.labels.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .chain(extra.iter().copied());
        self.sample_with(&mut pairs, value);
    }

    fn sample_with<'a>(
        &mut self,
        labels: &mut dyn Iterator<Item = (&'a str, &'a str)>,
        value: impl std::fmt::Display,
    ) {
        let out = &mut *self.out;
        if !self.started {
            let _ = writeln!(out, "# HELP {} {}", self.name, self.help);
            let _ = writeln!(out, "# TYPE {} gauge", self.name);
            self.started = true;
        }
        out.push_str(self.name);
        out.push('{');
        for (index, (key, value)) in labels.enumerate() {
            if index > 0 {
                out.push(',');
            }
            out.push_str(key);
            out.push_str("=\"");
            escape_into(out, value);
            out.push('"');
        }
        let _ = writeln!(out, "}} {value}");
    }
}

/// One gauge per account and unit of `rows` whose estimate gives a `value`.
fn estimate_family<V: std::fmt::Display>(
    out: &mut String,
    name: &'static str,
    help: &'static str,
    rows: &[Row<'_>],
    estimates: &Estimates,
    value: impl Fn(&crate::estimate::Estimate) -> Option<V>,
) {
    let mut family = Family::new(out, name, help);
    for row in rows {
        for amount in row.balance.iter().flat_map(|b| &b.available) {
            if let Some(value) = estimates.get(row.account, &amount.unit).and_then(&value) {
                family.sample(row.account, &[("currency", amount.unit.as_str())], value);
            }
        }
    }
}

/// A label value with `\`, `"` and newlines escaped, as the format requires.
fn escape_into(out: &mut String, value: &str) {
    if !value.bytes().any(|b| matches!(b, b'\\' | b'"' | b'\n')) {
        out.push_str(value);
        return;
    }
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
}

/// Which optional amount of a balance a family shows.
type AmountOf = fn(&Balance) -> Option<&Amount>;

/// Every gauge for `rows`, with the minimum each account's `thresholds` set per unit and
/// the burn rate and run-out time of `estimates`, into
/// one string reserved up front: at least `capacity` bytes (the last render's size) and
/// 1 KiB an account, so it never grows by copying (the part never written is never touched,
/// and so never resident).
/// An account that never succeeded has no balance series (a failure is never a zero
/// balance), and no `prepaid_below_minimum` (unknown is not "above"); one that failed since
/// keeps its last good values, with `prepaid_fetch_success 0` and its
/// `prepaid_last_success_timestamp_seconds` telling their age.
pub fn render(
    rows: &[Row<'_>],
    thresholds: &Thresholds,
    estimates: &Estimates,
    capacity: usize,
) -> String {
    let mut out = String::with_capacity(capacity.max(rows.len().saturating_mul(1024)));
    let amounts: [(&str, &str, AmountOf); 4] = [
        (
            "prepaid_accruing_usage",
            "Usage accruing but not yet charged (Runcrate's active usage cost).",
            |b| b.accruing.as_ref(),
        ),
        (
            "prepaid_granted",
            "All credit ever granted (runtools).",
            |b| b.granted.as_ref(),
        ),
        ("prepaid_used", "All credit ever used (runtools).", |b| {
            b.used.as_ref()
        }),
        (
            "prepaid_allocation",
            "Allocation for the current epoch (Venice DIEM).",
            |b| b.allocation.as_ref(),
        ),
    ];
    let mut family = Family::new(
        &mut out,
        "prepaid_balance",
        "Prepaid balance available, by account and currency or unit.",
    );
    for row in rows {
        for amount in row.balance.iter().flat_map(|b| &b.available) {
            family.sample(
                row.account,
                &[("currency", amount.unit.as_str())],
                amount.value,
            );
        }
    }
    for (name, help, amount_of) in amounts {
        let mut family = Family::new(&mut out, name, help);
        for row in rows {
            if let Some(amount) = row.balance.and_then(amount_of) {
                family.sample(
                    row.account,
                    &[("currency", amount.unit.as_str())],
                    amount.value,
                );
            }
        }
    }
    let mut family = Family::new(
        &mut out,
        "prepaid_can_consume",
        "1 if the account can consume now, 0 if not.",
    );
    for row in rows {
        if let Some(can) = row.balance.and_then(|b| b.can_consume) {
            family.sample(row.account, &[], u8::from(can));
        }
    }
    let mut family = Family::new(
        &mut out,
        "prepaid_fetch_success",
        "1 if the last fetch succeeded, 0 if it failed.",
    );
    for row in rows {
        family.sample(row.account, &[], u8::from(row.success));
    }
    let mut family = Family::new(
        &mut out,
        "prepaid_fetch_duration_seconds",
        "How long the last fetch took, retries included.",
    );
    for row in rows {
        family.sample(
            row.account,
            &[],
            format_args!("{:.3}", row.duration.as_secs_f64()),
        );
    }
    let mut family = Family::new(
        &mut out,
        "prepaid_last_success_timestamp_seconds",
        "When the balance shown was fetched (Unix time).",
    );
    for row in rows {
        if let Some(at) = row.last_success {
            let millis = at.timestamp_subsec_millis();
            family.sample(
                row.account,
                &[],
                format_args!("{}.{millis:03}", at.timestamp()),
            );
        }
    }
    let mut family = Family::new(
        &mut out,
        "prepaid_balance_minimum",
        "The lowest balance that is fine (--min-usd, --min, the account's min), by currency or unit.",
    );
    for row in rows {
        for (unit, minimum) in thresholds.minimums(row.account) {
            family.sample(row.account, &[("currency", unit.as_str())], minimum);
        }
    }
    let mut family = Family::new(
        &mut out,
        "prepaid_runs_out_minimum_hours",
        "The fewest hours a balance may have left (--min-hours, the account's min_hours).",
    );
    for row in rows {
        if let Some(hours) = thresholds.min_hours(row.account) {
            family.sample(row.account, &[], hours);
        }
    }
    let mut family = Family::new(
        &mut out,
        "prepaid_below_minimum",
        "1 if the balance is below its minimum, 0 if not; absent while no balance is known.",
    );
    for row in rows {
        for (unit, minimum) in thresholds.minimums(row.account) {
            let available = row
                .balance
                .and_then(|b| b.available.iter().find(|a| a.unit == *unit));
            if let Some(amount) = available {
                family.sample(
                    row.account,
                    &[("currency", unit.as_str())],
                    u8::from(amount.value < minimum),
                );
            }
        }
    }
    estimate_family(
        &mut out,
        "prepaid_burn_rate_per_hour",
        "How much of the balance is spent per hour, from the recorded history (or runtools' ledger); absent while unknown.",
        rows,
        estimates,
        |found| Some(found.per_hour),
    );
    estimate_family(
        &mut out,
        "prepaid_runs_out_timestamp_seconds",
        "When the balance is estimated to reach zero (Unix time); absent while unknown or not spending.",
        rows,
        estimates,
        |found| found.runs_out_at.map(|at| at.timestamp()),
    );
    let mut family = Family::new(
        &mut out,
        "prepaid_build_info",
        "The prepaid build serving these metrics; always 1.",
    );
    family.sample_with(&mut [("version", env!("CARGO_PKG_VERSION"))].into_iter(), 1);
    out
}

//! The run-out estimate: how fast a balance burns and when it reaches zero, from samples of
//! it over time. One estimator for everything that shows one (`watch` today), exact on
//! decimals: no `f64` between the amounts and the rate.

use chrono::{DateTime, TimeDelta, Utc};
use rust_decimal::Decimal;

/// What an estimate needs before it says anything.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rules {
    /// Only samples this recent count (or since the last top-up, if that is shorter).
    pub window: TimeDelta,
    /// At least this many samples since then...
    pub min_samples: usize,
    /// ... over at least this long.
    pub min_span: TimeDelta,
}

impl Default for Rules {
    /// The last 24 hours; at least 3 samples over at least 15 minutes.
    fn default() -> Self {
        Self {
            window: TimeDelta::hours(24),
            min_samples: 3,
            min_span: TimeDelta::minutes(15),
        }
    }
}

/// How fast one balance (one account, one unit) burns, and when it runs out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Estimate {
    /// Spent per hour: positive while spending, zero or negative while not.
    pub per_hour: Decimal,
    /// When the balance reaches zero at that rate: the last sample's time if it already
    /// has; `None` while not spending.
    pub runs_out_at: Option<DateTime<Utc>>,
    /// The samples it rests on.
    pub samples: usize,
    /// The first and last of them.
    pub since: DateTime<Utc>,
    /// The last sample's time.
    pub until: DateTime<Utc>,
    /// Where the samples came from.
    pub basis: Basis,
}

/// Where an estimate's samples came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Basis {
    /// The balances prepaid recorded (the history file).
    History,
    /// The vendor's own record: runtools' credit ledger (each entry's balance after it),
    /// and the balance just fetched; used while the history has too few balances.
    Ledger,
}

/// The estimates of one run, by account and unit; an account or unit without one has none
/// (unknown: never a made-up zero). Kept by account name, so that a lookup (one for each
/// exported balance) allocates nothing.
#[derive(Debug, Default)]
pub struct Estimates(HashMap<String, Vec<(prepaid::Provider, prepaid::Unit, Estimate)>>);

/// The maps behind the estimates, keyed by account names and series ids: foldhash (already
/// built for the facade's rate limiter) hashes them in a fraction of SipHash's time, and
/// nothing outside the operator's own configuration chooses their keys.
pub type HashMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::RandomState>;

impl Estimates {
    /// Keep `estimate` for `account`'s balance in `unit`.
    pub fn insert(&mut self, account: &prepaid::Account, unit: &prepaid::Unit, estimate: Estimate) {
        let named = self.0.entry(account.name.clone()).or_default();
        match named
            .iter_mut()
            .find(|(provider, u, _)| *provider == account.provider && u == unit)
        {
            Some(kept) => kept.2 = estimate,
            None => named.push((account.provider, unit.clone(), estimate)),
        }
    }

    /// The estimate for `account`'s balance in `unit`, if there is one.
    pub fn get(&self, account: &prepaid::Account, unit: &prepaid::Unit) -> Option<&Estimate> {
        self.0
            .get(account.name.as_str())?
            .iter()
            .find(|(provider, u, _)| *provider == account.provider && u == unit)
            .map(|(_, _, estimate)| estimate)
    }
}

/// Why there is no estimate yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unknown {
    /// Fewer samples than [`Rules::min_samples`] since the window start or the last top-up.
    TooFewSamples {
        /// How many there are.
        have: usize,
    },
    /// The samples span less than [`Rules::min_span`].
    TooShort {
        /// How long they span.
        span: TimeDelta,
    },
}

/// The current run of one balance: its first sample in the window, its last, and how many
/// there are, which is all an estimate needs. Kept up to date sample by sample
/// ([`Run::push`]), so that `serve` need not read every account's window each refresh.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Run {
    /// The run's first sample within the window.
    pub first: (DateTime<Utc>, Decimal),
    /// Its last sample.
    pub last: (DateTime<Utc>, Decimal),
    /// How many samples it has from `first` to `last`.
    pub samples: usize,
}

impl Run {
    /// The run `samples` (time and amount, oldest first) end with as of `now`: a rise starts
    /// a new run (a top-up, or Venice's DIEM refilled for a new epoch), and only samples
    /// within [`Rules::window`] count.
    pub fn of(
        samples: &[(DateTime<Utc>, Decimal)],
        now: DateTime<Utc>,
        rules: &Rules,
    ) -> Option<Self> {
        let recent = samples.partition_point(|(at, _)| *at < now - rules.window);
        let samples = &samples[recent..];
        let start = samples
            .windows(2)
            .rposition(|pair| pair[1].1 > pair[0].1)
            .map_or(0, |rise| rise + 1);
        let run = &samples[start..];
        Some(Self {
            first: *run.first()?,
            last: *run.last()?,
            samples: run.len(),
        })
    }

    /// The run of one sample.
    pub fn single(sample: (DateTime<Utc>, Decimal)) -> Self {
        Self {
            first: sample,
            last: sample,
            samples: 1,
        }
    }

    /// The run after one more sample: a rise starts a new one.
    #[cfg_attr(
        not(feature = "history"),
        allow(dead_code, reason = "kept runs live in the history")
    )]
    pub fn push(self, sample: (DateTime<Utc>, Decimal)) -> Self {
        if sample.1 > self.last.1 {
            Self::single(sample)
        } else {
            Self {
                last: sample,
                samples: self.samples + 1,
                ..self
            }
        }
    }

    /// The estimate this run gives: the drop from its first sample to its last over the time
    /// between, per hour.
    pub fn estimate(&self, rules: &Rules) -> Result<Estimate, Unknown> {
        let ((since, first), (until, last)) = (self.first, self.last);
        if self.samples < rules.min_samples {
            return Err(Unknown::TooFewSamples { have: self.samples });
        }
        let span = until - since;
        if span < rules.min_span {
            return Err(Unknown::TooShort { span });
        }
        let millis = Decimal::from(span.num_milliseconds());
        let per_hour = (first - last)
            .checked_mul(Decimal::from(3_600_000))
            .and_then(|spent| spent.checked_div(millis))
            .unwrap_or(Decimal::ZERO);
        let runs_out_at = if last <= Decimal::ZERO {
            Some(until)
        } else if per_hour > Decimal::ZERO {
            // Hours left, as milliseconds: whole milliseconds are exact enough for a date.
            last.checked_mul(Decimal::from(3_600_000))
                .and_then(|left| left.checked_div(per_hour))
                .and_then(|left| i64::try_from(left.trunc()).ok())
                .and_then(|left| until.checked_add_signed(TimeDelta::milliseconds(left)))
        } else {
            None
        };
        Ok(Estimate {
            per_hour,
            runs_out_at,
            samples: self.samples,
            since,
            until,
            basis: Basis::History,
        })
    }
}

/// The estimate from `samples` (time and amount, oldest first) as of `now`: that of the
/// [`Run`] they end with.
pub fn estimate(
    samples: &[(DateTime<Utc>, Decimal)],
    now: DateTime<Utc>,
    rules: &Rules,
) -> Result<Estimate, Unknown> {
    Run::of(samples, now, rules)
        .ok_or(Unknown::TooFewSamples { have: 0 })?
        .estimate(rules)
}

/// The estimate from a vendor's ledger: each entry's time and the balance after it (in any
/// order), and the balance just fetched, as of `now` under `rules`.
#[cfg_attr(
    not(feature = "runtools"),
    allow(dead_code, reason = "runtools' ledger is the only one")
)]
pub fn from_ledger(
    entries: impl IntoIterator<Item = (DateTime<Utc>, Decimal)>,
    current: (DateTime<Utc>, Decimal),
    now: DateTime<Utc>,
    rules: &Rules,
) -> Result<Estimate, Unknown> {
    let mut samples: Vec<_> = entries
        .into_iter()
        .filter(|(at, _)| *at < current.0)
        .collect();
    samples.sort_by_key(|(at, _)| *at);
    samples.push(current);
    let found = estimate(&samples, now, rules)?;
    Ok(Estimate {
        basis: Basis::Ledger,
        ..found
    })
}

/// When `unit` next refills by itself, if it does: Venice's DIEM is a daily allocation
/// (1 DIEM = $1/day), taken here to start each day at 00:00 UTC (its balance endpoint does
/// not say when an epoch starts). Money never refills by itself.
pub fn next_refill(unit: &prepaid::Unit, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    if *unit != prepaid::Unit::Diem {
        return None;
    }
    let tomorrow = now.date_naive().succ_opt()?;
    Some(tomorrow.and_hms_opt(0, 0, 0)?.and_utc())
}

/// Whether a balance of `unit` estimated to run out at `runs_out_at` does so before its next
/// refill; `None` for units that do not refill, or when it does not run out.
pub fn before_refill(
    unit: &prepaid::Unit,
    runs_out_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Option<bool> {
    Some(runs_out_at? < next_refill(unit, now)?)
}

/// When a balance runs out, as people say it: `now` (at or below zero, or the estimated time
/// has passed), `~40 min`, `~5.5 h`, `~3.2 d`, or `-` when unknown or not spending.
pub fn runs_out_in(runs_out_at: Option<DateTime<Utc>>, now: DateTime<Utc>) -> String {
    let Some(at) = runs_out_at else {
        return "-".to_string();
    };
    let minutes = (at - now).num_minutes();
    if minutes <= 0 {
        return "now".to_string();
    }
    // Tenths of an hour or a day: whole numbers, divided once for display.
    let tenths = |per: i64| Decimal::new((minutes * 10 + per / 2) / per, 1).normalize();
    match minutes {
        0..60 => format!("~{minutes} min"),
        60..2880 => format!("~{} h", tenths(60)),
        _ => format!("~{} d", tenths(1440)),
    }
}

/// A burn rate as people read it: two decimals, or `<0.01` for a smaller positive one.
pub fn per_hour(rate: Decimal, unit: &str) -> String {
    let rounded = rate.round_dp(2).normalize();
    if rounded.is_zero() && rate > Decimal::ZERO {
        format!("<0.01 {unit}/h")
    } else {
        format!("{rounded} {unit}/h")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone as _;

    fn start() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 25, 0, 0, 0)
            .single()
            .unwrap_or_default()
    }

    fn at(minutes: i64, amount: &str) -> (DateTime<Utc>, Decimal) {
        let amount = Decimal::from_str_exact(amount).unwrap_or_else(|e| unreachable!("{e}"));
        (start() + TimeDelta::minutes(minutes), amount)
    }

    fn decimal(text: &str) -> Decimal {
        Decimal::from_str_exact(text).unwrap_or_else(|e| unreachable!("{e}"))
    }

    #[test]
    fn a_steady_burn_is_exact() {
        // 100.00 to 97.00 over 3 hours: 1.00 an hour, 97 hours left.
        let samples = [
            at(0, "100.00"),
            at(60, "99.00"),
            at(120, "98.00"),
            at(180, "97.00"),
        ];
        let now = start() + TimeDelta::minutes(181);
        let found =
            estimate(&samples, now, &Rules::default()).unwrap_or_else(|e| unreachable!("{e:?}"));
        assert_eq!(found.per_hour, decimal("1"));
        assert_eq!(found.samples, 4);
        assert_eq!(
            found.runs_out_at,
            Some(start() + TimeDelta::minutes(180) + TimeDelta::hours(97))
        );
        // A rate that does not divide evenly stays a decimal, not a float.
        let samples = [at(0, "10"), at(30, "9.5"), at(90, "9")];
        let found =
            estimate(&samples, now, &Rules::default()).unwrap_or_else(|e| unreachable!("{e:?}"));
        assert_eq!(found.per_hour, decimal("0.6666666666666666666666666667"));
    }

    #[test]
    fn a_top_up_in_the_middle_restarts_the_run() {
        let samples = [
            at(0, "10"),
            at(60, "8"),
            at(120, "6"),
            at(130, "56"), // topped up by 50
            at(190, "55"),
            at(250, "54"),
        ];
        let now = start() + TimeDelta::minutes(250);
        let found =
            estimate(&samples, now, &Rules::default()).unwrap_or_else(|e| unreachable!("{e:?}"));
        assert_eq!(
            found.per_hour,
            decimal("1"),
            "only the samples since the top-up"
        );
        assert_eq!(found.samples, 3);
        assert_eq!(found.since, start() + TimeDelta::minutes(130));
        // Right after a top-up there is too little to go on.
        let found = estimate(&samples[..5], now, &Rules::default());
        assert_eq!(found, Err(Unknown::TooFewSamples { have: 2 }));
    }

    #[test]
    fn flat_and_rising_balances_never_run_out() {
        let now = start() + TimeDelta::minutes(60);
        let flat = [at(0, "5"), at(30, "5"), at(60, "5")];
        let found =
            estimate(&flat, now, &Rules::default()).unwrap_or_else(|e| unreachable!("{e:?}"));
        assert_eq!((found.per_hour, found.runs_out_at), (Decimal::ZERO, None));
        // Rising all along: each rise restarts, so the last run is one sample.
        let rising = [at(0, "5"), at(30, "6"), at(60, "7")];
        assert_eq!(
            estimate(&rising, now, &Rules::default()),
            Err(Unknown::TooFewSamples { have: 1 })
        );
    }

    #[test]
    fn at_or_below_zero_it_has_run_out_and_debt_is_not_clamped() {
        let now = start() + TimeDelta::minutes(60);
        let samples = [at(0, "1"), at(30, "0.5"), at(60, "-0.25")];
        let found =
            estimate(&samples, now, &Rules::default()).unwrap_or_else(|e| unreachable!("{e:?}"));
        assert_eq!(found.per_hour, decimal("1.25"));
        assert_eq!(found.runs_out_at, Some(now));
        assert_eq!(runs_out_in(found.runs_out_at, now), "now");
    }

    #[test]
    fn too_few_or_too_close_samples_are_unknown() {
        let now = start() + TimeDelta::minutes(60);
        let rules = Rules::default();
        assert_eq!(
            estimate(&[], now, &rules),
            Err(Unknown::TooFewSamples { have: 0 })
        );
        let close = [at(0, "10"), at(5, "9"), at(10, "8")];
        assert_eq!(
            estimate(&close, now, &rules),
            Err(Unknown::TooShort {
                span: TimeDelta::minutes(10)
            })
        );
        // Samples older than the window do not count.
        let old = [at(0, "10"), at(30, "9"), at(60, "8"), at(1500, "7")];
        let later = start() + TimeDelta::minutes(1500);
        assert_eq!(
            estimate(&old, later, &rules),
            Err(Unknown::TooFewSamples { have: 2 })
        );
    }

    #[test]
    fn diem_refills_at_the_next_utc_midnight_and_money_never() {
        let now = start() + TimeDelta::hours(15);
        let midnight = start() + TimeDelta::hours(24);
        assert_eq!(next_refill(&prepaid::Unit::Diem, now), Some(midnight));
        assert_eq!(next_refill(&prepaid::Unit::Usd, now), None);
        let soon = Some(now + TimeDelta::hours(3));
        let late = Some(now + TimeDelta::hours(12));
        assert_eq!(before_refill(&prepaid::Unit::Diem, soon, now), Some(true));
        assert_eq!(before_refill(&prepaid::Unit::Diem, late, now), Some(false));
        assert_eq!(before_refill(&prepaid::Unit::Diem, None, now), None);
        assert_eq!(before_refill(&prepaid::Unit::Usd, soon, now), None);
    }

    #[test]
    fn a_run_kept_sample_by_sample_equals_the_run_read_whole() {
        let samples = [
            at(0, "10"),
            at(60, "8"),
            at(120, "6"),
            at(130, "56"),
            at(190, "55"),
            at(250, "54.5"),
            at(310, "54.5"),
        ];
        let now = start() + TimeDelta::minutes(310);
        let rules = Rules::default();
        let mut kept = Run::of(&samples[..1], now, &rules).unwrap_or_else(|| unreachable!());
        for (index, sample) in samples.iter().enumerate().skip(1) {
            kept = kept.push(*sample);
            let whole = Run::of(&samples[..=index], now, &rules);
            assert_eq!(Some(kept), whole, "after sample {index}");
        }
        assert_eq!(kept.estimate(&rules), estimate(&samples, now, &rules));
    }

    #[test]
    fn a_ledger_estimates_from_its_last_top_up_to_the_balance_just_fetched() {
        let rules = Rules::default();
        // As runtools sends it, newest first; one entry is as new as the fetch (ignored).
        let ledger = [
            at(100, "90"),
            at(120, "70"),
            at(40, "110"),
            at(30, "5"),
            at(60, "100"),
        ];
        let now = start() + TimeDelta::minutes(120);
        let found = from_ledger(ledger, at(120, "80"), now, &rules);
        // From 110 at minute 40 (after the rise from 5) to 80 at minute 120: 30 in 80 min.
        let found = found.unwrap_or_else(|e| unreachable!("{e:?}"));
        assert_eq!(found.basis, Basis::Ledger);
        assert_eq!((found.samples, found.since), (4, at(40, "0").0));
        assert_eq!(found.per_hour, decimal("22.5"));
        // Only the fetched balance: unknown, never a made-up rate.
        assert_eq!(
            from_ledger([], at(120, "80"), now, &rules),
            Err(Unknown::TooFewSamples { have: 1 })
        );
    }

    #[test]
    fn durations_read_as_people_say_them() {
        let now = start();
        let later = |minutes| Some(now + TimeDelta::minutes(minutes));
        assert_eq!(runs_out_in(None, now), "-");
        assert_eq!(runs_out_in(later(0), now), "now");
        assert_eq!(runs_out_in(later(-5), now), "now");
        assert_eq!(runs_out_in(later(1), now), "~1 min");
        assert_eq!(runs_out_in(later(59), now), "~59 min");
        assert_eq!(runs_out_in(later(90), now), "~1.5 h");
        assert_eq!(runs_out_in(later(60 * 30), now), "~30 h");
        assert_eq!(runs_out_in(later(60 * 24 * 3 + 60 * 5), now), "~3.2 d");
        assert_eq!(per_hour(decimal("1.23456"), "USD"), "1.23 USD/h");
        assert_eq!(per_hour(decimal("0.004"), "USD"), "<0.01 USD/h");
        assert_eq!(per_hour(decimal("2.50"), "DIEM"), "2.5 DIEM/h");
    }
}

//! `prepaid watch`: re-fetch on an interval and estimate, per provider and unit, how fast the
//! balance burns and when it reaches zero, the way Runcrate's dashboard shows "Burn Rate" and
//! "Hours Remaining".

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;

/// A burn-rate estimate from a provider's samples of one unit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BurnEstimate {
    /// How much is spent per hour (positive while spending).
    pub per_hour: Decimal,
    /// Hours until the balance reaches zero at that rate; `None` while not spending.
    pub hours_remaining: Option<Decimal>,
}

const MILLIS_PER_HOUR: i64 = 3_600_000;

/// Estimate from `samples` (time, balance), oldest first. Only the samples since the last
/// increase count: a top-up starts a new run rather than showing as negative spend. Needs
/// two samples in that run, some time apart.
pub fn estimate(samples: &[(DateTime<Utc>, Decimal)]) -> Option<BurnEstimate> {
    let start = samples
        .windows(2)
        .rposition(|w| w[1].1 > w[0].1)
        .map_or(0, |i| i + 1);
    let run = &samples[start..];
    let (first, last) = (run.first()?, run.last()?);
    let millis = (last.0 - first.0).num_milliseconds();
    if run.len() < 2 || millis <= 0 {
        return None;
    }
    let spent = first.1 - last.1;
    let per_hour = spent
        .checked_mul(Decimal::from(MILLIS_PER_HOUR))?
        .checked_div(Decimal::from(millis))?;
    let hours_remaining = (per_hour > Decimal::ZERO)
        .then(|| last.1.checked_div(per_hour))
        .flatten();
    Some(BurnEstimate {
        per_hour,
        hours_remaining,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(hours: i64, minutes: i64, balance: &str) -> (DateTime<Utc>, Decimal) {
        let start = Utc
            .with_ymd_and_hms(2026, 11, 25, 0, 0, 0)
            .single()
            .unwrap_or_default();
        let value = Decimal::from_str_exact(balance).unwrap_or_default();
        (
            start + chrono::Duration::hours(hours) + chrono::Duration::minutes(minutes),
            value,
        )
    }

    fn dec(text: &str) -> Decimal {
        Decimal::from_str_exact(text).unwrap_or_default()
    }

    #[test]
    fn steady_spend() {
        let samples = [at(0, 0, "100"), at(1, 0, "98"), at(2, 0, "96")];
        assert_eq!(
            estimate(&samples),
            Some(BurnEstimate {
                per_hour: dec("2"),
                hours_remaining: Some(dec("48"))
            })
        );
    }

    #[test]
    fn steady_spend_between_minutes() {
        // 0.25 USD in 15 minutes is exactly 1 USD an hour; 10 USD left is 10 hours.
        let samples = [at(0, 0, "10.25"), at(0, 15, "10.00")];
        assert_eq!(
            estimate(&samples),
            Some(BurnEstimate {
                per_hour: dec("1"),
                hours_remaining: Some(dec("10"))
            })
        );
    }

    #[test]
    fn a_top_up_in_the_middle_starts_a_new_run() {
        let samples = [
            at(0, 0, "100"),
            at(1, 0, "98"),
            at(2, 0, "150"),
            at(3, 0, "147"),
        ];
        assert_eq!(
            estimate(&samples),
            Some(BurnEstimate {
                per_hour: dec("3"),
                hours_remaining: Some(dec("49"))
            })
        );
        // Right after the top-up there is one sample in the run: no estimate yet.
        assert_eq!(estimate(&samples[..3]), None);
    }

    #[test]
    fn no_change_is_no_spend_and_no_time_to_zero() {
        let samples = [at(0, 0, "25"), at(1, 0, "25")];
        assert_eq!(
            estimate(&samples),
            Some(BurnEstimate {
                per_hour: dec("0"),
                hours_remaining: None
            })
        );
    }

    #[test]
    fn fewer_than_two_samples_or_no_elapsed_time_give_nothing() {
        assert_eq!(estimate(&[]), None);
        assert_eq!(estimate(&[at(0, 0, "5")]), None);
        assert_eq!(estimate(&[at(0, 0, "5"), at(0, 0, "4")]), None);
    }
}

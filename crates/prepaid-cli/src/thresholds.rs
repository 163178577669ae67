//! Low-balance thresholds: `--min-usd 10` and `--min venice=50DIEM`. Nothing is converted
//! between currencies: a threshold looks only at amounts in its own unit.

use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;

use prepaid::{Balance, Provider, Unit};
use rust_decimal::Decimal;

/// A minimum for one provider's balance in one unit, or for every USD balance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Threshold {
    /// The provider it applies to; `None`: every provider.
    pub provider: Option<Provider>,
    /// The account it applies to (from the accounts file); `None`: every account.
    pub account: Option<String>,
    /// The smallest balance that is fine.
    pub minimum: Decimal,
    /// The unit compared; amounts in other units are ignored.
    pub unit: Unit,
}

impl Threshold {
    /// `--min-usd AMOUNT`: every provider's USD balance.
    pub fn usd(minimum: Decimal) -> Self {
        Self {
            provider: None,
            account: None,
            minimum,
            unit: Unit::Usd,
        }
    }

    /// Whether this threshold looks at `account` (its provider and, if named, its name).
    pub fn applies_to(&self, account: &prepaid::Account) -> bool {
        self.provider.is_none_or(|p| p == account.provider)
            && self.account.as_ref().is_none_or(|a| *a == account.name)
    }

    /// The amount of `account`'s `balance` below this threshold, if any.
    pub fn breach<'a>(
        &self,
        account: &prepaid::Account,
        balance: &'a Balance,
    ) -> Option<&'a prepaid::Amount> {
        if !self.applies_to(account) {
            return None;
        }
        balance
            .available
            .iter()
            .find(|a| a.unit == self.unit && a.value < self.minimum)
    }
}

/// `--min-hours` and an account's `min_hours`: a balance estimated to run out sooner than
/// this is as bad as one below its minimum (exit 1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunOutLimit {
    /// The provider it applies to; `None`: every provider.
    pub provider: Option<Provider>,
    /// The account it applies to; `None`: every account.
    pub account: Option<String>,
    /// The fewest hours left that are fine.
    pub hours: Decimal,
}

/// Every threshold of a run (flags and accounts file), arranged so that finding those that
/// look at an account does not scan them all: 10,000 accounts each with its own `min`
/// would otherwise cost 100 million comparisons a render.
#[derive(Debug, Default)]
pub struct Thresholds {
    all: Vec<Threshold>,
    /// Those naming an account, by provider and account name.
    by_account: HashMap<Provider, HashMap<String, Vec<usize>>>,
    /// The others: every account, or every account of one provider.
    general: Vec<usize>,
    /// The run-out limits (few: one per flag or account).
    run_out: Vec<RunOutLimit>,
}

impl Thresholds {
    /// Index `all`, with the run-out limits.
    pub fn new(all: Vec<Threshold>, run_out: Vec<RunOutLimit>) -> Self {
        let mut by_account: HashMap<Provider, HashMap<String, Vec<usize>>> = HashMap::new();
        let mut general = Vec::new();
        for (index, threshold) in all.iter().enumerate() {
            match (threshold.provider, &threshold.account) {
                (Some(provider), Some(name)) => by_account
                    .entry(provider)
                    .or_default()
                    .entry(name.clone())
                    .or_default()
                    .push(index),
                _ => general.push(index),
            }
        }
        Self {
            all,
            by_account,
            general,
            run_out,
        }
    }

    /// The fewest hours `account`'s balances may have left: the highest limit that applies.
    pub fn min_hours(&self, account: &prepaid::Account) -> Option<Decimal> {
        self.run_out
            .iter()
            .filter(|limit| {
                limit.provider.is_none_or(|p| p == account.provider)
                    && limit.account.as_ref().is_none_or(|a| *a == account.name)
            })
            .map(|limit| limit.hours)
            .max()
    }

    /// Whether an estimated run-out at `at` is sooner than `account`'s limit allows.
    pub fn runs_out_too_soon(
        &self,
        account: &prepaid::Account,
        at: chrono::DateTime<chrono::Utc>,
        now: chrono::DateTime<chrono::Utc>,
    ) -> bool {
        let Some(hours) = self.min_hours(account) else {
            return false;
        };
        let seconds = hours
            .checked_mul(Decimal::from(3600))
            .and_then(|s| i64::try_from(s.trunc()).ok())
            .unwrap_or(i64::MAX);
        (at - now).num_seconds() < seconds
    }

    /// The thresholds that look at `account`.
    pub fn applying<'s, 'c>(
        &'s self,
        account: &'c prepaid::Account,
    ) -> impl Iterator<Item = &'s Threshold> + use<'s, 'c> {
        let named = self
            .by_account
            .get(&account.provider)
            .and_then(|names| names.get(account.name.as_str()))
            .into_iter()
            .flatten();
        self.general
            .iter()
            .chain(named)
            .filter_map(|&index| self.all.get(index))
            .filter(move |t| t.applies_to(account))
    }

    /// The minimum that applies to `account` in each unit: the highest of the thresholds
    /// that look at it (a balance is below if it is below any of them), in the order the
    /// units first appear.
    pub fn minimums(&self, account: &prepaid::Account) -> Vec<(&Unit, Decimal)> {
        let mut minimums: Vec<(&Unit, Decimal)> = Vec::new();
        for threshold in self.applying(account) {
            match minimums
                .iter_mut()
                .find(|(unit, _)| **unit == threshold.unit)
            {
                Some((_, minimum)) => *minimum = (*minimum).max(threshold.minimum),
                None => minimums.push((&threshold.unit, threshold.minimum)),
            }
        }
        minimums
    }
}

/// Refuse a threshold in a unit its provider never reports (`--min runcrate=5DIEM`, or a
/// typo): it would never fire, and a silent threshold is worse than none.
pub fn check_units(thresholds: &[Threshold]) -> Result<(), String> {
    for threshold in thresholds {
        let Some(provider) = threshold.provider else {
            continue;
        };
        let units = provider.units();
        if !units.contains(&threshold.unit) {
            let reported: Vec<&str> = units.iter().map(Unit::as_str).collect();
            return Err(format!(
                "threshold {threshold}: {provider} reports its balance in {}, never {}",
                reported.join(" and "),
                threshold.unit
            ));
        }
    }
    Ok(())
}

impl fmt::Display for Threshold {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.provider, &self.account) {
            (Some(p), Some(a)) => write!(f, "{p}/{a}={}{}", self.minimum, self.unit),
            (Some(p), None) => write!(f, "{p}={}{}", self.minimum, self.unit),
            (None, _) => write!(f, "{}{}", self.minimum, self.unit),
        }
    }
}

impl FromStr for Threshold {
    type Err = String;

    /// `PROVIDER=AMOUNTUNIT`: `venice=50DIEM`, `runtools=5.5USD`, `ngrok-ai-gateway=10 USD`.
    fn from_str(text: &str) -> Result<Self, String> {
        let (provider, rest) = text
            .split_once('=')
            .ok_or_else(|| format!("`{text}`: expected PROVIDER=AMOUNTUNIT, e.g. venice=50DIEM"))?;
        let provider: Provider = provider
            .parse()
            .map_err(|e: prepaid::UnknownProvider| e.to_string())?;
        let rest = rest.trim();
        let split = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '-'))
            .ok_or_else(|| format!("`{text}`: the amount needs a unit, e.g. {provider}=50USD"))?;
        let (amount, unit) = rest.split_at(split);
        let minimum = Decimal::from_str_exact(amount)
            .map_err(|_| format!("`{text}`: `{amount}` is not a decimal amount"))?;
        let unit = unit.trim().to_ascii_uppercase();
        if unit.is_empty() || !unit.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return Err(format!("`{text}`: `{unit}` is not a unit (USD, DIEM, ...)"));
        }
        Ok(Self {
            provider: Some(provider),
            account: None,
            minimum,
            unit: Unit::from(unit.as_str()),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn provider_thresholds_parse_with_their_unit() {
        let t: Threshold = "venice=50DIEM"
            .parse()
            .unwrap_or_else(|e| unreachable!("{e}"));
        assert_eq!(
            t,
            Threshold {
                provider: Some(Provider::Venice),
                account: None,
                minimum: Decimal::new(50, 0),
                unit: Unit::Diem
            }
        );
        let t: Threshold = "ngrok-ai-gateway=12.5 usd"
            .parse()
            .unwrap_or_else(|e| unreachable!("{e}"));
        assert_eq!(
            (t.provider, t.minimum, &t.unit),
            (
                Some(Provider::NgrokAiGateway),
                Decimal::new(125, 1),
                &Unit::Usd
            )
        );
        assert_eq!(t.to_string(), "ngrok-ai-gateway=12.5USD");
    }

    #[test]
    fn malformed_thresholds_say_what_is_wrong() {
        for (text, expected) in [
            ("venice", "expected PROVIDER=AMOUNTUNIT"),
            ("acme=5USD", "unknown provider `acme`"),
            ("venice=50", "needs a unit"),
            ("venice=fiftyDIEM", "is not a decimal amount"),
            ("venice=5$", "is not a unit"),
        ] {
            let error = text.parse::<Threshold>().err().unwrap_or_default();
            assert!(error.contains(expected), "{text}: {error}");
        }
    }

    #[test]
    fn thresholds_apply_by_provider_and_account_and_the_highest_counts() {
        let account = |provider, name: &str| prepaid::Account::new(provider, name);
        let named = |provider, name: &str, minimum, unit: Unit| Threshold {
            provider: Some(provider),
            account: Some(name.to_string()),
            minimum: Decimal::new(minimum, 0),
            unit,
        };
        let thresholds = Thresholds::new(
            vec![
                Threshold::usd(Decimal::new(10, 0)),
                named(Provider::Venice, "search", 50, Unit::Diem),
                named(Provider::Venice, "search", 20, Unit::Usd),
                named(Provider::Runtools, "search", 99, Unit::Usd),
                "venice=5USD"
                    .parse()
                    .unwrap_or_else(|e: String| unreachable!("{e}")),
            ],
            vec![RunOutLimit {
                provider: Some(Provider::Venice),
                account: None,
                hours: Decimal::new(24, 0),
            }],
        );
        assert_eq!(
            thresholds.min_hours(&account(Provider::Venice, "x")),
            Some(Decimal::new(24, 0))
        );
        assert_eq!(
            thresholds.min_hours(&account(Provider::Runtools, "x")),
            None
        );
        let search = account(Provider::Venice, "search");
        assert_eq!(thresholds.applying(&search).count(), 4);
        assert_eq!(
            thresholds.minimums(&search),
            [
                (&Unit::Usd, Decimal::new(20, 0)),
                (&Unit::Diem, Decimal::new(50, 0))
            ]
        );
        let other = account(Provider::Venice, "other");
        assert_eq!(
            thresholds.minimums(&other),
            [(&Unit::Usd, Decimal::new(10, 0))]
        );
        let ngrok = account(Provider::NgrokAiGateway, "search");
        assert_eq!(thresholds.applying(&ngrok).count(), 1, "only --min-usd");
    }

    #[test]
    #[allow(clippy::unwrap_used)]
    fn a_threshold_in_a_unit_its_provider_never_reports_is_refused() {
        let parse = |text: &str| text.parse::<Threshold>().unwrap();
        assert!(check_units(&[parse("venice=50DIEM"), parse("runcrate=5USD")]).is_ok());
        assert!(check_units(&[Threshold::usd(Decimal::TEN)]).is_ok());
        assert_eq!(
            check_units(&[parse("runcrate=5DIEM")]).unwrap_err(),
            "threshold runcrate=5DIEM: runcrate reports its balance in USD, never DIEM"
        );
        assert_eq!(
            check_units(&[parse("venice=5EUR")]).unwrap_err(),
            "threshold venice=5EUR: venice reports its balance in USD and DIEM, never EUR"
        );
    }
}

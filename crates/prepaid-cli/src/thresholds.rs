//! Low-balance thresholds: `--min-usd 10` and `--min venice=50DIEM`. Nothing is converted
//! between currencies: a threshold looks only at amounts in its own unit.

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

/// The minimum that applies to `account` in each unit: the highest of the thresholds that look
/// at it (a balance is below if it is below any of them), in the order the units first appear.
pub fn minimums<'a>(
    thresholds: &'a [Threshold],
    account: &prepaid::Account,
) -> Vec<(&'a Unit, Decimal)> {
    let mut minimums: Vec<(&Unit, Decimal)> = Vec::new();
    for threshold in thresholds.iter().filter(|t| t.applies_to(account)) {
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
}

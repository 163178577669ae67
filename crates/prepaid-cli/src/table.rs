//! `--format table`: one row per provider, for people.

use prepaid::{Amount, Balance};

use crate::report::Outcome;
use crate::thresholds::Threshold;

/// The table, with a `below` marker for every threshold a balance breaks.
pub fn render(outcomes: &[Outcome], thresholds: &[Threshold]) -> String {
    let mut rows = vec![
        [
            "PROVIDER",
            "AVAILABLE",
            "ACCRUING",
            "CAN CONSUME",
            "DETAILS",
        ]
        .map(String::from)
        .to_vec(),
    ];
    for outcome in outcomes {
        rows.push(match &outcome.result {
            Ok(balance) => balance_row(balance, thresholds),
            Err(error) => vec![
                outcome.provider.to_string(),
                "-".into(),
                "-".into(),
                "-".into(),
                failure(outcome.provider, error),
            ],
        });
    }
    let widths: Vec<usize> = (0..4)
        .map(|c| rows.iter().map(|r| r[c].chars().count()).max().unwrap_or(0))
        .collect();
    let mut out = String::new();
    for row in rows {
        let mut line = String::new();
        for (cell, width) in row.iter().zip(&widths) {
            line.push_str(&format!("{cell:<width$}  "));
        }
        line.push_str(&row[4]);
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// The error in plain words, without the provider the row already names.
pub fn failure(provider: prepaid::Provider, error: &prepaid::Error) -> String {
    let text = error.to_string();
    let prefix = format!("{provider}: ");
    format!("FAILED: {}", text.strip_prefix(&prefix).unwrap_or(&text))
}

fn amounts(amounts: &[Amount]) -> String {
    if amounts.is_empty() {
        return "-".into();
    }
    amounts
        .iter()
        .map(|a| format!("{} {}", a.value, a.unit))
        .collect::<Vec<_>>()
        .join(", ")
}

fn balance_row(balance: &Balance, thresholds: &[Threshold]) -> Vec<String> {
    let mut details = Vec::new();
    for threshold in thresholds {
        if let Some(amount) = threshold.breach(balance) {
            details.push(format!(
                "BELOW {} {} (has {} {})",
                threshold.minimum, threshold.unit, amount.value, amount.unit
            ));
        }
    }
    if let Some(plan) = &balance.plan {
        details.push(format!("plan {plan}"));
    }
    if let (Some(granted), Some(used)) = (&balance.granted, &balance.used) {
        details.push(format!(
            "granted {} {}, used {} {}",
            granted.value, granted.unit, used.value, used.unit
        ));
    }
    if let Some(used) = balance.free_credits_used {
        details.push(format!(
            "free credits {}",
            if used { "used" } else { "unused" }
        ));
    }
    if let Some(allocation) = &balance.allocation {
        details.push(format!(
            "epoch allocation {} {}",
            allocation.value, allocation.unit
        ));
    }
    if let Some(currency) = &balance.consumption_currency {
        details.push(format!("spends {currency}"));
    }
    details.extend(balance.notes.iter().cloned());
    vec![
        balance.provider.to_string(),
        amounts(&balance.available),
        balance
            .accruing
            .as_ref()
            .map_or("-".into(), |a| amounts(std::slice::from_ref(a))),
        balance
            .can_consume
            .map_or("-".into(), |c| if c { "yes" } else { "no" }.to_string()),
        details.join("; "),
    ]
}

//! `--format table`: one row per account, for people.

use prepaid::{Account, AccountBalance, Amount, Balance};

use crate::thresholds::Threshold;

/// `provider`, or `provider/name` for an account the accounts file names.
pub fn account_cell(account: &Account) -> String {
    if account.name == account.provider.as_str() {
        account.name.clone()
    } else {
        format!("{}/{}", account.provider, account.name)
    }
}

/// `rows` (the first is the header) as left-aligned columns; the last column is not padded.
pub fn align(rows: &[Vec<String>]) -> String {
    let columns = rows.first().map_or(0, Vec::len);
    let widths: Vec<usize> = (0..columns.saturating_sub(1))
        .map(|c| {
            rows.iter()
                .map(|r| r.get(c).map_or(0, |cell| cell.chars().count()))
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    for row in rows {
        let mut line = String::new();
        for (cell, width) in row.iter().zip(&widths) {
            line.push_str(&format!("{cell:<width$}  "));
        }
        line.push_str(row.last().map_or("", String::as_str));
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// The table, with a `BELOW` marker for every threshold a balance breaks.
pub fn render(fetched: &[AccountBalance], thresholds: &[Threshold]) -> String {
    let header = [
        "PROVIDER",
        "AVAILABLE",
        "ACCRUING",
        "CAN CONSUME",
        "DETAILS",
    ];
    let mut rows = vec![header.map(String::from).to_vec()];
    for fetched in fetched {
        rows.push(match &fetched.result {
            Ok(balance) => balance_row(&fetched.account, balance, thresholds),
            Err(error) => vec![
                account_cell(&fetched.account),
                "-".into(),
                "-".into(),
                "-".into(),
                failure(fetched.account.provider, error),
            ],
        });
    }
    align(&rows)
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

fn balance_row(account: &Account, balance: &Balance, thresholds: &[Threshold]) -> Vec<String> {
    let mut details = Vec::new();
    for threshold in thresholds {
        if let Some(amount) = threshold.breach(account, balance) {
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
    details.extend(account.labels.iter().map(|(k, v)| format!("{k}={v}")));
    vec![
        account_cell(account),
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

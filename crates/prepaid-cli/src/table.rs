//! Tables for people: `--format table` (one row per account), and the one renderer every
//! table of the command goes through.

use prepaid::{Account, AccountBalance, Amount, Balance};
use unicode_width::UnicodeWidthStr as _;

use crate::estimate::{self, Estimates};
use crate::thresholds::Thresholds;

/// `provider`, or `provider/name` for an account the accounts file names.
pub fn account_cell(account: &Account) -> String {
    if account.name == account.provider.as_str() {
        account.name.clone()
    } else {
        format!("{}/{}", account.provider, account.name)
    }
}

/// `rows` (the first is the header) in columns two spaces apart, each as wide as its widest
/// cell on screen: a CJK character or an emoji takes two columns, a combining accent none.
/// The columns numbered in `right` (numbers) are aligned right, the others left; the last
/// column is not padded, and no line ends in spaces.
pub fn align(rows: &[Vec<String>], right: &[usize]) -> String {
    let columns = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..columns)
        .map(|c| {
            rows.iter()
                .map(|r| r.get(c).map_or(0, |cell| cell.width()))
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    for row in rows {
        let mut line = String::new();
        for (column, cell) in row.iter().enumerate() {
            let padding = " ".repeat(widths[column].saturating_sub(cell.width()));
            let last = column + 1 == row.len();
            if right.contains(&column) {
                line.push_str(&padding);
                line.push_str(cell);
            } else {
                line.push_str(cell);
                if !last {
                    line.push_str(&padding);
                }
            }
            if !last {
                line.push_str("  ");
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// The table, with when each balance runs out (from `estimates`) and a `BELOW` marker for
/// every threshold a balance breaks.
pub fn render(
    fetched: &[AccountBalance],
    thresholds: &Thresholds,
    estimates: &Estimates,
) -> String {
    let header = [
        "PROVIDER",
        "AVAILABLE",
        "ACCRUING",
        "CAN CONSUME",
        "RUNS OUT",
        "DETAILS",
    ];
    let mut rows = vec![header.map(String::from).to_vec()];
    for fetched in fetched {
        rows.push(match &fetched.result {
            Ok(balance) => balance_row(&fetched.account, balance, thresholds, estimates),
            Err(error) => vec![
                account_cell(&fetched.account),
                "-".into(),
                "-".into(),
                "-".into(),
                "-".into(),
                failure(fetched.account.provider, error),
            ],
        });
    }
    let mut out = align(&rows, &[]);
    // What always holds for a vendor, once under the table rather than on each of its rows.
    let mut caveats: Vec<&str> = Vec::new();
    for fetched in fetched.iter().filter(|f| f.result.is_ok()) {
        if let Some(caveat) = fetched.account.provider.caveat()
            && !caveats.contains(&caveat)
        {
            caveats.push(caveat);
        }
    }
    if !caveats.is_empty() {
        out.push('\n');
        for caveat in caveats {
            out.push_str(&format!("* {caveat}\n"));
        }
    }
    out
}

/// The error in plain words, without the provider the row already names.
pub fn failure(provider: prepaid::Provider, error: &prepaid::Error) -> String {
    let text = crate::report::described(error);
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

/// When each of a balance's units runs out: `~3.2 d`, or `~3.2 d USD, ~5 h DIEM` for several
/// (only those whose run-out is known; `-` when none is).
fn runs_out(account: &Account, balance: &Balance, estimates: &Estimates) -> String {
    let now = crate::clock::now();
    let known: Vec<(&prepaid::Unit, String)> = balance
        .available
        .iter()
        .filter_map(|amount| {
            let found = estimates.get(account, &amount.unit)?;
            let when = match estimate::before_refill(&amount.unit, found.runs_out_at, now) {
                // DIEM that lasts until the next epoch's allocation does not run out.
                Some(false) => "refills first".to_string(),
                _ => estimate::runs_out_in(found.runs_out_at, now),
            };
            Some((&amount.unit, when))
        })
        .filter(|(_, when)| when != "-")
        .collect();
    match known.as_slice() {
        [] => "-".into(),
        [(_, when)] if balance.available.len() == 1 => when.clone(),
        several => several
            .iter()
            .map(|(unit, when)| format!("{when} {unit}"))
            .collect::<Vec<_>>()
            .join(", "),
    }
}

fn balance_row(
    account: &Account,
    balance: &Balance,
    thresholds: &Thresholds,
    estimates: &Estimates,
) -> Vec<String> {
    let mut details = Vec::new();
    for threshold in thresholds.applying(account) {
        if let Some(amount) = threshold.breach(account, balance) {
            details.push(format!(
                "BELOW {} {} (has {} {})",
                threshold.minimum, threshold.unit, amount.value, amount.unit
            ));
        }
    }
    let now = crate::clock::now();
    for amount in &balance.available {
        let soon = estimates
            .get(account, &amount.unit)
            .and_then(|e| e.runs_out_at)
            .filter(|at| thresholds.runs_out_too_soon(account, *at, now));
        if let (Some(_), Some(hours)) = (soon, thresholds.min_hours(account)) {
            details.push(format!("RUNS OUT WITHIN {hours} h ({})", amount.unit));
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
    // The vendor's standing caveat is printed once under the table.
    let caveat = account.provider.caveat();
    details.extend(
        balance
            .notes
            .iter()
            .filter(|note| Some(note.as_str()) != caveat)
            .cloned(),
    );
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
        runs_out(account, balance, estimates),
        details.join("; "),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(cells: &[&[&str]]) -> Vec<Vec<String>> {
        cells
            .iter()
            .map(|row| row.iter().map(|c| (*c).to_string()).collect())
            .collect()
    }

    #[test]
    fn columns_line_up_by_display_width() {
        let table = align(
            &rows(&[
                &["ACCOUNT", "AVAILABLE", "DETAILS"],
                &["venice/検索チーム", "12.5 USD", "team=検索"],
                &["ngrok/🚀 launch", "1 USD", "-"],
                &["runcrate/café", "100.25 USD", "x"],
            ]),
            &[1],
        );
        assert_eq!(
            table,
            // 検索チーム and 🚀 take two screen columns per character.
            "ACCOUNT             AVAILABLE  DETAILS\n\
             venice/検索チーム    12.5 USD  team=検索\n\
             ngrok/🚀 launch         1 USD  -\n\
             runcrate/café      100.25 USD  x\n"
        );
        // Every DETAILS cell starts in the same screen column.
        let starts: Vec<usize> = table
            .lines()
            .map(|line| {
                let details = line.rfind("  ").unwrap_or_default() + 2;
                line[..details].width()
            })
            .collect();
        assert!(
            starts.windows(2).all(|w| w[0] == w[1]),
            "{starts:?}\n{table}"
        );
    }

    #[test]
    fn the_last_column_is_not_padded_and_no_line_ends_in_spaces() {
        let table = align(&rows(&[&["A", "B"], &["long cell", ""], &["x", "y"]]), &[]);
        assert_eq!(table, "A          B\nlong cell\nx          y\n");
    }
}

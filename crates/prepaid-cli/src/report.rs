//! One provider's outcome, as every output format sees it, and the JSON shape.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use prepaid::{AccountBalance, Amount, Balance, Error, Provider};

use crate::estimate::{self, Estimates};
use schemars::JsonSchema;
use serde::Serialize;

/// The version of the `--format json` document. It grows compatibly (new optional keys,
/// new error kinds, new units) without a change; anything a script could trip on (a key
/// removed, renamed or retyped, a meaning changed) makes it 2.
pub const JSON_VERSION: u32 = 1;

/// `--format json` (and `serve`'s `/api/balances`): the document's version and one entry per
/// configured account, in configuration order.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Report {
    /// The document's version: 1. A reader checks it and refuses one it does not know.
    pub version: u32,
    /// One entry per configured account.
    pub accounts: Vec<AccountEntry>,
}

/// One account's outcome: which account, and its balance or why there is none.
#[derive(Debug, Serialize, JsonSchema)]
pub struct AccountEntry {
    /// The account's name (the provider's name unless the accounts file names it);
    /// `provider` and `account` together are unique.
    pub account: String,
    /// The vendor.
    pub provider: Provider,
    /// The account's labels from the accounts file.
    pub labels: BTreeMap<String, String>,
    /// `ok` with a `balance`, or `error` with an `error`.
    #[serde(flatten)]
    pub outcome: Outcome,
    /// When each unit of the balance runs out, where the history holds enough to say
    /// (empty otherwise: unknown, never zero).
    pub run_out: Vec<RunOut>,
}

/// The fetch's outcome, told apart by `status`.
#[derive(Debug, Serialize, JsonSchema)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Outcome {
    /// The account's balance was fetched.
    Ok {
        /// The balance (the library's model, unchanged).
        balance: Box<Balance>,
    },
    /// The account could not be fetched. Never shown as a zero balance.
    Error {
        /// What went wrong.
        error: FailureDetail,
    },
}

/// A run-out estimate for one unit of a balance.
#[derive(Debug, Serialize, JsonSchema)]
pub struct RunOut {
    /// How much is spent per hour (in the balance's unit; zero or negative while not
    /// spending).
    pub burn_per_hour: Amount,
    /// When the balance reaches zero at that rate; absent while not spending.
    pub runs_out_at: Option<DateTime<Utc>>,
    /// For a unit that refills by itself (Venice's DIEM, each day at 00:00 UTC): whether it
    /// runs out before the next refill. Absent for money, and while it does not run out.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub before_refill: Option<bool>,
    /// What the estimate rests on: `history` (the balances prepaid recorded) or `ledger`
    /// (runtools' credit ledger, while the history has too few).
    pub basis: estimate::Basis,
    /// How many recorded balances it rests on.
    pub samples: usize,
    /// The first of them (the window's start, or the last top-up).
    pub since: DateTime<Utc>,
}

/// What went wrong, for machines (`kind`) and people (`message`).
#[derive(Debug, Serialize, JsonSchema)]
pub struct FailureDetail {
    /// A stable name (the library's `ErrorKind::as_str`): unauthorized, forbidden,
    /// not_found, rate_limited, server_error, unexpected_status, timeout, network,
    /// redirect_refused, undecodable, response_too_large, not_configured,
    /// ambiguous_account, invalid_request. New kinds may be added: treat an unknown one as
    /// a failure.
    pub kind: String,
    /// The error in plain words.
    pub message: String,
    /// The HTTP status, when the vendor answered.
    pub status: Option<u16>,
    /// The vendor's own error message, when its body had one.
    pub vendor_message: Option<String>,
}

/// `error` in words with its causes (a failed connection's reason), as one line: each
/// cause after `: `, skipping one whose words the line already holds. Never the key: the
/// facade's errors and their causes hold none.
pub fn described(error: &Error) -> String {
    let mut text = error.to_string();
    let mut cause = std::error::Error::source(error);
    while let Some(found) = cause {
        let part = found.to_string();
        if !text.contains(&part) {
            text.push_str(": ");
            text.push_str(&part);
        }
        cause = found.source();
    }
    text
}

impl AccountEntry {
    /// The JSON element for one account's fetch, with its estimates.
    pub fn new(fetched: &AccountBalance, estimates: &Estimates) -> Self {
        let run_out = fetched
            .result
            .iter()
            .flat_map(|balance| &balance.available)
            .filter_map(|amount| {
                let found = estimates.get(&fetched.account, &amount.unit)?;
                Some(RunOut {
                    burn_per_hour: Amount::new(found.per_hour, amount.unit.clone()),
                    runs_out_at: found.runs_out_at,
                    before_refill: estimate::before_refill(
                        &amount.unit,
                        found.runs_out_at,
                        crate::clock::now(),
                    ),
                    basis: found.basis,
                    samples: found.samples,
                    since: found.since,
                })
            })
            .collect();
        let outcome = match &fetched.result {
            Ok(balance) => Outcome::Ok {
                balance: Box::new(balance.clone()),
            },
            Err(error) => Outcome::Error {
                error: FailureDetail {
                    kind: error.kind().as_str().to_string(),
                    message: described(error),
                    status: error.status(),
                    vendor_message: error.vendor_message().map(str::to_string),
                },
            },
        };
        Self {
            account: fetched.account.name.clone(),
            provider: fetched.account.provider,
            labels: fetched.account.labels.clone(),
            outcome,
            run_out,
        }
    }
}

impl Report {
    /// The document for these fetches, with their estimates.
    pub fn new(fetched: &[AccountBalance], estimates: &Estimates) -> Self {
        Self {
            version: JSON_VERSION,
            accounts: fetched
                .iter()
                .map(|f| AccountEntry::new(f, estimates))
                .collect(),
        }
    }
}

/// `--format json`: the [`Report`] as pretty JSON, or why it could not be written (it
/// cannot fail for these types; were it to, nothing is printed rather than a partial
/// document).
pub fn json(fetched: &[AccountBalance], estimates: &Estimates) -> Result<String, String> {
    let report = Report::new(fetched, estimates);
    let mut text = serde_json::to_string_pretty(&report)
        .map_err(|error| format!("cannot write the JSON document: {error}"))?;
    text.push('\n');
    Ok(text)
}

/// A JSON document of another command (`ledger`, `usage`, `auto-topup`): `{"version": 1,
/// "account": account, key: value}`, under the same versioning as `--format json`.
#[cfg(feature = "runtools")]
pub fn versioned(account: &str, key: &str, value: &impl Serialize) -> Result<String, String> {
    let failed = |error: serde_json::Error| format!("cannot write the JSON document: {error}");
    let mut document = serde_json::Map::new();
    document.insert("version".into(), JSON_VERSION.into());
    document.insert("account".into(), account.into());
    document.insert(key.into(), serde_json::to_value(value).map_err(failed)?);
    let mut text = serde_json::to_string_pretty(&document).map_err(failed)?;
    text.push('\n');
    Ok(text)
}

/// `prepaid schema`: the JSON Schema of `--format json` output.
pub fn schema() -> String {
    let schema = schemars::schema_for!(Report);
    let mut text = serde_json::to_string_pretty(&schema).unwrap_or_default();
    text.push('\n');
    text
}

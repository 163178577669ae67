//! One provider's outcome, as every output format sees it, and the JSON shape.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use prepaid::{AccountBalance, Amount, Balance, Error, Provider};

use crate::estimate::{self, Estimates};
use schemars::JsonSchema;
use serde::Serialize;

/// One element of `--format json`: the account, and its balance (the facade's model,
/// unchanged) or why there is none.
#[derive(Debug, Serialize, JsonSchema)]
pub struct AccountEntry {
    /// The account's name (the provider's name unless the accounts file names it).
    pub account: String,
    /// The account's labels from the accounts file.
    pub labels: BTreeMap<String, String>,
    /// The balance or the failure.
    #[serde(flatten)]
    pub entry: Entry,
    /// When each unit of the balance runs out, where the history holds enough to say
    /// (absent otherwise: unknown, never zero).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub run_out: Vec<RunOut>,
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

/// A balance or a failure.
#[derive(Debug, Serialize, JsonSchema)]
#[serde(untagged)]
pub enum Entry {
    /// The provider's balance.
    Balance(Box<Balance>),
    /// The provider could not be fetched.
    Failure(Failure),
}

/// A provider that could not be fetched. Never shown as a zero balance.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Failure {
    /// The provider.
    pub provider: Provider,
    /// What went wrong.
    pub error: FailureDetail,
}

/// What went wrong, for machines (`kind`) and people (`message`).
#[derive(Debug, Serialize, JsonSchema)]
pub struct FailureDetail {
    /// A stable name: unauthorized, forbidden, not_found, rate_limited, server_error,
    /// unexpected_status, timeout, network, redirect_refused, undecodable,
    /// response_too_large, invalid_config, not_configured, invalid_request, other.
    pub kind: String,
    /// The error in plain words.
    pub message: String,
    /// The HTTP status, when the vendor answered.
    pub status: Option<u16>,
    /// The vendor's own error message, when its body had one.
    pub vendor_message: Option<String>,
}

/// The stable name of an error's kind.
pub fn kind(error: &Error) -> &'static str {
    match error {
        Error::Unauthorized { .. } => "unauthorized",
        Error::Forbidden { .. } => "forbidden",
        Error::NotFound { .. } => "not_found",
        Error::RateLimited { .. } => "rate_limited",
        Error::Server { .. } => "server_error",
        Error::UnexpectedStatus { .. } => "unexpected_status",
        Error::Timeout { .. } => "timeout",
        Error::Network { .. } => "network",
        Error::RedirectRefused { .. } => "redirect_refused",
        Error::Undecodable { .. } => "undecodable",
        Error::ResponseTooLarge { .. } => "response_too_large",
        Error::InvalidConfig { .. } => "invalid_config",
        Error::NotConfigured { .. } => "not_configured",
        Error::InvalidRequest { .. } => "invalid_request",
        _ => "other",
    }
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
        let entry = match &fetched.result {
            Ok(balance) => Entry::Balance(Box::new(balance.clone())),
            Err(error) => Entry::Failure(Failure {
                provider: fetched.account.provider,
                error: FailureDetail {
                    kind: kind(error).to_string(),
                    message: error.to_string(),
                    status: error.status(),
                    vendor_message: error.vendor_message().map(str::to_string),
                },
            }),
        };
        Self {
            account: fetched.account.name.clone(),
            labels: fetched.account.labels.clone(),
            entry,
            run_out,
        }
    }
}

/// `--format json`: one array, one element per configured account.
pub fn json(fetched: &[AccountBalance], estimates: &Estimates) -> String {
    let entries: Vec<AccountEntry> = fetched
        .iter()
        .map(|f| AccountEntry::new(f, estimates))
        .collect();
    let mut text = serde_json::to_string_pretty(&entries).unwrap_or_else(|_| "[]".to_string());
    text.push('\n');
    text
}

/// `prepaid schema`: the JSON Schema of `--format json` output.
pub fn schema() -> String {
    let schema = schemars::schema_for!(Vec<AccountEntry>);
    let mut text = serde_json::to_string_pretty(&schema).unwrap_or_default();
    text.push('\n');
    text
}

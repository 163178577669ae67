//! Accounts: several keys of one vendor (one per customer, team or project), each with a
//! name and labels that travel with its results.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::{Balance, Error, Provider};

/// One configured account of a provider.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[non_exhaustive]
pub struct Account {
    /// The vendor.
    pub provider: Provider,
    /// The account's name, unique within its provider (default: the provider's name).
    pub name: String,
    /// Labels given in the configuration (e.g. `team = "search"`).
    pub labels: BTreeMap<String, String>,
}

/// One account's fetch: its balance or why there is none, and how long it took.
#[derive(Debug)]
#[non_exhaustive]
pub struct AccountBalance {
    /// The account fetched (shared with the [`Prepaid`](crate::Prepaid) it came from, not
    /// copied: a fleet's labels are held once).
    pub account: Arc<Account>,
    /// Its balance, or why there is none.
    pub result: Result<Balance, Error>,
    /// How long the fetch took, from when it started (waits for the concurrency and rate
    /// limits included).
    pub duration: Duration,
}

impl Account {
    /// The account `name` of `provider`, without labels.
    pub fn new(provider: Provider, name: impl Into<String>) -> Self {
        Self {
            provider,
            name: name.into(),
            labels: BTreeMap::new(),
        }
    }

    /// This account with the label `name = value`.
    pub fn with_label(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.labels.insert(name.into(), value.into());
        self
    }
}

impl AccountBalance {
    /// `account`'s fetch: its `result`, which took `duration`.
    pub fn new(account: Arc<Account>, result: Result<Balance, Error>, duration: Duration) -> Self {
        Self {
            account,
            result,
            duration,
        }
    }
}

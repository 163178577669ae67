//! runtools: the balance from `GET /v1/billing/credits` with the plan name from
//! `GET /v1/billing/plan` (both at once), plus the read-only billing extras: credit ledger
//! history, usage summary and auto-top-up settings. All amounts are integer US cents,
//! converted exactly. Top-ups are created with `runtools-client` directly, never here.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use tracing::Instrument;

use super::common_message;
use super::decoding::Decoding;
use crate::transport::{Ctx, Fetched, VendorErrors};
use crate::{Amount, Balance, Error, ErrorKind, Provenance, Provider};

/// runtools documents no error body; the common shapes are tried.
pub(crate) const ERRORS: VendorErrors = VendorErrors {
    message: common_message,
    auth_hint: None,
};

/// The period a [`Runtools::usage`] summary covers.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[non_exhaustive]
pub enum UsagePeriod {
    /// The current billing period (the vendor's default).
    #[default]
    #[serde(rename = "current")]
    Current,
    /// The last 7 days.
    #[serde(rename = "7d")]
    Last7Days,
    /// The last 30 days.
    #[serde(rename = "30d")]
    Last30Days,
    /// Everything.
    #[serde(rename = "all_time")]
    AllTime,
}

impl From<UsagePeriod> for runtools_client::types::GetMyUsagePeriod {
    fn from(period: UsagePeriod) -> Self {
        use runtools_client::types::GetMyUsagePeriod as P;
        match period {
            UsagePeriod::Current => P::Current,
            UsagePeriod::Last7Days => P::X7d,
            UsagePeriod::Last30Days => P::X30d,
            UsagePeriod::AllTime => P::AllTime,
        }
    }
}

/// runtools' usage summary (`GET /v1/billing/my-usage`): its sections (`modelUsage`, `tokens`,
/// `toolExecutions`, ...) by the vendor's names, each as the vendor sent it. runtools
/// documents no inner shapes and no money amounts here (it counts tokens, seconds and
/// bytes), so the sections stay open JSON rather than a type that a regeneration would
/// change.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[non_exhaustive]
pub struct Usage {
    /// Each section the vendor sent, by its name.
    #[serde(flatten)]
    pub sections: serde_json::Map<String, serde_json::Value>,
}

impl From<runtools_client::types::UsageSummary> for Usage {
    fn from(summary: runtools_client::types::UsageSummary) -> Self {
        let sections = match serde_json::to_value(summary) {
            Ok(serde_json::Value::Object(sections)) => sections,
            _ => serde_json::Map::new(),
        };
        Self { sections }
    }
}

/// One entry of the runtools credit ledger (`GET /v1/billing/credits/history`). The vendor
/// marks no field required, so each is optional.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[non_exhaustive]
pub struct LedgerEntry {
    /// The entry's id.
    pub id: Option<uuid::Uuid>,
    /// The organization.
    pub org_id: Option<uuid::Uuid>,
    /// The kind of entry (`type`), e.g. `topup`; the vendor does not document the full set.
    pub kind: Option<String>,
    /// The entry's amount (`amountCents`), exact USD.
    pub amount: Option<Amount>,
    /// The balance after the entry (`balanceAfterCents`), exact USD.
    pub balance_after: Option<Amount>,
    /// The resource charged, if any.
    pub resource: Option<String>,
    /// The vendor's description.
    pub description: Option<String>,
    /// The reference of the entry (e.g. a checkout session).
    pub reference_id: Option<String>,
    /// When the entry was made.
    pub created_at: Option<DateTime<Utc>>,
}

impl From<runtools_client::types::CreditLedgerEntry> for LedgerEntry {
    fn from(entry: runtools_client::types::CreditLedgerEntry) -> Self {
        Self {
            id: entry.id,
            org_id: entry.org_id,
            kind: entry.type_,
            amount: entry.amount_cents.map(Amount::usd_cents),
            balance_after: entry.balance_after_cents.map(Amount::usd_cents),
            resource: entry.resource,
            description: entry.description,
            reference_id: entry.reference_id,
            created_at: entry.created_at,
        }
    }
}

/// The runtools auto-top-up settings (`GET /v1/billing/auto-topup`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[non_exhaustive]
pub struct AutoTopup {
    /// Whether automatic top-ups are on.
    pub enabled: Option<bool>,
    /// Top up when the balance falls below this (`thresholdCents`), exact USD.
    pub threshold: Option<Amount>,
    /// What each automatic top-up adds (`topupAmountCents`), exact USD.
    pub topup_amount: Option<Amount>,
    /// Whether a payment method is saved for automatic top-ups.
    pub has_saved_payment_method: Option<bool>,
    /// When the last automatic top-up happened.
    pub last_topup_at: Option<DateTime<Utc>>,
}

impl From<runtools_client::types::AutoTopupSettings> for AutoTopup {
    fn from(settings: runtools_client::types::AutoTopupSettings) -> Self {
        Self {
            enabled: settings.enabled,
            threshold: settings.threshold_cents.map(Amount::usd_cents),
            topup_amount: settings.topup_amount_cents.map(Amount::usd_cents),
            has_saved_payment_method: settings.has_saved_payment_method,
            last_topup_at: settings.last_topup_at,
        }
    }
}

super::adapter!(RuntoolsSource, runtools_client, "The runtools adapter.");

impl RuntoolsSource {
    pub(crate) async fn balance(&self) -> Result<Balance, Error> {
        self.ctx
            .run("balance", |deadline| async move {
                let credits = self
                    .ctx
                    .get(deadline, &[], || self.client.get_credits().send());
                // The plan only names the plan: it may fail (or be slow) without failing
                // the balance, so it must give up a little before the whole fetch does.
                let margin = (self.ctx.timeout / 20)
                    .clamp(Duration::from_millis(1), Duration::from_millis(250));
                let plan_deadline = deadline.checked_sub(margin).unwrap_or(deadline);
                let plan = async {
                    let call = self
                        .ctx
                        .get(plan_deadline, &[], || self.client.get_plan().send());
                    match tokio::time::timeout_at(plan_deadline, call).await {
                        Ok(result) => result,
                        Err(_) => Err(Error::timeout(Provider::Runtools, self.ctx.timeout)),
                    }
                }
                .instrument(tracing::info_span!(
                    "prepaid.request",
                    op = "plan",
                    status = tracing::field::Empty,
                    attempts = tracing::field::Empty,
                ));
                let (credits, plan) = tokio::join!(credits, plan);
                to_balance(&self.ctx, credits?, Some(plan))
            })
            .await
    }

    async fn credit_history(&self, limit: u16) -> Result<Vec<LedgerEntry>, Error> {
        if !(1..=500).contains(&limit) {
            return Err(Error::new(ErrorKind::InvalidRequest, Provider::Runtools)
                .with_detail(format!("the history limit must be 1 to 500, not {limit}"))
                .for_account(&self.ctx.account));
        }
        self.ctx
            .run("credit_history", |deadline| async move {
                let fetched = self
                    .ctx
                    .get(deadline, &[], || {
                        self.client
                            .get_credit_history()
                            .limit(u64::from(limit))
                            .send()
                    })
                    .await?;
                Ok(fetched
                    .value
                    .data
                    .into_iter()
                    .map(LedgerEntry::from)
                    .collect())
            })
            .await
    }

    async fn usage(&self, period: UsagePeriod) -> Result<Usage, Error> {
        self.ctx
            .run("usage", |deadline| async move {
                let fetched = self
                    .ctx
                    .get(deadline, &[], || {
                        self.client
                            .get_my_usage()
                            .period(runtools_client::types::GetMyUsagePeriod::from(period))
                            .send()
                    })
                    .await?;
                Ok(Usage::from(fetched.value.data))
            })
            .await
    }

    async fn auto_topup(&self) -> Result<AutoTopup, Error> {
        self.ctx
            .run("auto_topup", |deadline| async move {
                let fetched = self
                    .ctx
                    .get(deadline, &[], || self.client.get_auto_topup().send())
                    .await?;
                Ok(AutoTopup::from(fetched.value.data))
            })
            .await
    }
}

/// Decoded `/v1/billing/credits` and `/v1/billing/plan` bodies as a [`Balance`]: cents as
/// exact dollars, or an [`ErrorKind::Undecodable`] error when the balance is missing. `plan` is `None`
/// when it was not asked for; a failed plan only adds a note.
pub(crate) fn to_balance(
    decoding: &impl Decoding,
    credits: Fetched<runtools_client::types::GetCreditsResponse>,
    plan: Option<Result<Fetched<runtools_client::types::GetPlanResponse>, Error>>,
) -> Result<Balance, Error> {
    let data = &credits.value.data;
    let Some(cents) = data.balance_cents else {
        return Err(decoding.undecodable_value(
            credits.status,
            "data.balanceCents is missing",
            &credits.raw,
        ));
    };
    let mut notes = Vec::new();
    let mut supplementary = Vec::new();
    let mut plan_name = None;
    match plan {
        None => {}
        Some(Ok(plan)) => {
            plan_name = plan.value.data.plan.clone();
            if plan_name.is_none() {
                notes.push("runtools: /v1/billing/plan named no plan".to_string());
            }
            supplementary.push(Provenance {
                endpoint: decoding.endpoint("/v1/billing/plan"),
                raw: plan.raw,
            });
        }
        Some(Err(error)) => notes.push(format!("runtools: the plan could not be read: {error}")),
    }
    Ok(Balance {
        provider: Provider::Runtools,
        available: vec![Amount::usd_cents(cents)],
        accruing: None,
        granted: data.total_granted_cents.map(Amount::usd_cents),
        used: data.total_used_cents.map(Amount::usd_cents),
        allocation: None,
        can_consume: Some(cents > 0),
        consumption_currency: None,
        plan: plan_name,
        free_credits_used: data.free_credits_used,
        fetched_at: Utc::now(),
        source: Provenance {
            endpoint: decoding.endpoint("/v1/billing/credits"),
            raw: credits.raw,
        },
        supplementary,
        notes,
    })
}

/// runtools' read-only billing extras, from [`Prepaid::runtools`](crate::Prepaid::runtools).
/// Each call is retried, bounded by the runtools timeout and traced like a balance fetch.
#[derive(Debug, Clone)]
pub struct Runtools {
    source: Arc<RuntoolsSource>,
}

impl Runtools {
    pub(crate) fn new(source: Arc<RuntoolsSource>) -> Self {
        Self { source }
    }

    /// The latest `limit` (1 to 500) credit ledger entries; amounts exact USD from cents.
    pub async fn credit_history(&self, limit: u16) -> Result<Vec<LedgerEntry>, Error> {
        self.source.credit_history(limit).await
    }

    /// The usage summary of `period` for the key's member, by section.
    pub async fn usage(&self, period: UsagePeriod) -> Result<Usage, Error> {
        self.source.usage(period).await
    }

    /// The auto-top-up settings; amounts exact USD from cents.
    pub async fn auto_topup(&self) -> Result<AutoTopup, Error> {
        self.source.auto_topup().await
    }
}

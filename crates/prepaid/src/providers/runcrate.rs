//! Runcrate: `GET /billing/balance` → `{ data: { creditsBalance, activeUsageCost } }`, USD.

use chrono::Utc;

use super::decoding::Decoding;
use super::{common_message, left_out};
use crate::tolerant::Auxiliary;
use crate::transport::{Ctx, Fetched, VendorErrors};
use crate::{Amount, Balance, Error, Provenance, Provider};

/// Runcrate's error bodies: `{ "error": { "code": "...", "message": "..." } }`.
pub(crate) const ERRORS: VendorErrors = VendorErrors {
    message: common_message,
    auth_hint: None,
};

/// What the balance does without: the accruing cost (`accruing` is then left out).
pub(crate) const AUXILIARY: &[Auxiliary] = &[Auxiliary {
    path: &["data", "activeUsageCost"],
    placeholder: "0",
}];

super::adapter!(Runcrate, runcrate_client, "The Runcrate adapter.");

impl Runcrate {
    pub(crate) async fn balance(&self) -> Result<Balance, Error> {
        self.ctx
            .run("balance", |deadline| async move {
                let fetched = self
                    .ctx
                    .get(deadline, AUXILIARY, || self.client.get_balance().send())
                    .await?;
                to_balance(&self.ctx, fetched)
            })
            .await
    }
}

/// A decoded `GET /billing/balance` body as a [`Balance`]: both numbers exact, or
/// [`ErrorKind::Undecodable`] naming the field.
pub(crate) fn to_balance(
    decoding: &impl Decoding,
    fetched: Fetched<runcrate_client::types::GetBalanceResponse>,
) -> Result<Balance, Error> {
    let Fetched {
        value: body,
        status,
        raw,
        absent,
    } = fetched;
    let exact = |number: &runcrate_client::ExactNumber, field| {
        decoding.exact(status, field, number.as_str(), &raw)
    };
    let available = exact(&body.data.credits_balance, "data.creditsBalance")?;
    let accruing = if absent.is_empty() {
        Some(Amount::usd(exact(
            &body.data.active_usage_cost,
            "data.activeUsageCost",
        )?))
    } else {
        None
    };
    Ok(Balance {
        provider: Provider::Runcrate,
        available: vec![Amount::usd(available)],
        accruing,
        granted: None,
        used: None,
        allocation: None,
        can_consume: Some(available > rust_decimal::Decimal::ZERO),
        consumption_currency: None,
        plan: None,
        free_credits_used: None,
        fetched_at: Utc::now(),
        source: Provenance {
            endpoint: decoding.endpoint("/billing/balance"),
            raw,
        },
        supplementary: Vec::new(),
        notes: absent
            .iter()
            .map(|field| left_out("Runcrate", field))
            .collect(),
    })
}

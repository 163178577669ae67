//! Venice: `GET /billing/balance` → `{ canConsume, consumptionCurrency, balances: { usd, diem },
//! diemEpochAllocation }`, USD and DIEM.

use chrono::Utc;
use venice_client::types::{
    GetBillingBalanceResponse, GetBillingBalanceResponseConsumptionCurrency as Currency,
};

use super::decoding::Decoding;
use super::{common_message, left_out};
use crate::tolerant::Auxiliary;
use crate::transport::{Ctx, Fetched, VendorErrors};
use crate::{Amount, Balance, Error, Provenance, Provider, Unit};

/// Why Venice refuses a key on its billing endpoints.
pub(crate) const ADMIN_KEY_HINT: &str = "Venice's billing endpoints need an ADMIN API key";

/// Venice's error bodies: `{ "error": "..." }`.
pub(crate) const ERRORS: VendorErrors = VendorErrors {
    message: common_message,
    auth_hint: Some(ADMIN_KEY_HINT),
};

/// What the balance does without, each left out when Venice does not send it: the epoch's
/// DIEM allocation, whether the key can consume, and the consumption currency (already
/// `null` when Venice has none).
pub(crate) const AUXILIARY: &[Auxiliary] = &[
    Auxiliary {
        path: &["diemEpochAllocation"],
        placeholder: "0",
    },
    Auxiliary {
        path: &["canConsume"],
        placeholder: "false",
    },
    Auxiliary {
        path: &["consumptionCurrency"],
        placeholder: "null",
    },
];

super::adapter!(Venice, venice_client, "The Venice adapter.");

impl Venice {
    pub(crate) async fn balance(&self) -> Result<Balance, Error> {
        self.ctx
            .run("balance", |deadline| async move {
                let fetched = self
                    .ctx
                    .get(deadline, AUXILIARY, || {
                        self.client.get_billing_balance().send()
                    })
                    .await?;
                to_balance(&self.ctx, fetched)
            })
            .await
    }
}

/// A decoded `GET /billing/balance` body as a [`Balance`]: USD and DIEM exact (each only
/// when not null), or [`Error::Undecodable`] naming the field.
pub(crate) fn to_balance(
    decoding: &impl Decoding,
    fetched: Fetched<GetBillingBalanceResponse>,
) -> Result<Balance, Error> {
    let Fetched {
        value: body,
        status,
        raw,
        absent,
    } = fetched;
    let sent = |field: &str| !absent.iter().any(|a| a == field);
    let exact = |number: &venice_client::ExactNumber, field| {
        decoding.exact(status, field, number.as_str(), &raw)
    };
    let mut available = Vec::new();
    if let Some(usd) = &body.balances.usd {
        available.push(Amount::new(exact(usd, "balances.usd")?, Unit::Usd));
    }
    if let Some(diem) = &body.balances.diem {
        available.push(Amount::new(exact(diem, "balances.diem")?, Unit::Diem));
    }
    let allocation = if sent("diemEpochAllocation") {
        Some(Amount::new(
            exact(&body.diem_epoch_allocation, "diemEpochAllocation")?,
            Unit::Diem,
        ))
    } else {
        None
    };
    let consumption_currency = body.consumption_currency.as_ref().map(|c| match c {
        Currency::Known(known) => known.to_string(),
        Currency::Other(other) => other.to_string(),
    });
    let mut notes = vec![super::SPENDING_ORDER.to_string()];
    if available.is_empty() {
        notes.push("Venice reported no USD and no DIEM balance (both null)".to_string());
    }
    notes.extend(absent.iter().map(|field| left_out("Venice", field)));
    Ok(Balance {
        provider: Provider::Venice,
        available,
        accruing: None,
        granted: None,
        used: None,
        allocation,
        can_consume: sent("canConsume").then_some(body.can_consume),
        consumption_currency,
        plan: None,
        free_credits_used: None,
        fetched_at: Utc::now(),
        source: Provenance {
            endpoint: decoding.endpoint("/billing/balance"),
            raw,
        },
        supplementary: Vec::new(),
        notes,
    })
}

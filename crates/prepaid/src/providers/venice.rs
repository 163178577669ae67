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
/// `null` when Venice has none); and either one of the two amounts, read like the `null`
/// Venice sends for an amount it has none of. Without both amounts there is no balance:
/// [`to_balance`] refuses that.
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
    Auxiliary {
        path: &["balances", "usd"],
        placeholder: "null",
    },
    Auxiliary {
        path: &["balances", "diem"],
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
/// when not null; one not sent is read like null, with a note), or [`ErrorKind::Undecodable`]
/// naming the field, or saying that neither amount was sent.
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
    let (usd_sent, diem_sent) = (sent("balances.usd"), sent("balances.diem"));
    if !usd_sent && !diem_sent {
        return Err(decoding.undecodable_value(
            status,
            "balances: neither `usd` nor `diem` (Venice documents both, each a number or null)",
            &raw,
        ));
    }
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
        let why = if usd_sent && diem_sent {
            "both null"
        } else {
            "one null, the other not sent"
        };
        notes.push(format!(
            "Venice reported no USD and no DIEM balance ({why})"
        ));
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

//! ngrok AI Gateway: `GET /credits/balance` → `{ balanceCents }`, integer US cents.

use super::decoding::Decoding;
use super::{text, with_code};
use crate::transport::{Ctx, Fetched, VendorErrors};
use crate::{Amount, Balance, Error, Provenance, Provider};

/// ngrok's error bodies: `{ "statusCode", "msg", "errorCode", "details" }`.
pub(crate) const ERRORS: VendorErrors = VendorErrors {
    message: ngrok_message,
    auth_hint: None,
};

fn ngrok_message(body: &serde_json::Value) -> Option<String> {
    let message = with_code(text(body, "msg"), text(body, "errorCode"))?;
    let details: Vec<String> = body
        .get("details")
        .and_then(|d| d.as_object())
        .into_iter()
        .flatten()
        .map(|(k, v)| match v.as_str() {
            Some(s) => format!("{k}={s}"),
            None => format!("{k}={v}"),
        })
        .collect();
    Some(if details.is_empty() {
        message
    } else {
        format!("{message} [{}]", details.join(", "))
    })
}

super::adapter!(
    NgrokAiGateway,
    ngrok_ai_gateway_client,
    "The ngrok AI Gateway adapter."
);

impl NgrokAiGateway {
    pub(crate) async fn balance(&self) -> Result<Balance, Error> {
        self.ctx
            .run("balance", |deadline| async move {
                let fetched = self
                    .ctx
                    .get(deadline, &[], || self.client.get_credit_balance().send())
                    .await?;
                Ok(to_balance(&self.ctx, fetched))
            })
            .await
    }
}

/// A decoded `GET /credits/balance` body as a [`Balance`]: integer cents, exact dollars.
pub(crate) fn to_balance(
    decoding: &impl Decoding,
    fetched: Fetched<ngrok_ai_gateway_client::types::CreditBalance>,
) -> Balance {
    let cents = fetched.value.balance_cents;
    let source = Provenance {
        endpoint: decoding.endpoint("/credits/balance"),
        raw: fetched.raw,
    };
    Balance {
        can_consume: Some(cents > 0),
        notes: vec![super::EVENTUALLY_CONSISTENT.to_string()],
        ..Balance::new(
            Provider::NgrokAiGateway,
            vec![Amount::usd_cents(cents)],
            source,
        )
    }
}

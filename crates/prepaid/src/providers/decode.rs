//! Each vendor's balance body decoded without a request: the same steps a fetch takes after
//! the body arrives (the generated type read with `serde_json::from_slice`, as progenitor
//! does, then the adapter's own mapping to a [`Balance`]), for property tests and fuzzing.
//!
//! A fetch and these functions share the mapping (`to_balance` of each adapter) through
//! `Decoding`, so what holds for one holds for the other. Not part of the stable API.

use serde::de::DeserializeOwned;

use crate::transport::{Ctx, EXCERPT_CHARS, Fetched, MESSAGE_CHARS, cut};
use crate::{Balance, Error, Provider, RawBody};

/// What mapping a decoded body to a [`Balance`] needs: where the body came from, and how
/// to report a body that does not fit.
pub(crate) trait Decoding {
    /// `GET <base URL><path>`, as provenance.
    fn endpoint(&self, path: &str) -> String;

    /// An [`Error::Undecodable`] for `body` (bounded, and redacted where there is a key).
    fn undecodable(&self, status: Option<u16>, reason: &str, body: &[u8]) -> Error;

    /// An [`Error::Undecodable`] for a decoded body whose values do not fit the model (a
    /// missing balance, a number no decimal holds exactly); the excerpt is the body as the
    /// vendor sent it.
    fn undecodable_value(&self, status: u16, reason: &str, raw: &RawBody) -> Error {
        self.undecodable(Some(status), reason, raw.get().as_bytes())
    }

    /// The exact decimal of the number `text` at `field` of the body `raw`, or
    /// [`Error::Undecodable`] naming the field.
    fn exact(
        &self,
        status: u16,
        field: &str,
        text: &str,
        raw: &RawBody,
    ) -> Result<rust_decimal::Decimal, Error> {
        crate::money::parse_exact(text)
            .map_err(|e| self.undecodable_value(status, &format!("{field}: {e}"), raw))
    }

    /// `body` as the generated type `T`, exactly as progenitor reads a 2xx body; a body
    /// that does not parse is [`Error::Undecodable`] with the serde error as its reason.
    fn parse<T: DeserializeOwned>(&self, status: u16, body: &[u8]) -> Result<Fetched<T>, Error> {
        serde_json::from_slice(body)
            .map(|value| Fetched {
                value,
                status,
                raw: RawBody::decoded(body.to_vec()),
            })
            .map_err(|e| self.undecodable(Some(status), &e.to_string(), body))
    }
}

impl Decoding for Ctx {
    fn endpoint(&self, path: &str) -> String {
        Ctx::endpoint(self, path)
    }

    fn undecodable(&self, status: Option<u16>, reason: &str, body: &[u8]) -> Error {
        Ctx::undecodable(self, status, reason, body)
    }
}

/// A body with no request behind it: provenance names the vendor's documented base URL,
/// and there is no key to redact (excerpts and reasons are bounded as in a fetch).
struct Detached(Provider);

impl Decoding for Detached {
    fn endpoint(&self, path: &str) -> String {
        format!("GET {}{path}", self.0.default_base_url())
    }

    fn undecodable(&self, status: Option<u16>, reason: &str, body: &[u8]) -> Error {
        Error::Undecodable {
            provider: self.0,
            status,
            reason: cut(reason, MESSAGE_CHARS),
            excerpt: cut(&String::from_utf8_lossy(body), EXCERPT_CHARS),
        }
    }
}

/// The status a balance body is decoded with: the only one the vendors document.
const OK: u16 = 200;

/// A Runcrate `GET /billing/balance` 200 body as a [`Balance`], or [`Error::Undecodable`].
pub fn runcrate(body: &[u8]) -> Result<Balance, Error> {
    let decoding = Detached(Provider::Runcrate);
    super::runcrate::to_balance(&decoding, decoding.parse(OK, body)?)
}

/// An ngrok AI Gateway `GET /credits/balance` 200 body as a [`Balance`], or
/// [`Error::Undecodable`].
pub fn ngrok_ai_gateway(body: &[u8]) -> Result<Balance, Error> {
    let decoding = Detached(Provider::NgrokAiGateway);
    Ok(super::ngrok_ai_gateway::to_balance(
        &decoding,
        decoding.parse(OK, body)?,
    ))
}

/// A runtools `GET /v1/billing/credits` 200 body as a [`Balance`], or
/// [`Error::Undecodable`]. `plan` is the `GET /v1/billing/plan` 200 body that goes with
/// it, if any: as in a fetch, a plan that does not decode only adds a note.
pub fn runtools(credits: &[u8], plan: Option<&[u8]>) -> Result<Balance, Error> {
    let decoding = Detached(Provider::Runtools);
    let credits = decoding.parse(OK, credits)?;
    let plan = plan.map(|plan| decoding.parse(OK, plan));
    super::runtools::to_balance(&decoding, credits, plan)
}

/// A Venice `GET /billing/balance` 200 body as a [`Balance`], or [`Error::Undecodable`].
pub fn venice(body: &[u8]) -> Result<Balance, Error> {
    let decoding = Detached(Provider::Venice);
    super::venice::to_balance(&decoding, decoding.parse(OK, body)?)
}

/// The balance body of `provider` as a [`Balance`] (runtools without its plan).
pub fn balance(provider: Provider, body: &[u8]) -> Result<Balance, Error> {
    match provider {
        Provider::Runcrate => runcrate(body),
        Provider::NgrokAiGateway => ngrok_ai_gateway(body),
        Provider::Runtools => runtools(body, None),
        Provider::Venice => venice(body),
    }
}

//! Each vendor's balance body decoded without a request: the same steps a fetch takes after
//! the body arrives (the generated type read with `serde_json::from_slice`, as progenitor
//! does, then the adapter's own mapping to a [`Balance`]), for property tests and fuzzing.
//!
//! A fetch and these functions share the mapping (`to_balance` of each adapter) through
//! `Decoding`, so what holds for one holds for the other. Not part of the stable API.

use super::decoding::Decoding;
use crate::transport::{EXCERPT_CHARS, MESSAGE_CHARS, cut};
use crate::{Balance, Error, Provider};

/// A body with no request behind it: provenance names the vendor's documented base URL,
/// and there is no key to redact (excerpts and reasons are bounded as in a fetch).
struct Detached(Provider);

impl Decoding for Detached {
    fn endpoint(&self, path: &str) -> String {
        format!(
            "GET {}{path}",
            self.0.default_base_url().unwrap_or_default()
        )
    }

    fn undecodable(&self, status: Option<u16>, reason: &str, body: &[u8]) -> Error {
        Error::undecodable(
            self.0,
            status,
            cut(reason, MESSAGE_CHARS),
            cut(&String::from_utf8_lossy(body), EXCERPT_CHARS),
        )
    }
}

/// The status a balance body is decoded with: the only one the vendors document.
const OK: u16 = 200;

#[cfg(feature = "runcrate")]
/// A Runcrate `GET /billing/balance` 200 body as a [`Balance`], or an
/// [`ErrorKind::Undecodable`](crate::ErrorKind::Undecodable) error.
pub fn runcrate(body: &[u8]) -> Result<Balance, Error> {
    let decoding = Detached(Provider::Runcrate);
    let fetched = decoding.parse(OK, body, super::runcrate::AUXILIARY)?;
    super::runcrate::to_balance(&decoding, fetched)
}

#[cfg(feature = "ngrok-ai-gateway")]
/// An ngrok AI Gateway `GET /credits/balance` 200 body as a [`Balance`], or
/// [`ErrorKind::Undecodable`](crate::ErrorKind::Undecodable).
pub fn ngrok_ai_gateway(body: &[u8]) -> Result<Balance, Error> {
    let decoding = Detached(Provider::NgrokAiGateway);
    Ok(super::ngrok_ai_gateway::to_balance(
        &decoding,
        decoding.parse(OK, body, &[])?,
    ))
}

#[cfg(feature = "runtools")]
/// A runtools `GET /v1/billing/credits` 200 body as a [`Balance`], or
/// [`ErrorKind::Undecodable`](crate::ErrorKind::Undecodable). `plan` is the
/// `GET /v1/billing/plan` 200 body that goes with it, if any: as in a fetch, a plan that does
/// not decode only adds a note.
pub fn runtools(credits: &[u8], plan: Option<&[u8]>) -> Result<Balance, Error> {
    let decoding = Detached(Provider::Runtools);
    let credits = decoding.parse(OK, credits, &[])?;
    let plan = plan.map(|plan| decoding.parse(OK, plan, &[]));
    super::runtools::to_balance(&decoding, credits, plan)
}

#[cfg(feature = "venice")]
/// A Venice `GET /billing/balance` 200 body as a [`Balance`], or an
/// [`ErrorKind::Undecodable`](crate::ErrorKind::Undecodable) error.
pub fn venice(body: &[u8]) -> Result<Balance, Error> {
    let decoding = Detached(Provider::Venice);
    let fetched = decoding.parse(OK, body, super::venice::AUXILIARY)?;
    super::venice::to_balance(&decoding, fetched)
}

/// The balance body of `provider` as a [`Balance`] (runtools without its plan), or
/// [`ErrorKind::NotConfigured`](crate::ErrorKind::NotConfigured) for a vendor this build does
/// not include.
pub fn balance(provider: Provider, body: &[u8]) -> Result<Balance, Error> {
    match provider {
        #[cfg(feature = "runcrate")]
        Provider::Runcrate => runcrate(body),
        #[cfg(feature = "ngrok-ai-gateway")]
        Provider::NgrokAiGateway => ngrok_ai_gateway(body),
        #[cfg(feature = "runtools")]
        Provider::Runtools => runtools(body, None),
        #[cfg(feature = "venice")]
        Provider::Venice => venice(body),
        #[allow(unreachable_patterns)]
        _ => Err(Error::new(crate::ErrorKind::NotConfigured, provider)
            .with_detail(format!("enable the cargo feature `{}`", provider.feature()))),
    }
}

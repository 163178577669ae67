//! What every adapter's mapping from a decoded body to a [`Balance`](crate::Balance) needs, whether the
//! body came from a fetch ([`Ctx`]) or from [`super::decode`]: the adapters depend on this,
//! and `decode` on the adapters, never the other way round.

use serde::de::DeserializeOwned;

use crate::tolerant::Auxiliary;
use crate::transport::{Ctx, Fetched, NOT_UTF8};
use crate::{Error, RawBody};

/// What mapping a decoded body to a [`Balance`](crate::Balance) needs: where the body came from, and how
/// to report a body that does not fit.
pub(crate) trait Decoding {
    /// `GET <base URL><path>`, as provenance.
    fn endpoint(&self, path: &str) -> String;

    /// An [`ErrorKind::Undecodable`] for `body` (bounded, and redacted where there is a key).
    fn undecodable(&self, status: Option<u16>, reason: &str, body: &[u8]) -> Error;

    /// An [`ErrorKind::Undecodable`] for a decoded body whose values do not fit the model (a
    /// missing balance, a number no decimal holds exactly); the excerpt is the body as the
    /// vendor sent it.
    #[cfg_attr(
        not(any(feature = "runcrate", feature = "runtools", feature = "venice")),
        allow(
            dead_code,
            reason = "ngrok's amounts are whole cents: nothing to refuse"
        )
    )]
    fn undecodable_value(&self, status: u16, reason: &str, raw: &RawBody) -> Error {
        self.undecodable(Some(status), reason, raw.get().as_bytes())
    }

    /// The exact decimal of the number `text` at `field` of the body `raw`, or
    /// [`ErrorKind::Undecodable`] naming the field.
    #[cfg_attr(
        not(any(feature = "runcrate", feature = "venice")),
        allow(dead_code, reason = "only Runcrate and Venice send decimal amounts")
    )]
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

    /// `body` as the generated type `T`, exactly as progenitor reads a 2xx body, or, if only
    /// `auxiliary` fields are missing, with those left out (as a fetch does); a body that
    /// does not parse is [`ErrorKind::Undecodable`] with the serde error as its reason.
    fn parse<T: DeserializeOwned>(
        &self,
        status: u16,
        body: &[u8],
        auxiliary: &[Auxiliary],
    ) -> Result<Fetched<T>, Error> {
        let (value, absent) = match serde_json::from_slice(body) {
            Ok(value) => (value, Vec::new()),
            Err(e) => crate::tolerant::read(body, auxiliary)
                .ok_or_else(|| self.undecodable(Some(status), &e.to_string(), body))?,
        };
        let raw = RawBody::decoded(body.to_vec())
            .map_err(|bytes| self.undecodable(Some(status), NOT_UTF8, &bytes))?;
        Ok(Fetched {
            value,
            status,
            raw,
            absent,
        })
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

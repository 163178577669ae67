//! The common balance model every vendor is mapped to.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// [`Provider`] and its methods, from [`vendors!`](crate::vendors::vendors)' entries.
macro_rules! provider {
    ($(
        $(#[doc = $doc:literal])*
        $variant:ident {
            name: $name:literal,
            env: $env:literal,
            client: $client:ident,
            adapter: $module:ident :: $adapter:ident,
            auth: $auth:ident,
            units: $units:expr,
            caveat: $caveat:expr,
        }
    )*) => {
        /// A vendor whose prepaid balance this crate reads.
        #[non_exhaustive]
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
        pub enum Provider {
            $($(#[doc = $doc])* #[serde(rename = $name)] $variant,)*
        }

        impl Provider {
            /// Every provider, in the order results are reported.
            pub const ALL: &'static [Provider] = &[$(Provider::$variant),*];

            /// The provider's name as serialized (`runcrate`, `ngrok-ai-gateway`, ...).
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Provider::$variant => $name,)*
                }
            }

            /// The prefix of the provider's environment variables (`VENICE` in
            /// `VENICE_API_KEY` and `VENICE_BASE_URL`).
            pub fn env_prefix(self) -> &'static str {
                match self {
                    $(Provider::$variant => $env,)*
                }
            }

            /// What always holds for the vendor's balances, which every balance it returns
            /// carries among its [`notes`](Balance::notes): ngrok AI Gateway's is eventually
            /// consistent with usage; Venice spends DIEM first. A table can show it once
            /// rather than on every row.
            pub fn caveat(self) -> Option<&'static str> {
                match self {
                    $(Provider::$variant => $caveat,)*
                }
            }

            /// The units the vendor reports balances in (whatever the build): a threshold in
            /// any other unit would never apply to it.
            pub fn units(self) -> &'static [Unit] {
                match self {
                    $(Provider::$variant => $units,)*
                }
            }

            /// The vendor's documented base URL, from its generated client's `servers`
            /// module, or `None` if the vendor's client is not compiled in.
            pub fn default_base_url(self) -> Option<&'static str> {
                match self {
                    $(
                        #[cfg(feature = $name)]
                        Provider::$variant => Some($client::servers::DEFAULT_BASE_URL),
                    )*
                    #[allow(unreachable_patterns)]
                    _ => None,
                }
            }
        }
    };
}
crate::vendors::vendors!(provider);

impl Provider {
    /// The cargo feature of this crate that compiles the vendor's client (the same as
    /// [`Provider::as_str`]).
    pub fn feature(self) -> &'static str {
        self.as_str()
    }

    /// Whether this build can read the vendor's balance (its feature was on). Every vendor
    /// is a `Provider` whatever the crate was built with: names, environment prefixes and
    /// parsing do not depend on features.
    pub fn is_compiled_in(self) -> bool {
        self.default_base_url().is_some()
    }
}

impl fmt::Display for Provider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A name that is not one of [`Provider::ALL`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown provider `{0}` (expected {names})", names = expected())]
pub struct UnknownProvider(pub String);

/// `a, b or c`: every provider's name.
fn expected() -> String {
    let names: Vec<&str> = Provider::ALL.iter().map(|p| p.as_str()).collect();
    match names.split_last() {
        Some((last, [])) => last.to_string(),
        Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
        None => String::new(),
    }
}

impl FromStr for Provider {
    type Err = UnknownProvider;

    /// Parses the serialized name (`ngrok-ai-gateway`), case-insensitively.
    fn from_str(s: &str) -> Result<Self, UnknownProvider> {
        Provider::ALL
            .iter()
            .copied()
            .find(|p| p.as_str().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| UnknownProvider(s.chars().take(64).collect()))
    }
}

/// What an amount is counted in. Serialized as a plain string: `"USD"`, `"DIEM"`, or the
/// other unit's own text.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Unit {
    /// US dollars: every vendor's prepaid credit (Runcrate and Venice in dollars, ngrok AI
    /// Gateway and runtools converted exactly from cents).
    Usd,
    /// Venice's DIEM: the daily allocation from staked DIEM tokens (1 DIEM = $1/day).
    Diem,
    /// Any other unit, kept as the text it was given (never `USD` or `DIEM`).
    Other(String),
}

impl Unit {
    /// The unit's text: `USD`, `DIEM`, or the other unit's own text.
    pub fn as_str(&self) -> &str {
        match self {
            Unit::Usd => "USD",
            Unit::Diem => "DIEM",
            Unit::Other(other) => other,
        }
    }
}

impl fmt::Display for Unit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl From<&str> for Unit {
    /// `USD` and `DIEM` (exactly) are the known units; any other text is [`Unit::Other`].
    fn from(text: &str) -> Self {
        match text {
            "USD" => Unit::Usd,
            "DIEM" => Unit::Diem,
            other => Unit::Other(other.to_string()),
        }
    }
}

impl FromStr for Unit {
    type Err = std::convert::Infallible;

    /// Never fails: see [`Unit::from`].
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(Unit::from(s))
    }
}

impl Serialize for Unit {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Unit {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Ok(Unit::from(text.as_str()))
    }
}

#[cfg(feature = "schemars")]
impl schemars::JsonSchema for Unit {
    fn schema_name() -> String {
        "Unit".to_string()
    }

    fn json_schema(_: &mut schemars::r#gen::SchemaGenerator) -> schemars::schema::Schema {
        schemars::schema::SchemaObject {
            instance_type: Some(schemars::schema::InstanceType::String.into()),
            metadata: Some(Box::new(schemars::schema::Metadata {
                description: Some(
                    "What an amount is counted in: \"USD\", \"DIEM\", or another unit's own text."
                        .to_string(),
                ),
                examples: vec!["USD".into(), "DIEM".into()],
                ..Default::default()
            })),
            ..Default::default()
        }
        .into()
    }
}

/// An exact amount of money (or DIEM).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[non_exhaustive]
pub struct Amount {
    /// The exact decimal value, serialized as a JSON string (`"12.34"`) so no JSON reader
    /// rounds it through a float. Negative values are kept: a negative balance is debt.
    #[serde(with = "decimal_string")]
    #[cfg_attr(feature = "schemars", schemars(schema_with = "decimal_string::schema"))]
    pub value: Decimal,
    /// What `value` is counted in.
    pub unit: Unit,
}

impl Amount {
    /// `value` in `unit`.
    pub fn new(value: Decimal, unit: Unit) -> Self {
        Self { value, unit }
    }

    /// `value` US dollars.
    pub fn usd(value: Decimal) -> Self {
        Self::new(value, Unit::Usd)
    }

    /// `cents` US cents as exact dollars: 1234 cents is exactly 12.34 USD.
    pub fn usd_cents(cents: i64) -> Self {
        Self::usd(crate::money::from_cents(cents))
    }
}

impl fmt::Display for Amount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.value, self.unit)
    }
}

/// Where a balance came from: the call made and the vendor's body.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[non_exhaustive]
pub struct Provenance {
    /// The method and full URL called, e.g. `GET https://runcrate.ai/api/v1/billing/balance`.
    pub endpoint: String,
    /// The vendor's JSON body exactly as it was sent, numbers in their own text and fields
    /// its spec does not declare included: everything the model does not cover.
    #[cfg_attr(
        feature = "schemars",
        schemars(with = "Box<serde_json::value::RawValue>")
    )]
    pub raw: RawBody,
}

impl Provenance {
    /// The call `endpoint` (`GET https://...`) and the body `raw` it answered.
    pub fn new(endpoint: impl Into<String>, raw: RawBody) -> Self {
        Self {
            endpoint: endpoint.into(),
            raw,
        }
    }
}

/// A vendor's JSON body as the text it was sent in (see [`Provenance::raw`]): kept, not
/// parsed, so it costs its length and no more (a fleet keeps one per account). It
/// serializes as the JSON it holds; `serde_json::from_str(raw.get())` reads it.
///
/// ```
/// let raw = prepaid::RawBody::new(r#"{"balanceCents": 1234}"#.to_string())?;
/// assert_eq!(serde_json::to_string(&raw)?, r#"{"balanceCents": 1234}"#);
/// assert!(prepaid::RawBody::new("{".to_string()).is_err());
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RawBody(Box<str>);

impl RawBody {
    /// `text`, if it is one JSON value.
    pub fn new(text: String) -> Result<Self, serde_json::Error> {
        serde_json::value::RawValue::from_string(text).map(Self::from)
    }

    /// The JSON text.
    pub fn get(&self) -> &str {
        &self.0
    }

    /// A body a generated client has just decoded from exactly these bytes, which checked
    /// them as JSON (all but the text of strings it skipped, hence the UTF-8 check here).
    /// Bytes that are not UTF-8 are not JSON text: they come back, for the error.
    pub(crate) fn decoded(body: Vec<u8>) -> Result<Self, Vec<u8>> {
        String::from_utf8(body)
            .map(|text| Self(text.into_boxed_str()))
            .map_err(|e| e.into_bytes())
    }
}

impl From<Box<serde_json::value::RawValue>> for RawBody {
    fn from(raw: Box<serde_json::value::RawValue>) -> Self {
        Self(raw.into())
    }
}

impl fmt::Display for RawBody {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Serialize for RawBody {
    /// The JSON it holds, as it is (checked here, where it is needed, not when kept).
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let raw: &serde_json::value::RawValue =
            serde_json::from_str(&self.0).map_err(serde::ser::Error::custom)?;
        raw.serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for RawBody {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        <Box<serde_json::value::RawValue>>::deserialize(deserializer).map(Self::from)
    }
}

/// One vendor's prepaid balance, in one model for every vendor. Fields may be added in a
/// minor release: build one with [`Balance::new`] and set what the vendor reports.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[cfg_attr(
    feature = "schemars",
    schemars(description = "One vendor's prepaid balance, in one model for every vendor.")
)]
pub struct Balance {
    /// The vendor this balance is from.
    pub provider: Provider,
    /// What can be spent now, one amount per unit. Runcrate: `creditsBalance` (USD).
    /// ngrok AI Gateway: `balanceCents` (USD, exact from cents). runtools: `/v1/billing/credits`
    /// `balanceCents` (USD, exact from cents). Venice: `balances.usd` (USD) and
    /// `balances.diem` (DIEM), each only when not null, USD first; empty only when Venice
    /// reports both as null (a note says so). Never clamped: a negative amount is debt.
    pub available: Vec<Amount>,
    /// Cost accruing but not yet deducted. Runcrate: `activeUsageCost` (USD, running
    /// instances and active jobs). Other vendors: none.
    pub accruing: Option<Amount>,
    /// All credits ever granted. runtools: `totalGrantedCents` (USD). Other vendors: none.
    pub granted: Option<Amount>,
    /// All credits ever used. runtools: `totalUsedCents` (USD). Other vendors: none.
    pub used: Option<Amount>,
    /// Venice: `diemEpochAllocation`, the DIEM allocated for the current epoch (compare with
    /// the DIEM in `available` for the share used). Other vendors: none.
    pub allocation: Option<Amount>,
    /// Whether the account can make paid requests now. Venice: its own `canConsume` (which
    /// ignores bundled credits). Runcrate, ngrok AI Gateway and runtools, whose single USD
    /// balance decides it: derived as `available USD > 0` (Runcrate's accruing cost is not
    /// subtracted).
    pub can_consume: Option<bool>,
    /// Venice: `consumptionCurrency`, the currency spent next (`DIEM`, `USD`, `VCU`,
    /// `BUNDLED_CREDITS`, or any new value as its text); none when Venice sends null.
    /// Other vendors: none.
    pub consumption_currency: Option<String>,
    /// runtools: the plan name from `/v1/billing/plan` (e.g. `free`); none if that call
    /// failed (a note says why). Other vendors: none.
    pub plan: Option<String>,
    /// runtools: `freeCreditsUsed`, whether the organization has used its free credits.
    /// Other vendors: none.
    pub free_credits_used: Option<bool>,
    /// When the balance was read (RFC 3339, UTC).
    pub fetched_at: DateTime<Utc>,
    /// The call the balance was read from and its body.
    pub source: Provenance,
    /// Further calls that filled fields. runtools: `/v1/billing/plan` (for `plan`), when it
    /// succeeded. Other vendors: none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub supplementary: Vec<Provenance>,
    /// Vendor caveats worth showing next to the numbers. ngrok AI Gateway: the balance is
    /// eventually consistent with usage events. Venice: it spends DIEM, then bundled
    /// credits, then USD, and `canConsume` ignores bundled credits. runtools: why the plan
    /// is missing, if it is.
    pub notes: Vec<String>,
}

impl Balance {
    /// `provider`'s balance of `available`, read now from `source`, with nothing else
    /// reported (no accruing cost, totals, plan or notes).
    ///
    /// ```
    /// use prepaid::{Amount, Balance, Provenance, Provider, RawBody};
    /// use rust_decimal::Decimal;
    ///
    /// let source = Provenance::new(
    ///     "GET https://api.ngrok.ai/credits/balance",
    ///     RawBody::new(r#"{"balanceCents":1234}"#.to_string())?,
    /// );
    /// let mut balance = Balance::new(Provider::NgrokAiGateway, vec![Amount::usd(Decimal::new(1234, 2))], source);
    /// balance.can_consume = Some(true);
    /// assert_eq!(balance.available_in(&prepaid::Unit::Usd).map(|a| a.value.to_string()).as_deref(), Some("12.34"));
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    pub fn new(provider: Provider, available: Vec<Amount>, source: Provenance) -> Self {
        Self {
            provider,
            available,
            accruing: None,
            granted: None,
            used: None,
            allocation: None,
            can_consume: None,
            consumption_currency: None,
            plan: None,
            free_credits_used: None,
            fetched_at: Utc::now(),
            source,
            supplementary: Vec::new(),
            notes: Vec::new(),
        }
    }

    /// The available amount in `unit`, if the vendor reported one.
    pub fn available_in(&self, unit: &Unit) -> Option<&Amount> {
        self.available.iter().find(|a| &a.unit == unit)
    }
}

/// Serde for a [`Decimal`] as a JSON string of its exact text.
mod decimal_string {
    use rust_decimal::Decimal;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(value: &Decimal, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(value)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Decimal, D::Error> {
        let text = String::deserialize(deserializer)?;
        crate::money::parse_exact(&text).map_err(serde::de::Error::custom)
    }

    #[cfg(feature = "schemars")]
    pub fn schema(_: &mut schemars::r#gen::SchemaGenerator) -> schemars::schema::Schema {
        schemars::schema::SchemaObject {
            instance_type: Some(schemars::schema::InstanceType::String.into()),
            format: Some("decimal".to_string()),
            metadata: Some(Box::new(schemars::schema::Metadata {
                description: Some(
                    "An exact decimal number as a string, e.g. \"12.34\" or \"-0.5\".".to_string(),
                ),
                examples: vec!["12.34".into()],
                ..Default::default()
            })),
            string: Some(Box::new(schemars::schema::StringValidation {
                pattern: Some(r"^-?(0|[1-9][0-9]*)(\.[0-9]+)?$".to_string()),
                ..Default::default()
            })),
            ..Default::default()
        }
        .into()
    }
}

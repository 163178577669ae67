//! `ExactNumber`: a JSON number kept as its text.

use serde::Deserialize as _;
use serde::de::{Error as _, Unexpected};
use serde_json::value::RawValue;

/// A JSON number exactly as the vendor wrote it (`type: number` in the spec). Parse
/// [`ExactNumber::as_str`] into a decimal type for money; [`ExactNumber::to_f64`] is there
/// for everything else.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ExactNumber(String);

/// Text that is not a JSON number.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NotANumber;

impl std::fmt::Display for NotANumber {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("not a JSON number")
    }
}

impl std::error::Error for NotANumber {}

impl ExactNumber {
    /// The number's JSON text, e.g. `90.5` or `1e-7`.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The nearest `f64` (lossy: not for money).
    pub fn to_f64(&self) -> Option<f64> {
        self.0.parse().ok()
    }

    /// `raw`, checked JSON with no space around it, if it is a number.
    fn from_raw(raw: Box<RawValue>) -> Result<Self, Box<RawValue>> {
        if is_number(raw.get()) {
            Ok(Self(String::from(Box::<str>::from(raw))))
        } else {
            Err(raw)
        }
    }
}

/// Whether `raw`, the text of one JSON value (checked, with no space around it), is a
/// number: the one kind of value that starts with `-` or a digit. Its size does not matter:
/// `1e400` is a number, however few types can hold it.
fn is_number(raw: &str) -> bool {
    raw.starts_with(|c: char| c == '-' || c.is_ascii_digit())
}

impl std::str::FromStr for ExactNumber {
    type Err = NotANumber;

    fn from_str(text: &str) -> Result<Self, NotANumber> {
        let raw = serde_json::from_str::<Box<RawValue>>(text).map_err(|_| NotANumber)?;
        Self::from_raw(raw).map_err(|_| NotANumber)
    }
}

impl std::fmt::Display for ExactNumber {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// serde_json's name for a raw value: asked for a newtype struct of this name, it hands the
/// value's text over as a one-entry map under this key.
const RAW_VALUE_TOKEN: &str = "$serde_json::private::RawValue";

/// Reads an [`ExactNumber`]: from serde_json, the number's own text; from a deserializer
/// that has buffered the value already (serde's untagged enums, which typify makes of a
/// `oneOf`), an integer exactly and anything else as an error, never a rounded `f64`.
struct ExactVisitor;

impl<'de> serde::de::Visitor<'de> for ExactVisitor {
    type Value = ExactNumber;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a JSON number")
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<ExactNumber, A::Error> {
        match map.next_key::<String>()? {
            Some(key) if key == RAW_VALUE_TOKEN => {}
            _ => return Err(A::Error::invalid_type(Unexpected::Map, &self)),
        }
        let raw: Box<RawValue> = map.next_value_seed(RawText)?;
        ExactNumber::from_raw(raw)
            .map_err(|raw| A::Error::invalid_type(Unexpected::Other(raw.get()), &self))
    }

    fn visit_newtype_struct<D: serde::Deserializer<'de>>(
        self,
        deserializer: D,
    ) -> Result<ExactNumber, D::Error> {
        deserializer.deserialize_any(self)
    }

    fn visit_u64<E: serde::de::Error>(self, value: u64) -> Result<ExactNumber, E> {
        Ok(ExactNumber(value.to_string()))
    }

    fn visit_i64<E: serde::de::Error>(self, value: i64) -> Result<ExactNumber, E> {
        Ok(ExactNumber(value.to_string()))
    }

    fn visit_f64<E: serde::de::Error>(self, _: f64) -> Result<ExactNumber, E> {
        Err(E::custom(
            "a fractional number inside an untagged union (a `oneOf`) cannot be read exactly: \
             serde has already turned its text into an f64",
        ))
    }
}

/// The raw text serde_json hands over in [`ExactVisitor::visit_map`], as a `RawValue`.
struct RawText;

impl<'de> serde::de::DeserializeSeed<'de> for RawText {
    type Value = Box<RawValue>;

    fn deserialize<D: serde::Deserializer<'de>>(
        self,
        deserializer: D,
    ) -> Result<Self::Value, D::Error> {
        let text = String::deserialize(deserializer)?;
        RawValue::from_string(text).map_err(D::Error::custom)
    }
}

impl<'de> serde::Deserialize<'de> for ExactNumber {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_newtype_struct(RAW_VALUE_TOKEN, ExactVisitor)
    }
}

impl serde::Serialize for ExactNumber {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match RawValue::from_string(self.0.clone()) {
            Ok(raw) => raw.serialize(serializer),
            Err(e) => Err(<S::Error as serde::ser::Error>::custom(e)),
        }
    }
}

impl schemars::JsonSchema for ExactNumber {
    fn schema_name() -> String {
        "ExactNumber".to_string()
    }

    fn json_schema(generator: &mut schemars::r#gen::SchemaGenerator) -> schemars::schema::Schema {
        <f64 as schemars::JsonSchema>::json_schema(generator)
    }
}

#[cfg(test)]
mod tests {
    use super::ExactNumber;

    #[test]
    fn exact_numbers_keep_their_text_and_refuse_other_values() {
        for (json, text) in [
            ("1e400", "1e400"),
            (" -0.10 ", "-0.10"),
            ("25", "25"),
            ("12.345678901234567890", "12.345678901234567890"),
        ] {
            let number: Result<ExactNumber, _> = serde_json::from_str(json);
            assert_eq!(number.map(|n| n.to_string()).ok().as_deref(), Some(text));
            let parsed = json.parse::<ExactNumber>().map(|n| n.as_str().to_string());
            assert_eq!(parsed.ok().as_deref(), Some(text));
        }
        for not_a_number in [r#""12""#, "true", "null", "[1]", "{}", "-", "12abc", ""] {
            assert!(
                serde_json::from_str::<ExactNumber>(not_a_number).is_err(),
                "{not_a_number}"
            );
            assert!(
                not_a_number.parse::<ExactNumber>().is_err(),
                "{not_a_number}"
            );
        }
    }

    #[test]
    fn inside_an_untagged_union_integers_are_exact_and_fractions_refused_not_rounded() {
        #[derive(serde::Deserialize, Debug)]
        #[serde(untagged)]
        enum Union {
            Amount { amount: ExactNumber },
        }
        let whole: Result<Union, _> = serde_json::from_str(r#"{"amount":123456789012345678}"#);
        assert!(
            matches!(&whole, Ok(Union::Amount { amount }) if amount.as_str() == "123456789012345678"),
            "{whole:?}"
        );
        let fraction: Result<Union, _> =
            serde_json::from_str(r#"{"amount":12.345678901234567890}"#);
        assert!(fraction.is_err(), "{fraction:?}");
    }

    #[test]
    fn exact_numbers_serialize_as_their_text() {
        let number: Result<ExactNumber, _> = "0.100000000000000000001".parse();
        let json = number.map(|n| serde_json::to_string(&n).ok());
        assert_eq!(json, Ok(Some("0.100000000000000000001".to_string())));
    }
}

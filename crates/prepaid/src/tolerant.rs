//! Reading a balance tolerantly: a vendor that stops sending a documented field the balance
//! does not need costs that field only, not the balance. The generated types are strict (a
//! required field must be there), so a body without such a field is read again with a
//! placeholder in its place, and the field is reported absent for the adapter to leave out
//! and say so. Numbers keep their text throughout: the body is taken apart as raw JSON
//! values, never through `f64`.

use serde::de::{DeserializeOwned, MapAccess, Visitor};
use serde_json::value::RawValue;

/// A documented field the balance does not need.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Auxiliary {
    /// The keys from the top of the body to the field (`["data", "activeUsageCost"]`).
    pub(crate) path: &'static [&'static str],
    /// JSON the generated type accepts in its place; never read as the vendor's value.
    pub(crate) placeholder: &'static str,
}

impl Auxiliary {
    /// The field as the vendor's documentation names it: `data.activeUsageCost`.
    pub(crate) fn name(&self) -> String {
        self.path.join(".")
    }
}

/// `body` read as `T` with each absent field of `auxiliary` filled by its placeholder, and
/// the names of the fields that were absent. `None` if no such field was absent or the body
/// still does not read: then the strict reading's error stands.
pub(crate) fn read<T: DeserializeOwned>(
    body: &[u8],
    auxiliary: &[Auxiliary],
) -> Option<(T, Vec<String>)> {
    let mut text = std::str::from_utf8(body).ok()?.to_string();
    let mut absent = Vec::new();
    for field in auxiliary {
        if let Some((filled, true)) = fill(&text, field.path, field.placeholder) {
            absent.push(field.name());
            text = filled;
        }
    }
    if absent.is_empty() {
        return None;
    }
    serde_json::from_str(&text)
        .ok()
        .map(|value| (value, absent))
}

/// `text` (a JSON object) with `placeholder` at `path` if nothing is there, and whether it
/// was absent. `None` if the objects on the way are not there: the body's own shape is
/// wrong, which a placeholder must not hide.
fn fill(text: &str, path: &[&str], placeholder: &str) -> Option<(String, bool)> {
    let (key, rest) = path.split_first()?;
    let Object(mut entries) = serde_json::from_str(text).ok()?;
    let found = entries.iter().position(|(k, _)| k == key);
    let was_absent = match (found, rest.is_empty()) {
        (Some(_), true) => false,
        (None, true) => {
            let value = RawValue::from_string(placeholder.to_string()).ok()?;
            entries.push(((*key).to_string(), value));
            true
        }
        (Some(at), false) => {
            let (filled, was_absent) = fill(entries[at].1.get(), rest, placeholder)?;
            entries[at].1 = RawValue::from_string(filled).ok()?;
            was_absent
        }
        (None, false) => return None,
    };
    let mut out = String::from("{");
    for (i, (k, v)) in entries.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(&serde_json::to_string(k).ok()?);
        out.push(':');
        out.push_str(v.get());
    }
    out.push('}');
    Some((out, was_absent))
}

/// A JSON object's entries in order, each value as its raw text; a key given twice is
/// refused, as the generated types refuse it.
struct Object(Vec<(String, Box<RawValue>)>);

impl<'de> serde::Deserialize<'de> for Object {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Entries;

        impl<'de> Visitor<'de> for Entries {
            type Value = Object;

            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a JSON object")
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Object, A::Error> {
                let mut entries: Vec<(String, Box<RawValue>)> = Vec::new();
                while let Some((key, value)) = map.next_entry::<String, Box<RawValue>>()? {
                    if entries.iter().any(|(k, _)| *k == key) {
                        return Err(serde::de::Error::custom(format!("duplicate field `{key}`")));
                    }
                    entries.push((key, value));
                }
                Ok(Object(entries))
            }
        }

        deserializer.deserialize_map(Entries)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize, Debug)]
    struct Body {
        data: Data,
    }

    #[derive(serde::Deserialize, Debug)]
    #[allow(dead_code, reason = "read to check it reads")]
    struct Data {
        amount: Box<RawValue>,
        cost: Box<RawValue>,
    }

    const COST: Auxiliary = Auxiliary {
        path: &["data", "cost"],
        placeholder: "0",
    };

    #[test]
    fn an_absent_auxiliary_field_is_filled_and_named_and_numbers_keep_their_text() {
        let body = br#"{"data":{"amount":12.345678901234567890123}}"#;
        let read = read::<Body>(body, &[COST]);
        let amount = read.as_ref().map(|(value, _)| value.data.amount.get());
        assert_eq!(amount, Some("12.345678901234567890123"));
        assert_eq!(
            read.map(|(_, absent)| absent),
            Some(vec!["data.cost".to_string()])
        );
    }

    #[test]
    fn nothing_absent_or_the_shape_itself_missing_leaves_the_strict_error() {
        let complete = br#"{"data":{"amount":1,"cost":2}}"#;
        assert!(read::<Body>(complete, &[COST]).is_none());
        let no_data = br#"{"other":{}}"#;
        assert!(read::<Body>(no_data, &[COST]).is_none());
        // The needed field is missing too: filling the other does not make it readable.
        let no_amount = br#"{"data":{}}"#;
        assert!(read::<Body>(no_amount, &[COST]).is_none());
        assert!(read::<Body>(b"[1]", &[COST]).is_none());
        // A key given twice stays an error, as the strict reading has it.
        let twice = br#"{"data":{"amount":1},"data":{"amount":2}}"#;
        assert!(read::<Body>(twice, &[COST]).is_none());
    }
}

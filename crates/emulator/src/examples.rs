//! The example bodies a vendor's OpenAPI spec documents, read from the spec's JSON text as
//! written: a number keeps every digit it has there (nothing passes through an `f64`).

use serde_json::value::RawValue;

/// The `example` of the `application/json` body of `GET path`'s `status` response in the
/// OpenAPI JSON text `spec` (a client crate's `openapi.json`), as the text it is written as;
/// `None` if the spec has no such example or is not JSON.
pub fn response_example(spec: &str, path: &str, status: &str) -> Option<String> {
    let keys = [
        "paths",
        path,
        "get",
        "responses",
        status,
        "content",
        "application/json",
        "example",
    ];
    let mut text = spec.to_string();
    for key in keys {
        // Every member is kept as raw text, unparsed; the next step reads the one named.
        let members: std::collections::BTreeMap<String, Box<RawValue>> =
            serde_json::from_str(&text).ok()?;
        text = members.get(key)?.get().to_string();
    }
    Some(text)
}

#[cfg(test)]
mod tests {
    use super::response_example;

    #[test]
    fn an_example_is_its_text_exactly_and_a_missing_one_is_none() {
        let spec = r#"{"paths":{"/b":{"get":{"responses":{"200":{"content":{"application/json":
            {"example":{"amount":29.9999982000000000001}}}}}}}}}"#;
        assert_eq!(
            response_example(spec, "/b", "200").as_deref(),
            Some(r#"{"amount":29.9999982000000000001}"#)
        );
        assert_eq!(response_example(spec, "/b", "404"), None);
        assert_eq!(response_example(spec, "/c", "200"), None);
        assert_eq!(response_example("not json", "/b", "200"), None);
    }
}

//! The JSON Schema of the model, checked in as a snapshot.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[test]
fn balance_json_schema() {
    let schema = schemars::schema_for!(prepaid::Balance);
    insta::assert_json_snapshot!("balance_schema", schema);
}

#[test]
fn amount_values_are_strings_in_the_schema() {
    let schema = serde_json::to_value(schemars::schema_for!(prepaid::Balance)).unwrap();
    let value = &schema["definitions"]["Amount"]["properties"]["value"];
    assert_eq!(value["type"], "string");
    assert_eq!(schema["definitions"]["Unit"]["type"], "string");
    assert_eq!(schema["properties"]["fetched_at"]["format"], "date-time");
}

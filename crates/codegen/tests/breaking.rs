//! The breaking-change classification `cargo xtask regen` reports: one pair of normalized
//! specs per kind of change, under `tests/fixtures/breaking/<kind>/{old,new}.json`, each with the
//! exact changes, severities and report text it gives.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::PathBuf;

use prepaid_codegen::{Change, ChangeKind, ChangeReport, Severity};
use serde_json::Value;

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/breaking")
}

fn load(kind: &str, which: &str) -> Value {
    let path = fixtures().join(kind).join(format!("{which}.json"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path:?}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path:?}: {e}"))
}

fn report(kind: &str) -> ChangeReport {
    ChangeReport::between(Some(&load(kind, "old")), &load(kind, "new"))
}

fn s(text: &str) -> String {
    text.to_string()
}

/// Every fixture pair: its kind, the changes it must give, and the report text.
fn expectations() -> Vec<(&'static str, Vec<Change>, &'static str)> {
    use ChangeKind::*;
    let breaking = Change::breaking;
    let ok = Change::non_breaking;
    vec![
        (
            "operation-removed",
            vec![breaking(OperationRemoved(s(
                "POST /balance/refresh (refreshBalance)",
            )))],
            "1 change(s), 1 BREAKING\n\
             \x20 BREAKING - operation POST /balance/refresh (refreshBalance)\n",
        ),
        (
            "response-field-removed",
            vec![breaking(FieldRemoved(
                s("getBalance 200 application/json.currency"),
                s("oneOf[string enum[USD, EUR] | string not(..)]"),
            ))],
            "1 change(s), 1 BREAKING\n\
             \x20 BREAKING - field getBalance 200 application/json.currency: oneOf[string enum[USD, EUR] | string not(..)]\n",
        ),
        (
            "type-changed",
            vec![breaking(FieldTypeChanged(
                s("getBalance 200 application/json.amount"),
                s("number"),
                s("string"),
            ))],
            "1 change(s), 1 BREAKING\n\
             \x20 BREAKING ~ field getBalance 200 application/json.amount: number -> string\n",
        ),
        (
            "request-field-made-required",
            vec![breaking(FieldMadeRequired(s(
                "createTopup request application/json.note",
            )))],
            "1 change(s), 1 BREAKING\n\
             \x20 BREAKING ~ field createTopup request application/json.note: made required\n",
        ),
        (
            "parameter-made-required",
            vec![breaking(FieldMadeRequired(s(
                "getBalance query parameter currency",
            )))],
            "1 change(s), 1 BREAKING\n\
             \x20 BREAKING ~ field getBalance query parameter currency: made required\n",
        ),
        (
            // From the response's open enum (`oneOf`) and the parameter's plain `enum`.
            "enum-value-removed",
            vec![
                breaking(EnumValueRemoved(
                    s("getBalance 200 application/json.currency"),
                    s("\"EUR\""),
                )),
                breaking(EnumValueRemoved(
                    s("getBalance query parameter currency"),
                    s("\"EUR\""),
                )),
            ],
            "2 change(s), 2 BREAKING\n\
             \x20 BREAKING - enum value getBalance 200 application/json.currency: \"EUR\"\n\
             \x20 BREAKING - enum value getBalance query parameter currency: \"EUR\"\n",
        ),
        (
            "field-added",
            vec![ok(FieldAdded(
                s("getBalance 200 application/json.reserved"),
                s("number"),
            ))],
            "1 change(s), none breaking\n\
             \x20 ok + field getBalance 200 application/json.reserved: number\n",
        ),
        (
            "operation-added",
            vec![ok(OperationAdded(s(
                "POST /balance/refresh (refreshBalance)",
            )))],
            "1 change(s), none breaking\n\
             \x20 ok + operation POST /balance/refresh (refreshBalance)\n",
        ),
        (
            "enum-value-added",
            vec![
                ok(EnumValueAdded(
                    s("getBalance 200 application/json.currency"),
                    s("\"GBP\""),
                )),
                ok(EnumValueAdded(
                    s("getBalance query parameter currency"),
                    s("\"GBP\""),
                )),
            ],
            "2 change(s), none breaking\n\
             \x20 ok + enum value getBalance 200 application/json.currency: \"GBP\"\n\
             \x20 ok + enum value getBalance query parameter currency: \"GBP\"\n",
        ),
        (
            // An operation's summary and a field's description.
            "description-changed",
            vec![
                ok(DescriptionChanged(
                    s("getBalance (summary)"),
                    Some(s("Current balance")),
                    Some(s("The current balance")),
                )),
                ok(DescriptionChanged(
                    s("getBalance 200 application/json.amount"),
                    Some(s("Remaining prepaid credit.")),
                    Some(s("Remaining prepaid credit, in the account's currency.")),
                )),
            ],
            "2 change(s), none breaking\n\
             \x20 ok ~ description getBalance (summary): \"Current balance\" -> \"The current balance\"\n\
             \x20 ok ~ description getBalance 200 application/json.amount: \"Remaining prepaid credit.\" -> \"Remaining prepaid credit, in the account's currency.\"\n",
        ),
    ]
}

#[test]
fn each_fixture_pair_gives_exactly_its_classified_changes_and_text() {
    for (kind, changes, text) in expectations() {
        let report = report(kind);
        assert!(!report.new_spec, "{kind}");
        assert_eq!(report.changes, changes, "{kind}");
        assert_eq!(report.to_string(), text, "{kind}");
        let breaking_kind = !kind.ends_with("-added") && kind != "description-changed";
        assert_eq!(report.is_breaking(), breaking_kind, "{kind}");
        let expected = if breaking_kind {
            Severity::Breaking
        } else {
            Severity::NonBreaking
        };
        assert!(
            report.changes.iter().all(|c| c.severity == expected),
            "{kind}: {report}"
        );
    }
}

#[test]
fn every_fixture_pair_is_checked_and_each_old_spec_has_no_changes_with_itself() {
    let mut on_disk: Vec<String> = std::fs::read_dir(fixtures())
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    on_disk.sort();
    let mut checked: Vec<String> = expectations()
        .into_iter()
        .map(|(kind, _, _)| kind.to_string())
        .collect();
    checked.sort();
    assert_eq!(on_disk, checked);
    for kind in checked {
        for which in ["old", "new"] {
            let doc = load(&kind, which);
            assert_eq!(
                ChangeReport::between(Some(&doc), &doc).to_string(),
                "no API changes\n",
                "{kind}/{which}"
            );
        }
    }
}

#[test]
fn the_fixture_specs_generate_clients() {
    // Like the `openapi.json` files `regen` compares, each fixture is a document progenitor
    // accepts (response enums already in their open `oneOf` form).
    for (kind, _, _) in expectations() {
        for which in ["old", "new"] {
            let doc = load(kind, which);
            if let Err(error) = prepaid_codegen::generate(&doc.to_string()) {
                panic!("{kind}/{which}: {error}");
            }
        }
    }
}

#[test]
fn a_reversed_pair_swaps_breaking_and_non_breaking() {
    // Adding is fine, taking it back is not.
    for (added, removed) in [
        ("operation-added", "operation-removed"),
        ("field-added", "response-field-removed"),
        ("enum-value-added", "enum-value-removed"),
    ] {
        let reversed = ChangeReport::between(Some(&load(added, "new")), &load(added, "old"));
        assert!(reversed.is_breaking(), "{added} reversed: {reversed}");
        assert!(!report(added).is_breaking());
        assert!(report(removed).is_breaking());
    }
    // Relaxing a request is fine.
    let relaxed = ChangeReport::between(
        Some(&load("request-field-made-required", "new")),
        &load("request-field-made-required", "old"),
    );
    assert_eq!(
        relaxed.to_string(),
        "1 change(s), none breaking\n\
         \x20 ok ~ field createTopup request application/json.note: made optional\n"
    );
}

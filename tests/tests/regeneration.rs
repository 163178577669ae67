//! Regeneration guards: the vendored specs are the vendors' text, every spec goes through the
//! pipeline, and the normalized specs and generated code are insta snapshots, so a spec change
//! or a progenitor upgrade shows up as a reviewable diff. `cargo xtask regen` rewrites them.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};

use prepaid_tests::{copy_of_workspace, differences, regen_and_rebuild_copy, snapshot};
use xtask::{BreakingChanges, Mode, VENDORS};

fn root() -> PathBuf {
    prepaid_tests::root()
}

/// The YAML block of a vendor's documentation page, between its ```` fences.
fn fenced_yaml(page: &Path) -> String {
    let text = std::fs::read_to_string(page).unwrap();
    let mut lines = text.split_inclusive('\n');
    lines
        .by_ref()
        .find(|line| line.starts_with("````yaml"))
        .expect("an OpenAPI block");
    lines.take_while(|line| !line.starts_with("````")).collect()
}

/// Append a comment to `vendor`'s spec in `tree`: a change that makes its normalized copy
/// stale (its SHA-256 is recorded) whatever the vendor's text says.
fn add_a_comment(tree: &Path, vendor: xtask::Vendor) {
    let spec = tree.join(vendor.spec_path());
    let mut text = std::fs::read_to_string(&spec).unwrap();
    text.push_str("# one more line\n");
    std::fs::write(&spec, text).unwrap();
}

/// A copy of the workspace whose Runcrate spec is the copy kept in
/// `tests/fixtures/published/runcrate.yaml`, regenerated: tests that edit a vendor's text
/// edit that copy, so a new vendor release never breaks them.
fn tree_with_fixed_runcrate() -> tempfile::TempDir {
    let tree = copy_of_workspace().unwrap();
    std::fs::copy(
        root().join("tests/fixtures/published/runcrate.yaml"),
        tree.path().join("specs/runcrate/openapi.yaml"),
    )
    .unwrap();
    xtask::regen(tree.path(), Mode::Write).unwrap();
    tree
}

#[test]
fn vendored_specs_are_the_vendors_text_byte_for_byte() {
    for (vendor, page) in [
        ("runcrate", "runcrate-billing-balance.md"),
        ("ngrok-ai-gateway", "ngrok-ai-gateway-credits-balance.md"),
        ("venice", "venice-billing-balance.md"),
    ] {
        let spec =
            std::fs::read_to_string(root().join(format!("specs/{vendor}/openapi.yaml"))).unwrap();
        let page = root().join(format!("specs/{vendor}/pages/{page}"));
        assert_eq!(
            spec,
            fenced_yaml(&page),
            "specs/{vendor}/openapi.yaml differs from its page"
        );
    }
}

#[test]
fn checked_in_normalized_specs_are_up_to_date() {
    if let Err(error) = xtask::regen(&root(), Mode::Check) {
        panic!("{error}");
    }
}

#[test]
fn the_published_texts_fail_in_progenitor_without_normalization() {
    // Copies of the texts as published on 2026-11-25, kept under tests/fixtures/published.
    // Runcrate's document is OpenAPI 3.1: openapiv3 (and so progenitor) rejects it.
    let published = root().join("tests/fixtures/published");
    let runcrate =
        codegen::parse_spec(&std::fs::read_to_string(published.join("runcrate.yaml")).unwrap())
            .unwrap();
    let error = codegen::generate(&runcrate.to_string()).unwrap_err();
    assert!(error.to_string().contains("3.1.0"), "{error}");

    // ngrok's `default` response makes progenitor panic; the panic is caught and the
    // operation that causes it is named.
    let ngrok = codegen::parse_spec(
        &std::fs::read_to_string(published.join("ngrok-ai-gateway.yaml")).unwrap(),
    )
    .unwrap();
    let error = codegen::generate(&ngrok.to_string()).unwrap_err();
    assert!(
        matches!(&error, codegen::GenerateError::Panic { operation: Some(op), message }
            if op == "GetCreditBalance" && message.contains("response_types.len() <= 1")),
        "{error}"
    );
}

#[test]
fn operations_send_no_api_version_and_read_bodies_through_the_limit() {
    // One operation with a header of its own, one without, one that streams its body:
    // progenitor gives each a header map for `api-version` plus its own headers, and reads
    // JSON bodies with `from_response`.
    let spec = serde_json::json!({
        "openapi": "3.0.3",
        "info": { "title": "t", "version": "9.9.9" },
        "components": { "securitySchemes": {
            "bearer": { "type": "http", "scheme": "bearer" } } },
        "security": [{ "bearer": [] }],
        "paths": {
            "/with-header": { "get": {
                "operationId": "with_header",
                "parameters": [{ "name": "x-trace", "in": "header", "required": true,
                                 "schema": { "type": "string" } }],
                "responses": { "200": { "description": "ok", "content": { "application/json": {
                    "schema": { "type": "object", "properties": { "n": { "type": "number" } } } } } } }
            } },
            "/plain": { "get": {
                "operationId": "plain",
                "responses": { "200": { "description": "ok", "content": { "application/json": {
                    "schema": { "type": "object", "properties": { "n": { "type": "number" } } } } } } }
            } },
            "/download": { "get": {
                "operationId": "download",
                "responses": { "200": { "description": "ok", "content": { "application/octet-stream": {
                    "schema": { "type": "string", "format": "binary" } } } } }
            } }
        }
    });
    let client = codegen::generate(&spec.to_string()).unwrap().client;
    assert!(!client.contains("\"api-version\""), "{client}");
    assert_eq!(
        client.matches("HeaderMap::with_capacity(1usize)").count(),
        1,
        "{client}"
    );
    assert_eq!(
        client
            .matches("let header_map = ::reqwest::header::HeaderMap::with_capacity(0usize)")
            .count(),
        2,
        "{client}"
    );
    assert!(client.contains("\"x-trace\""), "{client}");
    assert!(
        !client.contains("ResponseValue::from_response(response)"),
        "{client}"
    );
    assert_eq!(
        client
            .matches("::prepaid_client_runtime::read_json(&client.inner, response)")
            .count(),
        2,
        "{client}"
    );
    let compact: String = client.split_whitespace().collect();
    assert_eq!(
        compact
            .matches("Error::UnexpectedResponse(::prepaid_client_runtime::watched(&client.inner,response)")
            .count(),
        3,
        "{client}"
    );
    // A byte stream is the caller's to read: it comes with the cap on it.
    assert!(
        compact.contains(
            "ResponseValue::stream(::prepaid_client_runtime::watched(&client.inner,response)"
        ),
        "{client}"
    );
}

#[test]
fn the_copied_tree_holds_every_spec_and_normalized_copy() {
    let tree = copy_of_workspace().unwrap();
    let files: Vec<PathBuf> = snapshot(tree.path())
        .unwrap()
        .into_iter()
        .map(|(p, _)| p)
        .collect();
    for vendor in VENDORS {
        for relative in [
            vendor.spec_path(),
            vendor.normalized_path(),
            vendor.generated_client_path(),
            vendor.generated_mock_path(),
        ] {
            assert!(files.contains(&PathBuf::from(&relative)), "{relative}");
        }
    }
    assert!(files.iter().any(|p| p.starts_with("tests/tests/snapshots")));
    xtask::regen(tree.path(), Mode::Check).unwrap();
}

#[test]
fn check_fails_after_a_one_character_change_naming_the_spec() {
    for vendor in VENDORS {
        let tree = copy_of_workspace().unwrap();
        let spec = tree.path().join(vendor.spec_path());
        let mut text = std::fs::read_to_string(&spec).unwrap();
        // One character more at the end of a line: a comment or description, invisible to
        // the model, still makes the checked-in copy stale (its SHA-256 is recorded).
        text = text.replacen('\n', " \n", 1);
        std::fs::write(&spec, text).unwrap();
        let error = xtask::regen(tree.path(), Mode::Check)
            .unwrap_err()
            .to_string();
        assert!(error.contains(&vendor.spec_path()), "{error}");
        assert!(error.contains(&vendor.normalized_path()), "{error}");
        assert_eq!(
            error.matches("(from ").count(),
            1,
            "only that vendor is stale: {error}"
        );
    }
}

#[test]
fn check_names_generated_code_edited_by_hand_and_regen_puts_it_back() {
    let tree = copy_of_workspace().unwrap();
    let vendor = VENDORS[3];
    let generated = tree.path().join(vendor.generated_client_path());
    let original = std::fs::read_to_string(&generated).unwrap();
    std::fs::write(
        &generated,
        format!("{original}\npub fn added_by_hand() {{}}\n"),
    )
    .unwrap();
    let error = xtask::regen(tree.path(), Mode::Check)
        .unwrap_err()
        .to_string();
    assert!(
        error.contains(&format!(
            "{} (generated from {})",
            vendor.generated_client_path(),
            vendor.spec_path()
        )),
        "{error}"
    );
    assert_eq!(error.matches("generated from").count(), 1, "{error}");
    xtask::regen(tree.path(), Mode::Write).unwrap();
    assert_eq!(std::fs::read_to_string(&generated).unwrap(), original);
}

#[test]
fn an_invalid_spec_is_reported_and_leaves_every_file_untouched() {
    let tree = copy_of_workspace().unwrap();
    // Make the first vendor's normalized copy stale too, so a partial write would show.
    add_a_comment(tree.path(), VENDORS[0]);
    // The third of four: the two before it succeed, the one after it is still processed.
    let third = tree.path().join(VENDORS[2].spec_path());
    std::fs::write(&third, "openapi: 3.0.3\npaths: [unclosed\n").unwrap();
    let before = snapshot(tree.path()).unwrap();

    for breaking in [BreakingChanges::Allow, BreakingChanges::Deny] {
        let error = xtask::regen_with(tree.path(), Mode::Write, breaking)
            .unwrap_err()
            .to_string();
        assert!(error.contains(&VENDORS[2].spec_path()), "{error}");
        assert!(
            error.contains("line 2"),
            "names where the problem is: {error}"
        );
        assert!(error.contains("nothing was written"), "{error}");
        let after = snapshot(tree.path()).unwrap();
        assert_eq!(
            differences(&before, &after),
            Vec::<PathBuf>::new(),
            "every file, specs and normalized copies included, is byte-for-byte unchanged, \
             and no file (a .regen-tmp) is left over"
        );
    }
    // The stale first vendor is what a partial write would have changed: it is stale indeed.
    std::fs::write(
        &third,
        std::fs::read(root().join(VENDORS[2].spec_path())).unwrap(),
    )
    .unwrap();
    let error = xtask::regen(tree.path(), Mode::Check)
        .unwrap_err()
        .to_string();
    assert!(error.contains(&VENDORS[0].normalized_path()), "{error}");
}

#[test]
fn deny_breaking_refuses_a_removed_response_field_and_writes_nothing() {
    let tree = tree_with_fixed_runcrate();
    // Runcrate drops `activeUsageCost` from its balance response ...
    let runcrate = tree.path().join("specs/runcrate/openapi.yaml");
    let text = std::fs::read_to_string(&runcrate).unwrap();
    let without = text.replacen("        - activeUsageCost\n", "", 1).replacen(
        "        activeUsageCost:\n          type: number\n          description: Currently accruing cost from running instances + active jobs.\n",
        "",
        1,
    );
    assert_eq!(without.matches("activeUsageCost").count(), 0, "{without}");
    std::fs::write(&runcrate, without).unwrap();
    // ... and Venice's spec changes harmlessly, so a partial write would show there too.
    let venice = tree.path().join("specs/venice/openapi.yaml");
    let text = std::fs::read_to_string(&venice).unwrap();
    std::fs::write(&venice, text.replacen('\n', " \n", 1)).unwrap();
    let before = snapshot(tree.path()).unwrap();

    let error = xtask::regen_with(tree.path(), Mode::Write, BreakingChanges::Deny).unwrap_err();
    let xtask::RegenError::Breaking(report) = &error else {
        panic!("not a breaking-change error: {error}");
    };
    assert_eq!(
        error.to_string(),
        "1 breaking change(s) (runcrate) and --deny-breaking; nothing was written"
    );
    let text = report.to_string();
    assert!(
        text.contains(
            "runcrate: 1 change(s), 1 BREAKING\n  BREAKING - field getBalance 200 application/json.data.activeUsageCost: number (required)\n"
        ),
        "{text}"
    );
    assert!(text.contains("venice: no API changes\n"), "{text}");
    assert!(
        text.ends_with("1 BREAKING change(s) in runcrate\n"),
        "{text}"
    );
    assert_eq!(
        differences(&before, &snapshot(tree.path()).unwrap()),
        Vec::<PathBuf>::new()
    );

    // `--check --deny-breaking` reports the same; without the flag, regen writes both.
    let error = xtask::regen_with(tree.path(), Mode::Check, BreakingChanges::Deny).unwrap_err();
    assert!(matches!(error, xtask::RegenError::Breaking(_)), "{error}");
    let report = xtask::regen(tree.path(), Mode::Write).unwrap();
    assert_eq!(report.breaking_count(), 1);
    assert_eq!(
        differences(&before, &snapshot(tree.path()).unwrap()),
        [
            PathBuf::from(VENDORS[0].normalized_path()),
            PathBuf::from(VENDORS[0].generated_client_path()),
            PathBuf::from(VENDORS[3].normalized_path()),
        ]
    );
    xtask::regen_with(tree.path(), Mode::Check, BreakingChanges::Deny).unwrap();
}

#[test]
fn regen_writes_stale_copies_and_reports_the_change() {
    let tree = tree_with_fixed_runcrate();
    let spec = tree.path().join("specs/runcrate/openapi.yaml");
    let text = std::fs::read_to_string(&spec).unwrap().replacen(
        "        activeUsageCost:\n",
        "        reservedCredits:\n          type: number\n        activeUsageCost:\n",
        1,
    );
    std::fs::write(&spec, text).unwrap();
    let report = xtask::regen(tree.path(), Mode::Write).unwrap().to_string();
    assert!(
        report.contains("runcrate: 1 change(s), none breaking\n  ok + field getBalance 200 application/json.data.reservedCredits: number\n"),
        "{report}"
    );
    assert!(report.contains("venice: no API changes"), "{report}");
    xtask::regen(tree.path(), Mode::Check).unwrap();
}

/// Merge the paths and component schemas of `tests/fixtures/next-release/openapi.yaml`
/// (every category of change a vendor's next release may bring) into the copied tree's
/// Runcrate spec, an OpenAPI 3.1 document as Runcrate publishes it.
fn ship_next_release(tree: &Path) {
    let spec_path = tree.join("specs/runcrate/openapi.yaml");
    let mut spec = codegen::parse_spec(&std::fs::read_to_string(&spec_path).unwrap()).unwrap();
    let next = codegen::parse_spec(
        &std::fs::read_to_string(root().join("tests/fixtures/next-release/openapi.yaml")).unwrap(),
    )
    .unwrap();
    for (part, pointer) in [("paths", "/paths"), ("schemas", "/components/schemas")] {
        let added = next
            .pointer(pointer)
            .and_then(|v| v.as_object())
            .unwrap()
            .clone();
        let target = spec.pointer_mut(pointer).and_then(|v| v.as_object_mut());
        let target = target.unwrap_or_else(|| panic!("Runcrate's spec has no {part}"));
        target.extend(added);
    }
    // JSON is YAML: the vendor text may come in either.
    std::fs::write(&spec_path, serde_json::to_string_pretty(&spec).unwrap()).unwrap();
}

/// One copy of the tree (`target/next-release-tree/`) with the next release shipped,
/// regenerated and built (offline) by `regen`, shared by the tests of each category: the
/// copy and what regen reported.
fn next_release_tree() -> &'static (PathBuf, String) {
    static TREE: std::sync::OnceLock<(PathBuf, String)> = std::sync::OnceLock::new();
    TREE.get_or_init(|| {
        let tree = root().join("target/next-release-tree");
        prepaid_tests::copy_workspace_into(&tree).unwrap();
        ship_next_release(&tree);
        match regen_and_rebuild_copy(&tree, BreakingChanges::Allow) {
            Ok(report) => (tree, report.to_string()),
            Err(error) => panic!("the next release does not regenerate and build: {error}"),
        }
    })
}

/// The client regen wrote from the shipped spec into the built tree.
fn next_release_client() -> String {
    let (tree, _) = next_release_tree();
    std::fs::read_to_string(tree.join(VENDORS[0].generated_client_path())).unwrap()
}

#[test]
fn next_release_new_formats_and_patterns_bring_their_crates() {
    let (tree, _) = next_release_tree();
    let manifest = std::fs::read_to_string(tree.join("crates/runcrate-client/Cargo.toml")).unwrap();
    for line in [
        "schemars = { version = \"0.8\", features = [\"chrono\", \"uuid1\"] }",
        "chrono = { version = \"0.4\"",
        "uuid = { version = \"1\"",
        "regress = \"0.10\"",
    ] {
        assert!(manifest.contains(line), "{line} in\n{manifest}");
    }
    let client = next_release_client();
    assert!(client.contains("pub id: ::uuid::Uuid"), "{client}");
    assert!(client.contains("::chrono::DateTime<::chrono::offset::Utc>"));
    assert!(client.contains("::regress::Regex::new"));
    // `regen --check` now agrees, manifests included.
    xtask::regen(tree, Mode::Check).unwrap();
}

#[test]
fn next_release_openapi_31_forms_allof_maps_and_keywords_generate() {
    let client = next_release_client();
    // `type: [number, "null"]`, `examples`, a map of numbers, `type` and `match` fields.
    assert!(client.contains("pub tax: ::std::option::Option<crate::ExactNumber>"));
    assert!(client.contains("::std::collections::HashMap<\n            ::std::string::String,\n            crate::ExactNumber,"), "{client}");
    assert!(client.contains("pub type_: ::std::option::Option<::std::string::String>"));
    assert!(client.contains("pub match_: ::std::option::Option<bool>"));
    // allOf: the refund has the request's fields and its own.
    let refund = client.split("pub struct Refund {").nth(1).unwrap();
    let refund = &refund[..refund.find('}').unwrap()];
    for field in ["pub amount:", "pub id:", "pub invoice_id:"] {
        assert!(refund.contains(field), "{field} in {refund}");
    }
}

#[test]
fn next_release_new_operations_and_the_report() {
    let (_, report) = next_release_tree();
    for operation in [
        "+ operation GET /invoices/{invoiceId} (getInvoice)",
        "+ operation POST /refunds (createRefund)",
        "+ operation GET /usage/export (exportUsage)",
        "+ operation GET /events (listEvents)",
    ] {
        assert!(report.contains(operation), "{operation} in\n{report}");
    }
    // The duplicated enum values, in a response and in a request, are named in the report.
    assert!(
        report.contains(
            "normalized: enum [\"open\", \"paid\", \"void\"]: duplicate value(s) \"paid\" removed"
        ),
        "{report}"
    );
    assert!(
        report.contains(
            "normalized: enum [\"duplicate\", \"fraud\"]: duplicate value(s) \"duplicate\" removed"
        ),
        "{report}"
    );
    let client = next_release_client();
    assert!(client.contains("pub fn get_invoice(&self)"));
    assert!(
        client.contains("\"X-Request-Id\""),
        "the header parameter is sent"
    );
    // The `default`-only operation keeps it as its success type.
    assert!(
        client.contains("Result<ResponseValue<types::UsageExport>, Error<types::UsageExport>>"),
        "{client}"
    );
}

#[test]
fn a_stale_manifest_is_named_by_check_with_its_dependency() {
    let tree = copy_of_workspace().unwrap();
    let manifest = tree.path().join("crates/runtools-client/Cargo.toml");
    let text = std::fs::read_to_string(&manifest).unwrap();
    let without: String = text
        .lines()
        .filter(|line| !line.starts_with("uuid = "))
        .map(|line| format!("{line}\n"))
        .collect();
    std::fs::write(&manifest, without).unwrap();
    let error = xtask::regen(tree.path(), Mode::Check)
        .unwrap_err()
        .to_string();
    assert!(
        error.contains("crates/runtools-client/Cargo.toml (the generated code of runtools-client): needs `uuid = "),
        "{error}"
    );
    xtask::regen(tree.path(), Mode::Write).unwrap();
    assert_eq!(std::fs::read_to_string(&manifest).unwrap(), text);
}

#[test]
fn a_client_that_does_not_compile_leaves_the_tree_as_it_was() {
    let tree = copy_of_workspace().unwrap();
    // A spec change regen writes, and a runtime that no longer has what clients use.
    add_a_comment(tree.path(), VENDORS[3]);
    let runtime = tree.path().join("crates/client-runtime/src/lib.rs");
    let text = std::fs::read_to_string(&runtime).unwrap();
    std::fs::write(
        &runtime,
        text.replace("ExactNumber, NotANumber", "NotANumber"),
    )
    .unwrap();
    let before = snapshot(tree.path()).unwrap();

    let error = regen_and_rebuild_copy(tree.path(), BreakingChanges::Allow).unwrap_err();
    let xtask::RegenError::Build {
        vendor,
        first_error,
        ..
    } = &error
    else {
        panic!("not a build error: {error}");
    };
    assert_eq!(
        *vendor, VENDORS[0].name,
        "the first client built names its vendor"
    );
    assert!(first_error.contains("error"), "{first_error}");
    assert!(first_error.contains("ExactNumber"), "{first_error}");
    assert!(
        error.to_string().contains("every file was restored"),
        "{error}"
    );
    assert_eq!(
        differences(&before, &snapshot(tree.path()).unwrap()),
        Vec::<PathBuf>::new()
    );
}

#[test]
fn clients_compile_checked_in_code_without_the_generator() {
    // What a client's users compile is its checked-in `src/generated/`: no build script, so
    // no progenitor, typify or syn in their builds, and the code they get is the code the
    // snapshots show (`regen --check` in CI says it is current).
    for vendor in VENDORS {
        let crate_dir = root().join(vendor.crate_dir);
        assert!(!crate_dir.join("build.rs").exists(), "{}", vendor.crate_dir);
        let manifest = std::fs::read_to_string(root().join(vendor.manifest_path())).unwrap();
        assert!(!manifest.contains("[build-dependencies]"), "{manifest}");
        let lib = std::fs::read_to_string(crate_dir.join("src/lib.rs")).unwrap();
        for path in [vendor.generated_client_path(), vendor.generated_mock_path()] {
            let included = path.trim_start_matches(&format!("{}/src/", vendor.crate_dir));
            assert!(lib.contains(&format!("include!(\"{included}\");")), "{lib}");
        }
    }
}

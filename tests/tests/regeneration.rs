//! Regeneration guards: the vendored specs are the vendors' text, every spec goes through the
//! pipeline, and the normalized specs and generated code are insta snapshots, so a spec change
//! or a progenitor upgrade shows up as a reviewable diff. `cargo xtask regen` rewrites them.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};

use xtask::{BreakingChanges, Mode, VENDORS};

fn root() -> PathBuf {
    xtask::project_root()
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
fn normalized_specs_and_generated_code_match_the_snapshots() {
    for vendor in VENDORS {
        let pipeline = codegen::run_pipeline(&root().join(vendor.spec_path())).unwrap();
        insta::assert_snapshot!(
            format!("{}-normalized.json", vendor.name),
            pipeline.normalized_json
        );
        insta::assert_snapshot!(
            format!("{}-client.rs", vendor.name),
            pipeline.generated.client
        );
        insta::assert_snapshot!(
            format!("{}-httpmock.rs", vendor.name),
            pipeline.generated.httpmock
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
    // Runcrate's document is OpenAPI 3.1: openapiv3 (and so progenitor) rejects it.
    let runcrate = codegen::parse_spec(
        &std::fs::read_to_string(root().join("specs/runcrate/openapi.yaml")).unwrap(),
    )
    .unwrap();
    let error = codegen::generate(&runcrate.to_string()).unwrap_err();
    assert!(error.to_string().contains("3.1.0"), "{error}");

    // ngrok's `default` response makes progenitor panic; the panic is caught and the
    // operation that causes it is named.
    let ngrok = codegen::parse_spec(
        &std::fs::read_to_string(root().join("specs/ngrok-ai-gateway/openapi.yaml")).unwrap(),
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
            .matches("crate::read_json(&client.inner, response)")
            .count(),
        2,
        "{client}"
    );
    let compact: String = client.split_whitespace().collect();
    assert_eq!(
        compact
            .matches("Error::UnexpectedResponse(crate::watched(&client.inner,response)")
            .count(),
        3,
        "{client}"
    );
    // A byte stream is the caller's to read: it comes with the cap on it.
    assert!(
        compact.contains("ResponseValue::stream(crate::watched(&client.inner,response))"),
        "{client}"
    );
}

#[test]
fn runtools_spec_covers_all_eight_billing_operations_and_both_auth_schemes() {
    let spec = codegen::parse_spec(
        &std::fs::read_to_string(root().join("specs/runtools/openapi.yaml")).unwrap(),
    )
    .unwrap();
    let mut operations = Vec::new();
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            operations.push(format!(
                "{} {path} {}",
                method.to_uppercase(),
                op["operationId"].as_str().unwrap()
            ));
        }
    }
    assert_eq!(
        operations,
        [
            "GET /v1/billing/plan getPlan",
            "GET /v1/billing/credits getCredits",
            "GET /v1/billing/credits/history getCreditHistory",
            "GET /v1/billing/my-usage getMyUsage",
            "POST /v1/billing/topup createTopup",
            "GET /v1/billing/success verifyCheckoutSession",
            "GET /v1/billing/auto-topup getAutoTopup",
            "PUT /v1/billing/auto-topup updateAutoTopup",
        ]
    );
    let schemes = spec["components"]["securitySchemes"].as_object().unwrap();
    assert_eq!(schemes["apiKeyHeader"]["name"], "X-API-Key");
    assert_eq!(schemes["bearerAuth"]["scheme"], "bearer");
    assert_eq!(
        spec["security"].as_array().unwrap().len(),
        2,
        "alternatives, not both at once"
    );
}

/// A copy of every part of the tree `regen` reads or could write: all of `specs/`, each
/// client crate (its normalized `openapi.json` beside its manifest, sources and tests) and
/// the regeneration snapshots. Symbolic links (a client's `build.rs`) are copied as the
/// file they point to.
fn copy_of_tree() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let mut parts = vec!["specs".to_string(), "tests/tests/snapshots".to_string()];
    parts.extend(VENDORS.iter().map(|v| v.crate_dir.to_string()));
    for part in parts {
        copy_dir(&root().join(&part), &dir.path().join(&part));
    }
    dir
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap().flatten() {
        let (path, target) = (entry.path(), to.join(entry.file_name()));
        if path.is_dir() {
            if entry.file_name() != "target" {
                copy_dir(&path, &target);
            }
        } else {
            std::fs::copy(&path, &target).unwrap();
        }
    }
}

/// Every file under `root` (relative path and bytes, sorted): equal snapshots mean no file
/// was changed, added or removed.
fn snapshot(root: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut files: Vec<(PathBuf, Vec<u8>)> = walk(root)
        .into_iter()
        .map(|path| {
            let bytes = std::fs::read(&path).unwrap();
            (path.strip_prefix(root).unwrap().to_path_buf(), bytes)
        })
        .collect();
    files.sort();
    files
}

/// The files that differ between two snapshots, for a readable failure.
fn differences(before: &[(PathBuf, Vec<u8>)], after: &[(PathBuf, Vec<u8>)]) -> Vec<PathBuf> {
    let mut paths: Vec<PathBuf> = before
        .iter()
        .filter(|file| !after.contains(file))
        .chain(after.iter().filter(|file| !before.contains(file)))
        .map(|(path, _)| path.clone())
        .collect();
    paths.sort();
    paths.dedup();
    paths
}

#[test]
fn the_copied_tree_holds_every_spec_and_normalized_copy() {
    let tree = copy_of_tree();
    let files: Vec<PathBuf> = snapshot(tree.path()).into_iter().map(|(p, _)| p).collect();
    for vendor in VENDORS {
        for relative in [vendor.spec_path(), vendor.normalized_path()] {
            assert!(files.contains(&PathBuf::from(&relative)), "{relative}");
        }
    }
    assert!(files.iter().any(|p| p.starts_with("tests/tests/snapshots")));
    xtask::regen(tree.path(), Mode::Check).unwrap();
}

#[test]
fn check_fails_after_a_one_character_change_naming_the_spec() {
    for vendor in VENDORS {
        let tree = copy_of_tree();
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
fn an_invalid_spec_is_reported_and_leaves_every_file_untouched() {
    let tree = copy_of_tree();
    // Make the first vendor's normalized copy stale too, so a partial write would show.
    let first = tree.path().join(VENDORS[0].spec_path());
    let text = std::fs::read_to_string(&first).unwrap().replacen(
        "Get credit balance",
        "Get the credit balance",
        1,
    );
    std::fs::write(&first, text).unwrap();
    // The third of four: the two before it succeed, the one after it is still processed.
    let third = tree.path().join(VENDORS[2].spec_path());
    std::fs::write(&third, "openapi: 3.0.3\npaths: [unclosed\n").unwrap();
    let before = snapshot(tree.path());

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
        let after = snapshot(tree.path());
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
    let tree = copy_of_tree();
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
    let before = snapshot(tree.path());

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
        differences(&before, &snapshot(tree.path())),
        Vec::<PathBuf>::new()
    );

    // `--check --deny-breaking` reports the same; without the flag, regen writes both.
    let error = xtask::regen_with(tree.path(), Mode::Check, BreakingChanges::Deny).unwrap_err();
    assert!(matches!(error, xtask::RegenError::Breaking(_)), "{error}");
    let report = xtask::regen(tree.path(), Mode::Write).unwrap();
    assert_eq!(report.breaking_count(), 1);
    assert_eq!(
        differences(&before, &snapshot(tree.path())),
        [
            PathBuf::from(VENDORS[0].normalized_path()),
            PathBuf::from(VENDORS[3].normalized_path()),
        ]
    );
    xtask::regen_with(tree.path(), Mode::Check, BreakingChanges::Deny).unwrap();
}

#[test]
fn regen_writes_stale_copies_and_reports_the_change() {
    let tree = copy_of_tree();
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

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(walk(&path))
        } else {
            out.push(path)
        }
    }
    out
}

#[test]
fn every_client_builds_with_the_one_generator() {
    // Each client's build.rs is a symlink to crates/codegen/src/generate.rs, so the code a
    // client compiles is the code these snapshots show, and `cargo package` copies it in.
    for vendor in VENDORS {
        let build_rs = root().join(vendor.crate_dir).join("build.rs");
        let target = std::fs::read_link(&build_rs).unwrap();
        assert_eq!(
            target,
            Path::new("../codegen/src/generate.rs"),
            "{}",
            build_rs.display()
        );
    }
}

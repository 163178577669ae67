//! Regeneration guards: the vendored specs are the vendors' text, every spec goes through the
//! pipeline, and the normalized specs and generated code are insta snapshots, so a spec change
//! or a progenitor upgrade shows up as a reviewable diff. `cargo xtask regen` rewrites them.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};

use xtask::{Mode, VENDORS};

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

/// A copy of the parts of the tree `regen` reads and writes.
fn copy_of_tree() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for vendor in VENDORS {
        for relative in [vendor.spec_path(), vendor.normalized_path()] {
            let target = dir.path().join(&relative);
            std::fs::create_dir_all(target.parent().unwrap()).unwrap();
            std::fs::copy(root().join(&relative), target).unwrap();
        }
    }
    dir
}

fn normalized_files(root: &Path) -> Vec<(String, Vec<u8>)> {
    VENDORS
        .iter()
        .map(|v| {
            (
                v.normalized_path(),
                std::fs::read(root.join(v.normalized_path())).unwrap(),
            )
        })
        .collect()
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
    // Make one vendor's normalized copy stale too, so a partial write would show.
    let first = tree.path().join(VENDORS[0].spec_path());
    let text = std::fs::read_to_string(&first).unwrap().replacen(
        "Get credit balance",
        "Get the credit balance",
        1,
    );
    std::fs::write(&first, text).unwrap();
    let third = tree.path().join(VENDORS[2].spec_path());
    std::fs::write(&third, "openapi: 3.0.3\npaths: [unclosed\n").unwrap();
    let before = normalized_files(tree.path());

    let error = xtask::regen(tree.path(), Mode::Write)
        .unwrap_err()
        .to_string();
    assert!(error.contains(&VENDORS[2].spec_path()), "{error}");
    assert!(
        error.contains("line 2"),
        "names where the problem is: {error}"
    );
    assert_eq!(normalized_files(tree.path()), before);
    let leftovers: Vec<_> = walk(tree.path())
        .into_iter()
        .filter(|p| p.to_string_lossy().contains("regen-tmp"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
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
        report.contains("runcrate: 1 change(s)\n  + field getBalance 200 application/json.data.reservedCredits: number\n"),
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

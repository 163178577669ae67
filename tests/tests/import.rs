//! `cargo xtask import`: vendor documentation pages in, the vendored spec out.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};

use xtask::import::{self, ImportError};

fn root() -> PathBuf {
    prepaid_tests::root()
}

fn fixture(name: &str) -> PathBuf {
    root().join("tests/fixtures/import").join(name)
}

fn copy_of_tree() -> tempfile::TempDir {
    prepaid_tests::copy_of_workspace().unwrap()
}

/// Every file under `dir`, with its bytes.
fn snapshot(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    prepaid_tests::snapshot(dir).unwrap()
}

#[test]
fn importing_the_vendor_pages_reproduces_the_vendored_specs_exactly() {
    for (vendor, page) in [
        ("runcrate", "runcrate-billing-balance.md"),
        ("ngrok-ai-gateway", "ngrok-ai-gateway-credits-balance.md"),
        ("venice", "venice-billing-balance.md"),
    ] {
        // From scratch: no spec and no provenance yet.
        let tree = copy_of_tree();
        let specs = tree.path().join("specs").join(vendor);
        std::fs::remove_file(specs.join("openapi.yaml")).unwrap();
        std::fs::remove_file(specs.join("provenance.json")).unwrap();
        std::fs::remove_dir_all(specs.join("pages")).unwrap();
        let page = root().join("specs").join(vendor).join("pages").join(page);
        import::import(tree.path(), vendor, &[page], "2026-11-25").unwrap();
        let expected =
            std::fs::read(root().join("specs").join(vendor).join("openapi.yaml")).unwrap();
        assert_eq!(
            std::fs::read(specs.join("openapi.yaml")).unwrap(),
            expected,
            "{vendor}"
        );
    }
}

#[test]
fn the_checked_in_specs_are_what_their_pages_give() {
    import::check(&root()).unwrap();
}

#[test]
fn a_second_page_with_a_new_path_merges_and_generates() {
    // ngrok's balance page as published on 2026-11-25 (a copy under tests/fixtures, so a new
    // release of that page does not change what this test checks), imported from scratch.
    let tree = copy_of_tree();
    let specs = tree.path().join("specs/ngrok-ai-gateway");
    std::fs::remove_file(specs.join("openapi.yaml")).unwrap();
    std::fs::remove_file(specs.join("provenance.json")).unwrap();
    std::fs::remove_dir_all(specs.join("pages")).unwrap();
    let published = root().join("tests/fixtures/published/ngrok-ai-gateway-credits-balance.md");
    import::import(tree.path(), "ngrok-ai-gateway", &[published], "2026-11-25").unwrap();
    let page = fixture("ngrok-ai-gateway-credits-transactions.md");
    let operations =
        import::import(tree.path(), "ngrok-ai-gateway", &[page], "2026-11-26").unwrap();
    assert_eq!(
        operations,
        ["GET /credits/balance", "GET /credits/transactions"]
    );

    let spec = tree.path().join("specs/ngrok-ai-gateway/openapi.yaml");
    let merged = codegen::parse_spec(&std::fs::read_to_string(&spec).unwrap()).unwrap();
    let schemas: Vec<&String> = merged["components"]["schemas"]
        .as_object()
        .unwrap()
        .keys()
        .collect();
    assert_eq!(schemas, ["CreditBalance", "Error", "CreditTransactionList"]);
    assert_eq!(
        merged["info"]["title"], "AI Gateway APIs",
        "the vendor's info is kept"
    );

    // progenitor generates one client from the merged document ...
    let pipeline = codegen::run_pipeline(&spec).unwrap();
    assert!(pipeline
        .generated
        .client
        .contains("pub fn list_credit_transactions(&self)"));
    // ... `regen` reports the new operation, writes the chrono its date-time field needs
    // into the client's manifest, and the client builds; `import --check` reproduces the
    // spec.
    let report =
        match prepaid_tests::regen_and_rebuild_copy(tree.path(), xtask::BreakingChanges::Allow) {
            Ok(report) => report.to_string(),
            Err(error) => panic!("{error}"),
        };
    let manifest = std::fs::read_to_string(
        tree.path()
            .join("crates/ngrok-ai-gateway-client/Cargo.toml"),
    )
    .unwrap();
    assert!(
        manifest.contains("\nchrono = { version = \"0.4\""),
        "{manifest}"
    );
    assert!(
        report.contains("+ operation GET /credits/transactions (ListCreditTransactions)"),
        "{report}"
    );
    import::check(tree.path()).unwrap();
    let readme = std::fs::read_to_string(tree.path().join("specs/README.md")).unwrap();
    assert!(
        readme.contains("| ngrok-ai-gateway | [`ngrok-ai-gateway-credits-transactions.md`]"),
        "{readme}"
    );
    assert!(
        readme.contains("`GET /credits/transactions` | 3.0.3 | 2026-11-26 |"),
        "{readme}"
    );
}

#[test]
fn a_conflicting_page_fails_with_both_definitions_and_changes_nothing() {
    let tree = copy_of_tree();
    let before = snapshot(tree.path());
    let page = fixture("ngrok-ai-gateway-conflicting-balance.md");
    let error = import::import(tree.path(), "ngrok-ai-gateway", &[page], "2026-11-26").unwrap_err();
    let text = error.to_string();
    assert!(
        matches!(&error, ImportError::Conflict { part, .. } if part == "components.schemas.CreditBalance"),
        "{text}"
    );
    assert!(
        text.contains("in specs/ngrok-ai-gateway/pages/ngrok-ai-gateway-credits-balance.md:"),
        "{text}"
    );
    assert!(
        text.contains("ngrok-ai-gateway-conflicting-balance.md:"),
        "{text}"
    );
    assert!(
        text.contains("    currency:"),
        "the second definition is shown: {text}"
    );
    assert_eq!(snapshot(tree.path()), before);
}

#[test]
fn bad_pages_get_clear_errors_and_change_nothing() {
    let tree = copy_of_tree();
    let before = snapshot(tree.path());
    let import = |name: &str| {
        import::import(
            tree.path(),
            "ngrok-ai-gateway",
            &[fixture(name)],
            "2026-11-26",
        )
        .unwrap_err()
    };

    let error = import("ngrok-ai-gateway-openapi-3.1.md");
    assert!(
        matches!(&error, ImportError::Version { found, expected, .. } if found == "3.1.0" && expected == "3.0.3"),
        "{error}"
    );
    let error = import("no-openapi-block.md");
    assert!(
        matches!(&error, ImportError::NoBlock(page) if page.ends_with("no-openapi-block.md")),
        "{error}"
    );
    let error = import("broken-yaml.md");
    // The parser stops at the closing fence (page line 7) of the block that starts on line 4.
    assert!(
        matches!(
            &error,
            ImportError::Syntax {
                line: 7,
                block_line: 4,
                ..
            }
        ),
        "{error}"
    );
    assert!(
        error
            .to_string()
            .contains("broken-yaml.md:7: the OpenAPI block starting on line 4"),
        "{error}"
    );

    let error = import::import(
        tree.path(),
        "nope",
        &[fixture("broken-yaml.md")],
        "2026-11-26",
    )
    .unwrap_err();
    assert!(matches!(error, ImportError::UnknownVendor(_)));
    assert_eq!(snapshot(tree.path()), before);
}

#[test]
fn an_authored_spec_is_not_replaced_by_pages() {
    let tree = copy_of_tree();
    let page = tree.path().join("page.md");
    std::fs::write(
        &page,
        "```yaml\nopenapi: 3.0.3\ninfo: { title: t, version: '1' }\npaths: {}\n```\n",
    )
    .unwrap();
    let error = import::import(tree.path(), "runtools", &[page], "2026-11-26").unwrap_err();
    assert!(
        matches!(&error, ImportError::NotFromPages(spec) if spec == "specs/runtools/openapi.yaml"),
        "{error}"
    );
}

#[test]
fn check_finds_a_spec_edited_by_hand() {
    let tree = copy_of_tree();
    let spec = tree.path().join("specs/venice/openapi.yaml");
    let text = std::fs::read_to_string(&spec)
        .unwrap()
        .replacen("Billing", "Billing!", 1);
    std::fs::write(&spec, text).unwrap();
    let error = import::check(tree.path()).unwrap_err().to_string();
    assert!(
        error.contains("specs/venice/openapi.yaml (from specs/venice/pages/)"),
        "{error}"
    );
}

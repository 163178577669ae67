//! `cargo xtask vendor new`: a made-up vendor scaffolded from its spec in a copy of the tree
//! becomes a client crate that builds, with nothing stale left; a spec that does not
//! generate, or a name already taken, leaves the tree as it was.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};

use prepaid_tests::{copies_target_dir, copy_of_workspace, differences, root, snapshot, take_turn};
use xtask::{Mode, Rebuild, Vendor};

/// `vendor new NAME --spec SPEC` on `tree`, offline, building into the copies' folder.
fn scaffold(tree: &Path, name: &str, spec: &Path) -> Result<xtask::RegenReport, xtask::RegenError> {
    let _turn = take_turn(tree).unwrap();
    let rebuild = Rebuild {
        target_dir: Some(copies_target_dir()),
        offline: true,
        snapshots: false,
    };
    xtask::scaffold::new_vendor(tree, name, spec, &rebuild)
}

#[test]
fn a_ninth_vendor_from_its_spec_is_a_client_crate_that_builds() {
    let tree = copy_of_workspace().unwrap();
    let spec = root().join("tests/fixtures/scaffold/acme.yaml");
    let report = scaffold(tree.path(), "acme", &spec).unwrap();
    assert!(report.to_string().contains("acme: new spec"), "{report}");

    let acme = Vendor::named("acme");
    assert!(xtask::vendors(tree.path()).unwrap().contains(&acme));
    for relative in [
        acme.spec_path(),
        acme.normalized_path(),
        acme.manifest_path(),
        acme.client_snapshot_path(),
        acme.mock_snapshot_path(),
        format!("{}/build.rs", acme.crate_dir()),
        format!("{}/src/lib.rs", acme.crate_dir()),
        format!("{}/README.md", acme.crate_dir()),
    ] {
        assert!(tree.path().join(&relative).is_file(), "{relative}");
    }
    assert_eq!(
        std::fs::read(tree.path().join(acme.spec_path())).unwrap(),
        std::fs::read(&spec).unwrap()
    );
    let manifest = std::fs::read_to_string(tree.path().join("Cargo.toml")).unwrap();
    assert!(
        manifest.contains("    \"crates/acme-client\",\n"),
        "{manifest}"
    );
    assert!(
        manifest.contains("acme-client = { path = \"crates/acme-client\", version = "),
        "{manifest}"
    );
    let readme =
        std::fs::read_to_string(tree.path().join(acme.crate_dir()).join("README.md")).unwrap();
    assert!(
        readme.contains("Acme Credits API") && readme.contains("acme_client::Client"),
        "{readme}"
    );
    // Its exact number made it through the generated types as the spec wrote it.
    let snapshot_text =
        std::fs::read_to_string(tree.path().join(acme.client_snapshot_path())).unwrap();
    assert!(
        snapshot_text.contains("pub credits: crate::ExactNumber"),
        "{snapshot_text}"
    );
    // Nothing is stale afterwards, and the name is now taken.
    xtask::regen(tree.path(), Mode::Check).unwrap();
    let again = scaffold(tree.path(), "acme", &spec)
        .unwrap_err()
        .to_string();
    assert!(again.contains("exists already"), "{again}");
}

#[test]
fn a_spec_that_does_not_generate_or_a_bad_name_leaves_the_tree_as_it_was() {
    let tree = copy_of_workspace().unwrap();
    let broken = tree.path().join("broken.yaml");
    std::fs::write(&broken, "openapi: 3.0.3\npaths: [unclosed\n").unwrap();
    let before = snapshot(tree.path()).unwrap();
    let error = scaffold(tree.path(), "acme", &broken)
        .unwrap_err()
        .to_string();
    assert!(error.contains("broken.yaml"), "{error}");
    for name in ["Acme", "venice", "../acme", "acme-"] {
        let spec = root().join("tests/fixtures/scaffold/acme.yaml");
        let error = scaffold(tree.path(), name, &spec).unwrap_err().to_string();
        assert!(
            error.contains("cannot name a vendor") || error.contains("exists already"),
            "{name}: {error}"
        );
    }
    assert_eq!(
        differences(&before, &snapshot(tree.path()).unwrap()),
        Vec::<PathBuf>::new()
    );
}

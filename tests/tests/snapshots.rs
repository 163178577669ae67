//! The regeneration snapshots: every vendor's normalized spec, generated client and typed
//! mocks, so a spec change or a progenitor upgrade shows up as a reviewable diff. This is
//! the one test `cargo xtask regen` runs (with `INSTA_UPDATE=always`) to rewrite them; it
//! depends on nothing but the vendored specs.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[test]
fn normalized_specs_and_generated_code_match_the_snapshots() {
    let root = xtask::project_root().unwrap();
    for vendor in xtask::VENDORS {
        let pipeline = codegen::run_pipeline(&root.join(vendor.spec_path())).unwrap();
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

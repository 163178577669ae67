//! The regeneration snapshots: every vendor's generated client and typed mocks, the code its
//! build script compiles, so a spec change or a progenitor upgrade shows up as a reviewable
//! diff. They are the one checked-in text of the generated code: this test fails when a
//! client's build would compile anything else. `cargo xtask regen` writes them, then runs
//! this test; it depends on nothing but each client's `openapi.json`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[test]
fn generated_code_matches_the_snapshots() {
    let root = xtask::project_root().unwrap();
    for vendor in xtask::vendors(&root).unwrap() {
        // What the client's build script runs, on the file it reads.
        let generated =
            codegen::build::generate_from_file(&root.join(vendor.normalized_path())).unwrap();
        insta::assert_snapshot!(format!("{}-client.rs", vendor.name), generated.client);
        insta::assert_snapshot!(format!("{}-httpmock.rs", vendor.name), generated.httpmock);
    }
}

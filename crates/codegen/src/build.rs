//! What a client crate's `build.rs` runs.

use std::path::Path;
use std::process::ExitCode;

/// Generate `$OUT_DIR/codegen.rs` (the client) and `$OUT_DIR/httpmock.rs` (its typed mocks)
/// from the crate's normalized `openapi.json`, rerunning only when that file changes. A
/// failure is reported to cargo as an error naming the file; nothing panics.
///
/// A client crate's whole `build.rs`:
///
/// ```no_run
/// fn main() -> std::process::ExitCode {
///     prepaid_codegen::build::generate_client()
/// }
/// ```
pub fn generate_client() -> ExitCode {
    println!("cargo::rerun-if-changed=openapi.json");
    match generate_into_out_dir() {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            println!("cargo::error={message}");
            ExitCode::FAILURE
        }
    }
}

fn generate_into_out_dir() -> Result<(), String> {
    let spec = std::fs::read_to_string("openapi.json")
        .map_err(|e| format!("cannot read openapi.json: {e}"))?;
    let generated = crate::generate(&spec).map_err(|e| format!("openapi.json: {e}"))?;
    let out_dir = std::env::var_os("OUT_DIR").ok_or("OUT_DIR is not set")?;
    let out_dir = Path::new(&out_dir);
    std::fs::write(out_dir.join("codegen.rs"), generated.client)
        .and_then(|()| std::fs::write(out_dir.join("httpmock.rs"), generated.httpmock))
        .map_err(|e| format!("cannot write to OUT_DIR: {e}"))
}

//! Generates a client from `fixtures/next-release/openapi.yaml` (what a vendor's next
//! release may ship), so `tests/next_release.rs` can decode bodies with its types.

use std::path::Path;
use std::process::ExitCode;

fn main() -> ExitCode {
    let spec = "fixtures/next-release/openapi.yaml";
    println!("cargo::rerun-if-changed={spec}");
    match generate(spec) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            println!("cargo::error={spec}: {message}");
            ExitCode::FAILURE
        }
    }
}

fn generate(spec: &str) -> Result<(), String> {
    let text = std::fs::read_to_string(spec).map_err(|e| e.to_string())?;
    let doc = codegen::parse_spec(&text).map_err(|e| e.to_string())?;
    let doc = codegen::normalize(doc).map_err(|e| e.to_string())?;
    let generated =
        codegen::generate(&codegen::to_canonical_json(&doc)).map_err(|e| e.to_string())?;
    let out_dir = std::env::var_os("OUT_DIR").ok_or("OUT_DIR is not set")?;
    let out_dir = Path::new(&out_dir);
    std::fs::write(out_dir.join("next_release.rs"), generated.client)
        .and_then(|()| std::fs::write(out_dir.join("next_release_mock.rs"), generated.httpmock))
        .map_err(|e| e.to_string())
}

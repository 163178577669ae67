//! Generates the client from `openapi.json` (see `prepaid-codegen`).

fn main() -> std::process::ExitCode {
    codegen::build::generate_client()
}

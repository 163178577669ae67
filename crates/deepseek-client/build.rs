//! Generates the client from `openapi.json` (or the spec `DEEPSEEK_CLIENT_OPENAPI` names): see
//! `prepaid-codegen`'s `build` module.

fn main() -> std::process::ExitCode {
    codegen::build::generate_client()
}

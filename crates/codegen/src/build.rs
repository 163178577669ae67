//! What a client crate's `build.rs` runs: its whole build script is
//!
//! ```no_run
//! fn main() -> std::process::ExitCode {
//!     prepaid_codegen::build::generate_client()
//! }
//! ```

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use crate::{GenerateError, Generated, NormalizeError};

/// The file, beside the client's manifest, that its build script generates from.
pub const SPEC_FILE: &str = "openapi.json";

/// The file in `OUT_DIR` that holds the client (`include!`d by the client's `lib.rs`).
pub const CLIENT_FILE: &str = "client.rs";

/// The file in `OUT_DIR` that holds the typed httpmock helpers (the `mock` feature).
pub const MOCK_FILE: &str = "httpmock.rs";

/// The environment variable that names a spec to build `package` from instead of the one it
/// ships: `venice-client` reads `VENICE_CLIENT_OPENAPI`.
pub fn spec_variable(package: &str) -> String {
    let name: String = package
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_uppercase()
            } else {
                '_'
            }
        })
        .collect();
    format!("{name}_OPENAPI")
}

/// Why a build script could not generate its client.
#[derive(Debug)]
#[non_exhaustive]
pub enum BuildError {
    /// Cargo did not set a variable every build script has.
    Cargo(&'static str),
    /// The variable naming the spec holds a relative path (relative to what would be a
    /// guess: cargo runs build scripts in the package's own folder).
    RelativeSpecPath {
        /// The variable.
        variable: String,
        /// Its value.
        path: PathBuf,
    },
    /// The spec could not be read.
    Read {
        /// The spec file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The spec is not JSON.
    Json {
        /// The spec file.
        path: PathBuf,
        /// The parser's error, with its line and column.
        source: serde_json::Error,
    },
    /// The spec cannot be normalized for progenitor.
    Normalize {
        /// The spec file.
        path: PathBuf,
        /// What is wrong with it.
        source: NormalizeError,
    },
    /// progenitor cannot generate a client from it.
    Generate {
        /// The spec file.
        path: PathBuf,
        /// What went wrong.
        source: GenerateError,
    },
    /// A generated file could not be written.
    Write {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
}

impl std::fmt::Display for BuildError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Cargo(variable) => write!(f, "{variable} is not set: run this through cargo"),
            Self::RelativeSpecPath { variable, path } => write!(
                f,
                "{variable}={}: give the spec's absolute path",
                path.display()
            ),
            Self::Read { path, source } => write!(f, "{}: cannot read: {source}", path.display()),
            Self::Json { path, source } => {
                write!(f, "{}: not a JSON document: {source}", path.display())
            }
            Self::Normalize { path, source } => write!(f, "{}: {source}", path.display()),
            Self::Generate { path, source } => write!(f, "{}: {source}", path.display()),
            Self::Write { path, source } => {
                write!(f, "{}: cannot write: {source}", path.display())
            }
        }
    }
}

impl std::error::Error for BuildError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Cargo(_) | Self::RelativeSpecPath { .. } => None,
            Self::Read { source, .. } | Self::Write { source, .. } => Some(source),
            Self::Json { source, .. } => Some(source),
            Self::Normalize { source, .. } => Some(source),
            Self::Generate { source, .. } => Some(source),
        }
    }
}

/// A client crate's build script: generate `$OUT_DIR/client.rs` and `$OUT_DIR/httpmock.rs`
/// from the crate's [`SPEC_FILE`], or from the file the variable [`spec_variable`] names
/// (an absolute path to a JSON OpenAPI 3.0 or 3.1 document, normalized by the same rules as
/// `cargo xtask regen`). Cargo reruns it only when that file, that variable or the generator
/// changes. A failure is reported to cargo as an error naming the file; nothing panics.
pub fn generate_client() -> ExitCode {
    match generate_into_out_dir() {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            // One line: cargo reads each line a build script prints as its own directive.
            let message: Vec<String> = error.to_string().lines().map(str::to_string).collect();
            println!("cargo::error={}", message.join(" / "));
            ExitCode::FAILURE
        }
    }
}

fn generate_into_out_dir() -> Result<(), BuildError> {
    let package =
        std::env::var("CARGO_PKG_NAME").map_err(|_| BuildError::Cargo("CARGO_PKG_NAME"))?;
    let variable = spec_variable(&package);
    println!("cargo::rerun-if-env-changed={variable}");
    let spec = match std::env::var_os(&variable).filter(|value| !value.is_empty()) {
        Some(path) => {
            let path = PathBuf::from(path);
            if !path.is_absolute() {
                return Err(BuildError::RelativeSpecPath { variable, path });
            }
            path
        }
        None => {
            let dir = std::env::var_os("CARGO_MANIFEST_DIR")
                .ok_or(BuildError::Cargo("CARGO_MANIFEST_DIR"))?;
            Path::new(&dir).join(SPEC_FILE)
        }
    };
    println!("cargo::rerun-if-changed={}", spec.display());
    let generated = generate_from_file(&spec)?;
    let out_dir = std::env::var_os("OUT_DIR").ok_or(BuildError::Cargo("OUT_DIR"))?;
    let out_dir = Path::new(&out_dir);
    for (name, code) in [
        (CLIENT_FILE, &generated.client),
        (MOCK_FILE, &generated.httpmock),
    ] {
        let path = out_dir.join(name);
        std::fs::write(&path, code).map_err(|source| BuildError::Write { path, source })?;
    }
    Ok(())
}

/// Read the JSON OpenAPI document at `path`, normalize it and generate its client: what a
/// build script compiles, and what the regeneration snapshots hold.
pub fn generate_from_file(path: &Path) -> Result<Generated, BuildError> {
    let text = std::fs::read_to_string(path).map_err(|source| BuildError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let doc = serde_json::from_str(&text).map_err(|source| BuildError::Json {
        path: path.to_path_buf(),
        source,
    })?;
    let doc = crate::normalize(doc).map_err(|source| BuildError::Normalize {
        path: path.to_path_buf(),
        source,
    })?;
    crate::generate(&crate::to_canonical_json(&doc)).map_err(|source| BuildError::Generate {
        path: path.to_path_buf(),
        source,
    })
}

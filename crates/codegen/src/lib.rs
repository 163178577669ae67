#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

pub mod build;
pub mod generate;
pub mod manifest;
pub mod normalize;
#[cfg(feature = "maintainer")]
pub mod report;

#[cfg(feature = "maintainer")]
use std::path::Path;

pub use generate::{GenerateError, Generated, generate};
pub use manifest::Dependencies;
pub use normalize::{NormalizeError, normalize};
#[cfg(feature = "maintainer")]
pub use report::{Change, ChangeKind, ChangeReport, Severity};

/// The operations of an OpenAPI path item, in the order the specification lists them.
pub const HTTP_METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// Why a vendor spec could not be loaded, normalized or generated. Every variant names the file.
#[cfg(feature = "maintainer")]
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SpecError {
    /// The file could not be read.
    #[error("{path}: cannot read: {source}")]
    Read {
        /// The spec file.
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The file is not YAML (or JSON); the message carries the line and column.
    #[error("{path}: not valid YAML: {source}")]
    Yaml {
        /// The spec file.
        path: String,
        /// The parser's error, with its location.
        source: serde_yaml_ng::Error,
    },
    /// The document cannot be normalized into OpenAPI 3.0.
    #[error("{path}: {source}")]
    Normalize {
        /// The spec file.
        path: String,
        /// What is wrong with it.
        source: NormalizeError,
    },
    /// progenitor cannot generate a client from the normalized document.
    #[error("{path}: {source}")]
    Generate {
        /// The spec file.
        path: String,
        /// What progenitor said.
        source: GenerateError,
    },
}

/// Parse OpenAPI text (YAML or JSON, which is YAML too) into a JSON value, keeping key order.
#[cfg(feature = "maintainer")]
pub fn parse_spec(text: &str) -> Result<serde_json::Value, serde_yaml_ng::Error> {
    serde_yaml_ng::from_str(text)
}

/// The normalized document as the bytes checked in beside a client: pretty JSON, vendor key
/// order, one trailing newline. Same input, same bytes.
pub fn to_canonical_json(doc: &serde_json::Value) -> String {
    let mut text = serde_json::to_string_pretty(doc).unwrap_or_default();
    text.push('\n');
    text
}

/// A vendor spec taken through the whole pipeline, in memory.
#[cfg(feature = "maintainer")]
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Pipeline {
    /// The vendor text as read.
    pub source: String,
    /// The normalized document, as [`to_canonical_json`] writes it.
    pub normalized_json: String,
    /// What normalization repaired in the vendor's text, one sentence each.
    pub notes: Vec<String>,
    /// The Rust generated from it.
    pub generated: Generated,
}

/// Read, normalize and generate the spec at `path`, writing nothing.
#[cfg(feature = "maintainer")]
pub fn run_pipeline(path: &Path) -> Result<Pipeline, SpecError> {
    let name = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|source| SpecError::Read {
        path: name.clone(),
        source,
    })?;
    let doc = parse_spec(&text).map_err(|source| SpecError::Yaml {
        path: name.clone(),
        source,
    })?;
    let (doc, notes) =
        normalize::normalize_with_notes(doc).map_err(|source| SpecError::Normalize {
            path: name.clone(),
            source,
        })?;
    let normalized_json = to_canonical_json(&doc);
    let generated =
        generate(&normalized_json).map_err(|source| SpecError::Generate { path: name, source })?;
    Ok(Pipeline {
        source: text,
        normalized_json,
        notes,
        generated,
    })
}

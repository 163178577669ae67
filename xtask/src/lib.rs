//! The maintainer commands behind `cargo xtask`, as a library so they can be tested on a
//! copy of the tree.
#![forbid(unsafe_code)]

pub mod import;
pub mod report;

use std::fmt;
use std::path::{Path, PathBuf};
use std::process::Command;

use sha2::{Digest, Sha256};

pub use report::{Change, ChangeKind, ChangeReport, Severity};

/// A vendor: its spec under `specs/` and the client crate generated from it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Vendor {
    /// The folder name under `specs/`.
    pub name: &'static str,
    /// The client crate's folder under `crates/`.
    pub crate_dir: &'static str,
}

/// Every vendor, in the order `regen` processes them.
pub const VENDORS: [Vendor; 4] = [
    Vendor {
        name: "runcrate",
        crate_dir: "crates/runcrate-client",
    },
    Vendor {
        name: "ngrok-ai-gateway",
        crate_dir: "crates/ngrok-ai-gateway-client",
    },
    Vendor {
        name: "runtools",
        crate_dir: "crates/runtools-client",
    },
    Vendor {
        name: "venice",
        crate_dir: "crates/venice-client",
    },
];

impl Vendor {
    /// The vendor's OpenAPI text, relative to the project root.
    pub fn spec_path(&self) -> String {
        format!("specs/{}/openapi.yaml", self.name)
    }

    /// The normalized copy inside the client crate, relative to the project root.
    pub fn normalized_path(&self) -> String {
        format!("{}/openapi.json", self.crate_dir)
    }
}

/// The workspace root (this crate's parent folder).
pub fn project_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default()
}

/// Whether `regen` writes the normalized specs or only checks them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Rewrite every stale `openapi.json`.
    Write,
    /// Write nothing; fail if any `openapi.json` is stale.
    Check,
}

/// What `regen` does when a change would break users of a generated client (see
/// [`report`] for which changes are breaking).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum BreakingChanges {
    /// Report them (marked `BREAKING`) and go on.
    #[default]
    Allow,
    /// Report them and fail with [`RegenError::Breaking`] before anything is written.
    Deny,
}

/// Why `regen` failed. In every case nothing was written.
#[derive(Debug, thiserror::Error)]
pub enum RegenError {
    /// One or more specs could not be loaded, normalized or generated.
    #[error("{} spec(s) failed; nothing was written:\n{}", .0.len(), bullet_list(.0))]
    Specs(Vec<codegen::SpecError>),
    /// `--check`: these checked-in files are not what `regen` would write.
    #[error("stale, run `cargo xtask regen`:\n{}", bullet_list(.0))]
    Stale(Vec<String>),
    /// `--deny-breaking`: these vendors' specs have breaking changes (the report lists
    /// every change, breaking ones marked `BREAKING`).
    #[error(
        "{} breaking change(s) ({}) and --deny-breaking; nothing was written",
        .0.breaking_count(),
        .0.breaking_vendors().join(", ")
    )]
    Breaking(RegenReport),
    /// A file could not be written (those already renamed into place are listed).
    #[error("{path}: cannot write: {source}")]
    Write {
        /// The file.
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// `cargo xtask import` failed.
    #[error(transparent)]
    Import(#[from] import::ImportError),
    /// A cargo step after writing failed.
    #[error("`{0}` failed")]
    Cargo(String),
}

fn bullet_list(items: &[impl fmt::Display]) -> String {
    items.iter().map(|item| format!("  - {item}\n")).collect()
}

/// What `regen` found, per vendor.
#[derive(Debug, Default)]
pub struct RegenReport {
    /// `(vendor, changes)` for every vendor, in [`VENDORS`] order.
    pub vendors: Vec<(&'static str, ChangeReport)>,
}

impl RegenReport {
    /// How many changes, over every vendor, are breaking.
    pub fn breaking_count(&self) -> usize {
        self.vendors
            .iter()
            .map(|(_, changes)| changes.breaking().count())
            .sum()
    }

    /// The vendors with at least one breaking change, in [`VENDORS`] order.
    pub fn breaking_vendors(&self) -> Vec<&'static str> {
        self.vendors
            .iter()
            .filter(|(_, changes)| changes.is_breaking())
            .map(|(vendor, _)| *vendor)
            .collect()
    }
}

impl fmt::Display for RegenReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (vendor, changes) in &self.vendors {
            write!(f, "{vendor}: {changes}")?;
        }
        let breaking = self.breaking_count();
        if breaking > 0 {
            writeln!(
                f,
                "{breaking} BREAKING change(s) in {}",
                self.breaking_vendors().join(", ")
            )?;
        }
        Ok(())
    }
}

/// The normalized document plus where it came from: the spec's path and SHA-256, so that
/// any byte changed in the vendor text (a comment too) makes the checked-in copy stale.
fn with_provenance(normalized_json: &str, spec_path: &str, spec_bytes: &[u8]) -> String {
    let Ok(serde_json::Value::Object(mut doc)) = serde_json::from_str(normalized_json) else {
        return normalized_json.to_string();
    };
    let digest: String = Sha256::digest(spec_bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    doc.insert(
        "x-prepaid-source".into(),
        serde_json::json!({ "file": spec_path, "sha256": digest }),
    );
    codegen::to_canonical_json(&serde_json::Value::Object(doc))
}

/// Re-normalize every vendor spec under `root`, allowing breaking changes: see
/// [`regen_with`].
pub fn regen(root: &Path, mode: Mode) -> Result<RegenReport, RegenError> {
    regen_with(root, mode, BreakingChanges::Allow)
}

/// Re-normalize every vendor spec under `root`. Every spec is taken through the whole
/// pipeline in memory and compared with its checked-in normalized copy first; only if all
/// succeed (and, with [`BreakingChanges::Deny`], none has a breaking change) is anything
/// written, each file through a temporary file and a rename. In [`Mode::Check`] nothing is
/// written and stale files fail; with [`BreakingChanges::Deny`] too, breaking changes are
/// reported as [`RegenError::Breaking`] before staleness.
pub fn regen_with(
    root: &Path,
    mode: Mode,
    breaking: BreakingChanges,
) -> Result<RegenReport, RegenError> {
    let mut failures = Vec::new();
    let mut outputs = Vec::new();
    for vendor in VENDORS {
        let spec_path = root.join(vendor.spec_path());
        match codegen::run_pipeline(&spec_path) {
            Ok(pipeline) => {
                let text = with_provenance(
                    &pipeline.normalized_json,
                    &vendor.spec_path(),
                    pipeline.source.as_bytes(),
                );
                outputs.push((vendor, text));
            }
            Err(error) => failures.push(error),
        }
    }
    if !failures.is_empty() {
        return Err(RegenError::Specs(failures));
    }

    let mut report = RegenReport::default();
    let mut stale = Vec::new();
    let mut to_write = Vec::new();
    for (vendor, new_text) in outputs {
        let target = root.join(vendor.normalized_path());
        let old_text = std::fs::read_to_string(&target).ok();
        let old = old_text
            .as_deref()
            .and_then(|t| serde_json::from_str(t).ok());
        let new = serde_json::from_str(&new_text).unwrap_or_default();
        report
            .vendors
            .push((vendor.name, ChangeReport::between(old.as_ref(), &new)));
        if old_text.as_deref() != Some(new_text.as_str()) {
            stale.push(format!(
                "{} (from {})",
                vendor.normalized_path(),
                vendor.spec_path()
            ));
            to_write.push((target, new_text));
        }
    }
    if breaking == BreakingChanges::Deny && report.breaking_count() > 0 {
        return Err(RegenError::Breaking(report));
    }
    match mode {
        Mode::Check if !stale.is_empty() => Err(RegenError::Stale(stale)),
        Mode::Check => Ok(report),
        Mode::Write => {
            write_all_or_nothing(&to_write)?;
            Ok(report)
        }
    }
}

/// Write every file to a temporary beside it, then rename them all into place.
pub(crate) fn write_all_or_nothing(files: &[(PathBuf, String)]) -> Result<(), RegenError> {
    let mut temporaries = Vec::new();
    for (target, text) in files {
        let mut temporary = target.clone().into_os_string();
        temporary.push(".regen-tmp");
        let temporary = PathBuf::from(temporary);
        if let Err(source) = std::fs::write(&temporary, text) {
            temporaries.iter().for_each(|(t, _): &(PathBuf, &PathBuf)| {
                let _ = std::fs::remove_file(t);
            });
            let _ = std::fs::remove_file(&temporary);
            return Err(RegenError::Write {
                path: target.display().to_string(),
                source,
            });
        }
        temporaries.push((temporary, target));
    }
    for (temporary, target) in temporaries {
        std::fs::rename(&temporary, target).map_err(|source| RegenError::Write {
            path: target.display().to_string(),
            source,
        })?;
    }
    Ok(())
}

/// After [`regen`] wrote the specs: rebuild the clients and rewrite the regeneration
/// snapshots (normalized spec and generated code) with insta.
pub fn rebuild_and_update_snapshots(root: &Path) -> Result<(), RegenError> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string());
    let mut build = Command::new(&cargo);
    build.current_dir(root).arg("build");
    for vendor in VENDORS {
        build.args(["--package", &format!("{}-client", vendor.name)]);
    }
    run(build, "cargo build (clients)")?;
    let mut snapshots = Command::new(&cargo);
    snapshots
        .current_dir(root)
        .args([
            "test",
            "--package",
            "prepaid-tests",
            "--test",
            "regeneration",
        ])
        .env("INSTA_UPDATE", "always")
        .env("INSTA_FORCE_PASS", "1");
    run(
        snapshots,
        "cargo test --package prepaid-tests --test regeneration (INSTA_UPDATE=always)",
    )
}

fn run(mut command: Command, what: &str) -> Result<(), RegenError> {
    match command.status() {
        Ok(status) if status.success() => Ok(()),
        _ => Err(RegenError::Cargo(what.to_string())),
    }
}

//! The maintainer commands behind `cargo xtask`, as a library so they can be tested on a
//! copy of the tree.
#![forbid(unsafe_code)]

pub mod import;
pub mod scaffold;

use std::fmt;
use std::path::{Path, PathBuf};
use std::process::Command;

use sha2::{Digest, Sha256};

pub use codegen::{Change, ChangeKind, ChangeReport, Severity};

/// A vendor: its spec under `specs/` and the client crate generated from it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Vendor {
    /// The folder name under `specs/`, and the client crate's name without `-client`.
    pub name: String,
}

/// Every vendor of the tree at `root`, by name: each folder of `specs/` holding an
/// `openapi.yaml`. The folder is the registry: a vendor is added by its spec (and the client
/// crate [`scaffold::new_vendor`] makes for it), and named nowhere else here.
pub fn vendors(root: &Path) -> Result<Vec<Vendor>, RegenError> {
    let specs = root.join("specs");
    let entries = std::fs::read_dir(&specs).map_err(|source| RegenError::Read {
        path: specs.display().to_string(),
        source,
    })?;
    let mut vendors: Vec<Vendor> = entries
        .flatten()
        .filter(|entry| entry.path().join("openapi.yaml").is_file())
        .filter_map(|entry| entry.file_name().to_str().map(str::to_string))
        .map(|name| Vendor { name })
        .collect();
    vendors.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(vendors)
}

impl Vendor {
    /// The vendor called `name` (`venice`).
    pub fn named(name: &str) -> Self {
        Self {
            name: name.to_string(),
        }
    }

    /// The client crate's folder, relative to the project root.
    pub fn crate_dir(&self) -> String {
        format!("crates/{}-client", self.name)
    }

    /// The vendor's OpenAPI text, relative to the project root.
    pub fn spec_path(&self) -> String {
        format!("specs/{}/openapi.yaml", self.name)
    }

    /// The normalized copy inside the client crate, relative to the project root.
    pub fn normalized_path(&self) -> String {
        format!("{}/openapi.json", self.crate_dir())
    }

    /// The snapshot of the client its build script generates, relative to the project root:
    /// the one checked-in text of that code.
    pub fn client_snapshot_path(&self) -> String {
        format!("{SNAPSHOTS}/snapshots__{}-client.rs.snap", self.name)
    }

    /// The snapshot of its typed mocks (the client crate's feature `mock`), relative to the
    /// project root.
    pub fn mock_snapshot_path(&self) -> String {
        format!("{SNAPSHOTS}/snapshots__{}-httpmock.rs.snap", self.name)
    }

    /// The client crate's manifest, whose generated-code dependencies `regen` writes.
    pub fn manifest_path(&self) -> String {
        format!("{}/Cargo.toml", self.crate_dir())
    }

    /// The client crate's package name.
    pub fn package(&self) -> String {
        format!("{}-client", self.name)
    }
}

/// The workspace root, found at run time from the current directory: the nearest folder
/// with a `Cargo.toml` that declares a `[workspace]` and holds `specs/` and `xtask/`. A
/// binary built from another checkout therefore never works on the wrong tree.
pub fn project_root() -> Result<PathBuf, RegenError> {
    let here = std::env::current_dir()
        .map_err(|e| RegenError::NoWorkspace(format!("the current directory ({e})")))?;
    here.ancestors()
        .find(|dir| {
            dir.join("specs").is_dir()
                && dir.join("xtask").is_dir()
                && std::fs::read_to_string(dir.join("Cargo.toml"))
                    .is_ok_and(|text| text.lines().any(|line| line.trim() == "[workspace]"))
        })
        .map(Path::to_path_buf)
        .ok_or_else(|| RegenError::NoWorkspace(here.display().to_string()))
}

/// Whether `regen` writes the normalized specs, manifests and snapshots or only checks them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Rewrite every stale file.
    Write,
    /// Write nothing; fail if any file is stale.
    Check,
}

/// What `regen` does when a change would break users of a generated client (see
/// [`codegen::report`] for which changes are breaking).
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
    /// A file could not be read.
    #[error("{path}: cannot read: {source}")]
    Read {
        /// The file.
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A client's `Cargo.toml` has no block for the generated code's dependencies.
    #[error("{path}: {source}")]
    Manifest {
        /// The manifest.
        path: String,
        /// What is missing.
        source: codegen::manifest::MissingMarkers,
    },
    /// `cargo xtask import` failed.
    #[error(transparent)]
    Import(#[from] import::ImportError),
    /// No prepaid workspace above the current directory.
    #[error(
        "{0}: not inside the prepaid workspace (no Cargo.toml with [workspace], specs/ and xtask/ above it)"
    )]
    NoWorkspace(String),
    /// A regenerated client does not compile; every file was restored.
    #[error(
        "the regenerated {vendor} client does not compile; every file was restored.\n\
         `{command}` said first:\n{first_error}"
    )]
    Build {
        /// The vendor whose client failed.
        vendor: String,
        /// The command that was run.
        command: String,
        /// The compiler's first error, as it printed it.
        first_error: String,
    },
    /// `vendor new` refused the vendor before writing anything.
    #[error("{0}")]
    Scaffold(String),
    /// A step after writing failed; every file was restored.
    #[error("`{command}` failed; every file was restored. It said:\n{output}")]
    Step {
        /// The command that was run.
        command: String,
        /// The end of what it printed.
        output: String,
    },
}

fn bullet_list(items: &[impl fmt::Display]) -> String {
    items.iter().map(|item| format!("  - {item}\n")).collect()
}

/// What `regen` found for one vendor.
#[derive(Debug)]
pub struct VendorReport {
    /// The vendor.
    pub vendor: String,
    /// What changed in its normalized spec.
    pub changes: ChangeReport,
    /// What normalization repaired in the vendor's text (a duplicated enum value, ...).
    pub notes: Vec<String>,
}

/// What `regen` found, per vendor.
#[derive(Debug, Default)]
pub struct RegenReport {
    /// Every vendor, in [`vendors`] order.
    pub vendors: Vec<VendorReport>,
}

impl RegenReport {
    /// How many changes, over every vendor, are breaking.
    pub fn breaking_count(&self) -> usize {
        self.vendors
            .iter()
            .map(|v| v.changes.breaking().count())
            .sum()
    }

    /// The vendors with at least one breaking change, in [`vendors`] order.
    pub fn breaking_vendors(&self) -> Vec<&str> {
        self.vendors
            .iter()
            .filter(|v| v.changes.is_breaking())
            .map(|v| v.vendor.as_str())
            .collect()
    }
}

impl fmt::Display for RegenReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for vendor in &self.vendors {
            write!(f, "{}: {}", vendor.vendor, vendor.changes)?;
            for note in &vendor.notes {
                writeln!(f, "  normalized: {note}")?;
            }
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

/// A snapshot file as insta writes it for `tests/tests/snapshots.rs`: its header, then the
/// generated code (`expression` names what the test asserts).
fn snapshot_text(expression: &str, code: &str) -> String {
    format!(
        "---\nsource: tests/tests/snapshots.rs\nexpression: {expression}\n---\n{}\n",
        code.trim_end()
    )
}

/// The code a snapshot file holds (what insta compares), without its header.
fn snapshot_body(text: &str) -> Option<&str> {
    let rest = text.strip_prefix("---\n")?;
    let (_header, body) = rest.split_once("\n---\n")?;
    Some(body.trim_end())
}

/// Re-normalize every vendor spec under `root`, allowing breaking changes: see
/// [`regen_with`].
pub fn regen(root: &Path, mode: Mode) -> Result<RegenReport, RegenError> {
    regen_with(root, mode, BreakingChanges::Allow)
}

/// Re-normalize every vendor spec under `root` and bring each client's `openapi.json`, the
/// generated code's dependencies in its `Cargo.toml` and the snapshots of the code its build
/// script generates in step. Every spec is taken through
/// the whole pipeline in memory and compared with the checked-in files first; only if all
/// succeed (and, with [`BreakingChanges::Deny`], none has a breaking change) is anything
/// written, each file through a temporary file and a rename. In [`Mode::Check`] nothing is
/// written and stale files fail, naming the file (and, for a manifest, the dependency);
/// with [`BreakingChanges::Deny`] too, breaking changes are reported as
/// [`RegenError::Breaking`] before staleness. This writes files only: see
/// [`regen_and_rebuild`] for the build and snapshot steps.
pub fn regen_with(
    root: &Path,
    mode: Mode,
    breaking: BreakingChanges,
) -> Result<RegenReport, RegenError> {
    let (report, to_write, stale) = plan(root, breaking)?;
    match mode {
        Mode::Check if !stale.is_empty() => Err(RegenError::Stale(stale)),
        Mode::Check => Ok(report),
        Mode::Write => {
            write_all_or_nothing(&to_write)?;
            Ok(report)
        }
    }
}

/// Everything `regen` would write, and why each file is stale, computed in memory.
type Plan = (RegenReport, Vec<(PathBuf, String)>, Vec<String>);

fn plan(root: &Path, breaking: BreakingChanges) -> Result<Plan, RegenError> {
    let mut failures = Vec::new();
    let mut outputs = Vec::new();
    for vendor in vendors(root)? {
        let spec_path = root.join(vendor.spec_path());
        match codegen::run_pipeline(&spec_path) {
            Ok(pipeline) => outputs.push((vendor, pipeline)),
            Err(error) => failures.push(error),
        }
    }
    if !failures.is_empty() {
        return Err(RegenError::Specs(failures));
    }

    let mut report = RegenReport::default();
    let mut stale = Vec::new();
    let mut to_write = Vec::new();
    for (vendor, pipeline) in outputs {
        let new_text = with_provenance(
            &pipeline.normalized_json,
            &vendor.spec_path(),
            pipeline.source.as_bytes(),
        );
        let target = root.join(vendor.normalized_path());
        let old_text = std::fs::read_to_string(&target).ok();
        let old = old_text
            .as_deref()
            .and_then(|t| serde_json::from_str(t).ok());
        let new = serde_json::from_str(&new_text).unwrap_or_default();
        report.vendors.push(VendorReport {
            vendor: vendor.name.clone(),
            changes: ChangeReport::between(old.as_ref(), &new),
            notes: pipeline.notes,
        });
        if old_text.as_deref() != Some(new_text.as_str()) {
            stale.push(format!(
                "{} (from {})",
                vendor.normalized_path(),
                vendor.spec_path()
            ));
            to_write.push((target, new_text));
        }

        for (relative, expression, code) in [
            (
                vendor.client_snapshot_path(),
                "generated.client",
                &pipeline.generated.client,
            ),
            (
                vendor.mock_snapshot_path(),
                "generated.httpmock",
                &pipeline.generated.httpmock,
            ),
        ] {
            let target = root.join(&relative);
            let stored = std::fs::read_to_string(&target).ok();
            if stored.as_deref().and_then(snapshot_body) != Some(code.trim_end()) {
                stale.push(format!(
                    "{relative} (the code generated from {})",
                    vendor.normalized_path()
                ));
                to_write.push((target, snapshot_text(expression, code)));
            }
        }

        let manifest = root.join(vendor.manifest_path());
        let manifest_error = |source| RegenError::Manifest {
            path: vendor.manifest_path(),
            source,
        };
        let text = std::fs::read_to_string(&manifest).map_err(|source| RegenError::Read {
            path: vendor.manifest_path(),
            source,
        })?;
        let dependencies = &pipeline.generated.dependencies;
        let drift = codegen::manifest::drift(&text, dependencies).map_err(manifest_error)?;
        if !drift.is_empty() {
            stale.push(format!(
                "{} (the generated code of {}): {}",
                vendor.manifest_path(),
                vendor.package(),
                drift.join(", ")
            ));
            let updated = codegen::manifest::with_dependencies(&text, dependencies)
                .map_err(manifest_error)?;
            to_write.push((manifest, updated));
        }
    }
    if breaking == BreakingChanges::Deny && report.breaking_count() > 0 {
        return Err(RegenError::Breaking(report));
    }
    Ok((report, to_write, stale))
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

/// How [`regen_and_rebuild`] runs cargo after writing.
#[derive(Debug, Clone, Default)]
pub struct Rebuild {
    /// `CARGO_TARGET_DIR` for the builds (the workspace's own `target/` if `None`).
    pub target_dir: Option<PathBuf>,
    /// Build from the local registry cache only (`--offline`).
    pub offline: bool,
    /// After the clients build, run the snapshot test: the code each build script generated
    /// is the code of the snapshots just written.
    pub snapshots: bool,
}

/// The folder of the regeneration snapshots, relative to the project root.
pub const SNAPSHOTS: &str = "tests/tests/snapshots";

/// `cargo xtask regen`: [`regen_with`] in [`Mode::Write`] (the normalized specs, the
/// manifests and the snapshots), then build every client through its build script (default
/// features and `mock`) and, with [`Rebuild::snapshots`], run the snapshot test. If any step
/// fails, every file regen or cargo wrote (the normalized specs, the manifests, `Cargo.lock`,
/// the snapshots) is put back as it was, and the error carries that step's own message: for a
/// build, the vendor and the compiler's first error.
pub fn regen_and_rebuild(
    root: &Path,
    breaking: BreakingChanges,
    rebuild: &Rebuild,
) -> Result<RegenReport, RegenError> {
    let mut watched: Vec<PathBuf> = vec![root.join("Cargo.lock")];
    let vendors = vendors(root)?;
    for vendor in &vendors {
        watched.push(root.join(vendor.normalized_path()));
        watched.push(root.join(vendor.manifest_path()));
    }
    let backup = Backup::take(&watched, &root.join(SNAPSHOTS))?;
    let result = (|| {
        let report = regen_with(root, Mode::Write, breaking)?;
        for vendor in &vendors {
            build_client(root, vendor, rebuild)?;
        }
        if rebuild.snapshots {
            check_snapshots(root, rebuild)?;
        }
        Ok(report)
    })();
    if result.is_err() {
        backup.restore()?;
    }
    result
}

/// A cargo command in `root` with the rebuild's settings.
fn cargo(root: &Path, rebuild: &Rebuild, args: &[&str]) -> Command {
    let program = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string());
    let mut command = Command::new(program);
    command.current_dir(root).args(args);
    if rebuild.offline {
        command.arg("--offline");
    }
    if let Some(dir) = &rebuild.target_dir {
        command.env("CARGO_TARGET_DIR", dir);
    }
    command
}

/// Run `command` to the end, capturing what it prints; a command that cannot start is a
/// failed step.
fn output_of(mut command: Command, command_line: &str) -> Result<std::process::Output, RegenError> {
    command.output().map_err(|e| RegenError::Step {
        command: command_line.to_string(),
        output: e.to_string(),
    })
}

fn build_client(root: &Path, vendor: &Vendor, rebuild: &Rebuild) -> Result<(), RegenError> {
    let package = vendor.package();
    let args = [
        "build",
        "--package",
        &package,
        "--features",
        "mock",
        "--message-format",
        "short",
    ];
    let command_line = format!("cargo {}", args.join(" "));
    let output = output_of(cargo(root, rebuild, &args), &command_line)?;
    if output.status.success() {
        return Ok(());
    }
    Err(RegenError::Build {
        vendor: vendor.name.clone(),
        command: command_line,
        first_error: first_error(&String::from_utf8_lossy(&output.stderr)),
    })
}

/// The first error cargo printed (with `--message-format short`, one line per
/// diagnostic), or the end of its output if no line says `error`.
pub fn first_error(stderr: &str) -> String {
    stderr
        .lines()
        .find(|line| line.contains("error:") || line.contains("error["))
        .map(str::to_string)
        .unwrap_or_else(|| tail(stderr))
}

/// The last lines of `text`, which say why a command failed.
fn tail(text: &str) -> String {
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(30)..].join("\n")
}

fn check_snapshots(root: &Path, rebuild: &Rebuild) -> Result<(), RegenError> {
    let args = ["test", "--package", "prepaid-tests", "--test", "snapshots"];
    let command_line = format!("cargo {}", args.join(" "));
    let mut command = cargo(root, rebuild, &args);
    // Compare only: a difference fails the step, and nothing is written beside the snapshots.
    command.env("INSTA_UPDATE", "no");
    let output = output_of(command, &command_line)?;
    if output.status.success() {
        return Ok(());
    }
    let mut printed = String::from_utf8_lossy(&output.stderr).into_owned();
    printed.push_str(&String::from_utf8_lossy(&output.stdout));
    Err(RegenError::Step {
        command: command_line,
        output: tail(&printed),
    })
}

/// The bytes of some files (`None`: absent) and of every file in one folder, to put back.
struct Backup {
    files: Vec<(PathBuf, Option<Vec<u8>>)>,
    folder: PathBuf,
    folder_files: Vec<(PathBuf, Vec<u8>)>,
}

impl Backup {
    fn take(files: &[PathBuf], folder: &Path) -> Result<Self, RegenError> {
        let read_error = |path: &Path, source| RegenError::Read {
            path: path.display().to_string(),
            source,
        };
        let files = files
            .iter()
            .map(|path| (path.clone(), std::fs::read(path).ok()))
            .collect();
        let mut folder_files = Vec::new();
        if let Ok(entries) = std::fs::read_dir(folder) {
            for entry in entries.flatten() {
                let path = entry.path();
                if path.is_file() {
                    let bytes = std::fs::read(&path).map_err(|e| read_error(&path, e))?;
                    folder_files.push((path, bytes));
                }
            }
        }
        Ok(Self {
            files,
            folder: folder.to_path_buf(),
            folder_files,
        })
    }

    /// Put every file back and remove those that were not there.
    fn restore(&self) -> Result<(), RegenError> {
        let write_error = |path: &Path, source| RegenError::Write {
            path: path.display().to_string(),
            source,
        };
        // Only files that differ are written, so cargo sees no change in the others.
        let put_back = |path: &Path, bytes: &[u8]| match std::fs::read(path) {
            Ok(now) if now == bytes => Ok(()),
            _ => std::fs::write(path, bytes).map_err(|e| write_error(path, e)),
        };
        for (path, bytes) in &self.files {
            match bytes {
                Some(bytes) => put_back(path, bytes)?,
                None => {
                    let _ = std::fs::remove_file(path);
                }
            }
        }
        if let Ok(entries) = std::fs::read_dir(&self.folder) {
            for entry in entries.flatten() {
                let path = entry.path();
                if path.is_file() && !self.folder_files.iter().any(|(kept, _)| *kept == path) {
                    std::fs::remove_file(&path).map_err(|e| write_error(&path, e))?;
                }
            }
        }
        for (path, bytes) in &self.folder_files {
            put_back(path, bytes)?;
        }
        Ok(())
    }
}

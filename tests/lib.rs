//! Workspace-level tests live in `tests/`; this library holds what they share: copies of
//! the tree to run `cargo xtask` commands on, and a way to compare trees byte for byte.
#![forbid(unsafe_code)]

use std::path::{Path, PathBuf};

/// The workspace this crate belongs to.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default()
}

/// A copy of the whole workspace (everything but `target/`, `.git/` and `fuzz/`), for
/// `regen` and `import` to write to and cargo to build, as a maintainer's checkout.
pub fn copy_of_workspace() -> std::io::Result<tempfile::TempDir> {
    let dir = tempfile::tempdir()?;
    copy_workspace_into(dir.path())?;
    Ok(dir)
}

/// [`copy_of_workspace`] into `dir`, emptied first: for a copy that outlives a test (one
/// shared by several), kept under `target/` rather than left in the temporary folder. Not
/// inside the target folder cargo builds into: cargo records the sources of a build inside
/// it relative to it, and would then check another copy's sources for freshness.
pub fn copy_workspace_into(dir: &Path) -> std::io::Result<()> {
    if dir.exists() {
        std::fs::remove_dir_all(dir)?;
    }
    std::fs::create_dir_all(dir)?;
    for entry in std::fs::read_dir(root())? {
        let entry = entry?;
        let name = entry.file_name();
        if ["target", ".git", "fuzz"].iter().any(|skip| name == *skip) {
            continue;
        }
        copy(&entry.path(), &dir.join(&name))?;
    }
    Ok(())
}

/// Copy a file, or a folder and everything in it (a symbolic link as what it points to).
pub fn copy(from: &Path, to: &Path) -> std::io::Result<()> {
    if from.is_dir() {
        std::fs::create_dir_all(to)?;
        for entry in std::fs::read_dir(from)? {
            let entry = entry?;
            copy(&entry.path(), &to.join(entry.file_name()))?;
        }
        Ok(())
    } else {
        std::fs::copy(from, to).map(|_| ())
    }
}

/// Every file under `dir` (path relative to `dir`, and bytes), sorted: equal snapshots mean
/// no file was changed, added or removed.
pub fn snapshot(dir: &Path) -> std::io::Result<Vec<(PathBuf, Vec<u8>)>> {
    let mut files = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(folder) = pending.pop() {
        for entry in std::fs::read_dir(&folder)? {
            let path = entry?.path();
            if path.is_dir() {
                pending.push(path);
            } else {
                let bytes = std::fs::read(&path)?;
                let relative = path.strip_prefix(dir).unwrap_or(&path).to_path_buf();
                files.push((relative, bytes));
            }
        }
    }
    files.sort();
    Ok(files)
}

/// The paths that differ between two snapshots, for a readable failure.
pub fn differences(before: &[(PathBuf, Vec<u8>)], after: &[(PathBuf, Vec<u8>)]) -> Vec<PathBuf> {
    let mut paths: Vec<PathBuf> = before
        .iter()
        .filter(|file| !after.contains(file))
        .chain(after.iter().filter(|file| !before.contains(file)))
        .map(|(path, _)| path.clone())
        .collect();
    paths.sort();
    paths.dedup();
    paths
}

/// The right to build a copied tree into the copies' shared target folder, held for as long
/// as a test builds and looks at what was built.
///
/// Every copy builds into one target folder, so dependencies compile once. Cargo names a
/// workspace member's build by its path *inside* the workspace, so all copies share those
/// units, and it takes a unit as fresh when no source is newer than its last build: a copy
/// made before another copy was built would be given that other copy's build. So builds
/// take turns, and each turn first marks its copy's files as just written.
pub struct Turn(#[allow(dead_code)] std::sync::MutexGuard<'static, ()>);

/// Wait for the turn to build `tree`, then mark its files as just written.
pub fn take_turn(tree: &Path) -> std::io::Result<Turn> {
    static TURN: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let turn = Turn(
        TURN.lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner),
    );
    touch_all(tree)?;
    Ok(turn)
}

/// Where copies build: the workspace's `target/regen-trees`.
pub fn copies_target_dir() -> PathBuf {
    root().join("target").join("regen-trees")
}

/// `cargo xtask regen` (with its build step, offline, without the snapshot test) on a
/// copied tree, as a maintainer would run it, in its own turn.
pub fn regen_and_rebuild_copy(
    tree: &Path,
    breaking: xtask::BreakingChanges,
) -> Result<xtask::RegenReport, xtask::RegenError> {
    let turn = take_turn(tree).map_err(|source| xtask::RegenError::Write {
        path: tree.display().to_string(),
        source,
    })?;
    regen_and_rebuild_during(&turn, tree, breaking)
}

/// [`regen_and_rebuild_copy`] during a turn the caller holds.
pub fn regen_and_rebuild_during(
    _turn: &Turn,
    tree: &Path,
    breaking: xtask::BreakingChanges,
) -> Result<xtask::RegenReport, xtask::RegenError> {
    let rebuild = xtask::Rebuild {
        target_dir: Some(copies_target_dir()),
        offline: true,
        snapshots: false,
    };
    xtask::regen_and_rebuild(tree, breaking, &rebuild)
}

/// `cargo ARGS --offline` in a copied tree (or a crate of a test's own), building into
/// [`copies_target_dir`], during a turn the caller holds: the command, to run.
pub fn cargo_during(_turn: &Turn, tree: &Path, args: &[&str]) -> std::process::Command {
    let program = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string());
    let mut command = std::process::Command::new(program);
    command
        .current_dir(tree)
        .args(args)
        .arg("--offline")
        .env("CARGO_TARGET_DIR", copies_target_dir());
    command
}

/// Set the modification time of every file under `dir` to now.
fn touch_all(dir: &Path) -> std::io::Result<()> {
    let now = std::time::SystemTime::now();
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            touch_all(&path)?;
        } else {
            std::fs::File::options()
                .append(true)
                .open(&path)?
                .set_modified(now)?;
        }
    }
    Ok(())
}

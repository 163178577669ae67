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
/// shared by several), kept under `target/` rather than left in the temporary folder.
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

/// How tests rebuild a copied tree: offline (nothing reaches the internet), into one target
/// folder shared by every copy so dependencies compile once, without the snapshot step.
pub fn offline_rebuild() -> xtask::Rebuild {
    xtask::Rebuild {
        target_dir: Some(root().join("target").join("regen-trees")),
        offline: true,
        snapshots: false,
    }
}

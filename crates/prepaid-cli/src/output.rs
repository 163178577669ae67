//! `--output FILE`: the output written whole or not at all, for node_exporter's textfile
//! collector, which may read a `*.prom` file at any moment.

use std::io::Write as _;
use std::path::Path;

/// Write `text` to `path` so that a reader sees the old file or the new one, never a part:
/// a temporary file in the same folder (`.NAME.XXXXXX.tmp`, which node_exporter's `*.prom`
/// does not match), flushed to disk, mode 0644, renamed over `path`. On any failure the old
/// file is left as it was and the temporary file is removed.
pub fn write_atomically(path: &Path, text: &[u8]) -> Result<(), String> {
    let shown = path.display();
    let name = path
        .file_name()
        .ok_or_else(|| format!("--output {shown}: not a file name"))?;
    let folder = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    let fail = |what: &str, error: std::io::Error| format!("--output {shown}: {what}: {error}");
    let (prefix, suffix) = temporary_name(name);
    let mut file = tempfile::Builder::new()
        .prefix(&prefix)
        .suffix(suffix)
        .tempfile_in(folder)
        .map_err(|e| fail("cannot create a temporary file beside it", e))?;
    file.write_all(text)
        .and_then(|()| file.as_file().sync_all())
        .map_err(|e| fail("cannot write", e))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        file.as_file()
            .set_permissions(std::fs::Permissions::from_mode(0o644))
            .map_err(|e| fail("cannot make it readable (0644)", e))?;
    }
    file.persist(path)
        .map_err(|e| fail("cannot rename the temporary file into place", e.error))?;
    // The rename itself reaches the disk with the folder's entry.
    if let Ok(folder) = std::fs::File::open(folder) {
        let _ = folder.sync_all();
    }
    Ok(())
}

/// The temporary file's name around its random part: `.NAME.` and `.tmp`, so it is hidden and
/// no `*.prom` (or `*.json`) glob matches it.
fn temporary_name(name: &std::ffi::OsStr) -> (String, &'static str) {
    (format!(".{}.", name.to_string_lossy()), ".tmp")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reader_sees_the_old_file_or_the_new_one_never_a_part() -> Result<(), String> {
        let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
        let path = dir.path().join("prepaid.prom");
        // Two versions large enough that a plain write would be seen half done.
        let versions = ["a".repeat(1 << 20), "b".repeat(1 << 20)];
        write_atomically(&path, versions[0].as_bytes())?;
        let stop = std::sync::atomic::AtomicBool::new(false);
        std::thread::scope(|scope| {
            let reader = scope.spawn(|| {
                let mut reads = 0;
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    let text = std::fs::read_to_string(&path).unwrap_or_default();
                    assert!(versions.contains(&text), "a read of {} bytes", text.len());
                    reads += 1;
                }
                reads
            });
            for round in 0..50 {
                write_atomically(&path, versions[round % 2].as_bytes())?;
            }
            stop.store(true, std::sync::atomic::Ordering::Relaxed);
            let reads = reader.join().map_err(|_| "the reader saw a partial file")?;
            assert!(reads > 0);
            Ok::<(), String>(())
        })?;
        // Only the file itself is left: every temporary file was renamed into place.
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .map_err(|e| e.to_string())?
            .flatten()
            .map(|e| e.file_name())
            .collect();
        assert_eq!(names, ["prepaid.prom"]);
        Ok(())
    }

    #[test]
    fn the_temporary_name_is_not_a_prom_file() -> Result<(), String> {
        let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
        let path = dir.path().join("prepaid.prom");
        // A folder named like the temporary file's pattern cannot be renamed over: the
        // write fails, and the temporary file it made is gone.
        std::fs::create_dir(&path).map_err(|e| e.to_string())?;
        let error = write_atomically(&path, b"new").err().unwrap_or_default();
        assert!(error.contains("cannot rename"), "{error}");
        let names: Vec<String> = std::fs::read_dir(dir.path())
            .map_err(|e| e.to_string())?
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, ["prepaid.prom"]);
        // What the temporary file is called: hidden, and not matched by `*.prom`.
        let (prefix, suffix) = temporary_name(std::ffi::OsStr::new("prepaid.prom"));
        let name = format!("{prefix}a1B2c3{suffix}");
        assert_eq!(name, ".prepaid.prom.a1B2c3.tmp");
        Ok(())
    }
}

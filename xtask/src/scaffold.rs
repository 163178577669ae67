//! `cargo xtask vendor new NAME --spec FILE`: a new vendor from its spec. It writes what
//! follows from the spec (the spec under `specs/`, the client crate from the templates in
//! `xtask/templates/client/`, the crate's lines in the workspace manifest), then runs
//! [`regen_and_rebuild`](crate::regen_and_rebuild), which normalizes the spec, writes the
//! snapshots and the generated code's dependencies, and builds the client. If any step
//! fails, the tree is left as it was.

use std::path::{Path, PathBuf};

use crate::{BreakingChanges, Rebuild, RegenError, RegenReport, Vendor};

/// The client crate's files, from the templates: (path in the crate, template).
const TEMPLATES: [(&str, &str); 4] = [
    (
        "Cargo.toml",
        include_str!("../templates/client/Cargo.toml.in"),
    ),
    ("build.rs", include_str!("../templates/client/build.rs.in")),
    ("src/lib.rs", include_str!("../templates/client/lib.rs.in")),
    (
        "README.md",
        include_str!("../templates/client/README.md.in"),
    ),
];

/// `template` with the vendor's names: `@name@` (`acme`), `@crate@` (`acme_client`),
/// `@ENV@` (`ACME_CLIENT`, the prefix of its build script's variable) and `@title@` (the
/// spec's `info.title`).
pub fn fill(template: &str, name: &str, title: &str) -> String {
    let package = format!("{name}-client");
    template
        .replace("@name@", name)
        .replace("@crate@", &package.replace('-', "_"))
        .replace("@ENV@", &package.replace('-', "_").to_uppercase())
        .replace("@title@", title)
}

/// The file of `vendor`'s client crate made from `template` (see [`TEMPLATES`]), as the
/// scaffold writes it: what a test compares each client with.
pub fn expected_file(vendor: &Vendor, file: &str, title: &str) -> Option<String> {
    TEMPLATES
        .iter()
        .find(|(path, _)| *path == file)
        .map(|(_, template)| fill(template, &vendor.name, title))
}

/// Whether `name` can name a vendor: lower-case ASCII letters, digits and single hyphens,
/// starting with a letter (it becomes a folder, a crate name and a cargo feature).
fn valid_name(name: &str) -> bool {
    name.starts_with(|c: char| c.is_ascii_lowercase())
        && !name.ends_with('-')
        && !name.contains("--")
        && name.len() <= 40
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

/// `cargo xtask vendor new NAME --spec FILE` on the tree at `root`: see the module
/// documentation. The spec is checked (loaded, normalized, generated) before anything is
/// written.
pub fn new_vendor(
    root: &Path,
    name: &str,
    spec: &Path,
    rebuild: &Rebuild,
) -> Result<RegenReport, RegenError> {
    let refused = |why: String| RegenError::Scaffold(why);
    if !valid_name(name) {
        return Err(refused(format!(
            "`{name}` cannot name a vendor: use lower-case letters, digits and single hyphens, starting with a letter"
        )));
    }
    let vendor = Vendor::named(name);
    for taken in [vendor.spec_path(), vendor.crate_dir()] {
        if root.join(&taken).exists() {
            return Err(refused(format!("{taken} exists already")));
        }
    }
    let text = std::fs::read_to_string(spec).map_err(|source| RegenError::Read {
        path: spec.display().to_string(),
        source,
    })?;
    let pipeline = codegen::run_pipeline(spec).map_err(|error| RegenError::Specs(vec![error]))?;
    let title = serde_json::from_str::<serde_json::Value>(&pipeline.normalized_json)
        .ok()
        .and_then(|doc| doc["info"]["title"].as_str().map(|t| t.trim().to_string()))
        .unwrap_or_else(|| name.to_string());

    let manifest_path = root.join("Cargo.toml");
    let manifest = std::fs::read_to_string(&manifest_path).map_err(|source| RegenError::Read {
        path: "Cargo.toml".into(),
        source,
    })?;
    let with_crate = workspace_with(&manifest, &vendor).map_err(refused)?;

    let crate_dir = root.join(vendor.crate_dir());
    let spec_dir = root.join("specs").join(name);
    let result = (|| {
        let mut files: Vec<(PathBuf, String)> = vec![(spec_dir.join("openapi.yaml"), text)];
        for (path, template) in TEMPLATES {
            files.push((crate_dir.join(path), fill(template, name, &title)));
        }
        for (path, contents) in &files {
            if let Some(folder) = path.parent() {
                std::fs::create_dir_all(folder).map_err(|source| RegenError::Write {
                    path: folder.display().to_string(),
                    source,
                })?;
            }
            std::fs::write(path, contents).map_err(|source| RegenError::Write {
                path: path.display().to_string(),
                source,
            })?;
        }
        for license in ["LICENSE-APACHE", "LICENSE-MIT"] {
            link_license(root, &crate_dir, license).map_err(|source| RegenError::Write {
                path: crate_dir.join(license).display().to_string(),
                source,
            })?;
        }
        crate::write_all_or_nothing(&[(manifest_path.clone(), with_crate)])?;
        crate::regen_and_rebuild(root, BreakingChanges::Allow, rebuild)
    })();
    if result.is_err() {
        // regen_and_rebuild restores what it wrote; what the scaffold added goes too.
        let _ = std::fs::remove_dir_all(&crate_dir);
        let _ = std::fs::remove_dir_all(&spec_dir);
        std::fs::write(&manifest_path, &manifest).map_err(|source| RegenError::Write {
            path: "Cargo.toml".into(),
            source,
        })?;
    }
    result
}

/// The workspace's `license` file in the crate, as every client has it: a link to the one
/// copy at the root (a copy where links are not available).
fn link_license(root: &Path, crate_dir: &Path, license: &str) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        let _ = root;
        std::os::unix::fs::symlink(Path::new("../..").join(license), crate_dir.join(license))
    }
    #[cfg(not(unix))]
    {
        std::fs::copy(root.join(license), crate_dir.join(license)).map(|_| ())
    }
}

/// The workspace manifest `manifest` with `vendor`'s client crate added: a member after the
/// last client's, and a `[workspace.dependencies]` line after the last client's (with the
/// workspace's version).
fn workspace_with(manifest: &str, vendor: &Vendor) -> Result<String, String> {
    let version = manifest
        .lines()
        .find_map(|line| {
            line.strip_prefix("version = \"")
                .and_then(|rest| rest.strip_suffix('"'))
        })
        .ok_or("the workspace Cargo.toml has no `version = \"...\"` line")?;
    let crate_dir = vendor.crate_dir();
    let member = format!("    \"{crate_dir}\",");
    let dependency = format!(
        "{} = {{ path = \"{crate_dir}\", version = \"{version}\", default-features = false }}",
        vendor.package()
    );
    let mut lines: Vec<String> = manifest.lines().map(str::to_string).collect();
    let last = |lines: &[String], wanted: &dyn Fn(&str) -> bool| {
        lines.iter().rposition(|line| wanted(line))
    };
    let members = last(&lines, &|l| {
        l.starts_with("    \"crates/") && l.ends_with("-client\",")
    })
    .ok_or("the workspace Cargo.toml lists no client crate among its members")?;
    lines.insert(members + 1, member);
    let dependencies = last(&lines, &|l| {
        l.contains("-client = { path = \"crates/") && !l.starts_with('#')
    })
    .ok_or("the workspace Cargo.toml has no client crate in [workspace.dependencies]")?;
    lines.insert(dependencies + 1, dependency);
    Ok(lines.join("\n") + "\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_that_cannot_be_a_crate_or_a_feature_are_refused() {
        for good in ["acme", "acme-ai", "a1"] {
            assert!(valid_name(good), "{good}");
        }
        for bad in [
            "", "Acme", "1acme", "acme-", "ac--me", "acme_ai", "../x", "acme ai",
        ] {
            assert!(!valid_name(bad), "{bad}");
        }
    }

    #[test]
    fn the_crate_is_added_after_the_last_client_in_both_lists() {
        let manifest = "[workspace]\nmembers = [\n    \"crates/a-client\",\n    \"xtask\",\n]\n\n[workspace.package]\nversion = \"0.2.0\"\n\n[workspace.dependencies]\na-client = { path = \"crates/a-client\", version = \"0.2.0\", default-features = false }\nprepaid = { path = \"crates/prepaid\" }\n";
        let updated = workspace_with(manifest, &Vendor::named("acme")).unwrap_or_default();
        assert!(
            updated
                .contains("    \"crates/a-client\",\n    \"crates/acme-client\",\n    \"xtask\","),
            "{updated}"
        );
        assert!(updated.contains("acme-client = { path = \"crates/acme-client\", version = \"0.2.0\", default-features = false }\nprepaid"), "{updated}");
        assert!(workspace_with("[workspace]\n", &Vendor::named("acme")).is_err());
    }

    #[test]
    fn templates_take_the_vendors_names() {
        let filled = fill(
            "@name@ @crate@ @ENV@_OPENAPI @title@",
            "acme-ai",
            "Acme API",
        );
        assert_eq!(
            filled,
            "acme-ai acme_ai_client ACME_AI_CLIENT_OPENAPI Acme API"
        );
    }
}

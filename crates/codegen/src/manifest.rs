//! The crates a generated client needs, and the block of its `Cargo.toml` that lists them.
//!
//! Every client depends on the same few crates (the runtime, progenitor's client, reqwest,
//! serde, serde_json); those are written by hand. What else its code needs depends on the
//! spec: a `format: date-time` needs chrono, a `format: uuid` uuid, a `pattern` regress, and
//! schemars needs the matching features to derive `JsonSchema` for them. `cargo xtask regen`
//! writes those between two marker lines at the end of `[dependencies]`.

use std::fmt;

/// The crates the generated code needs beyond those every client has.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct Dependencies {
    /// `chrono` (`format: date` or `date-time`).
    pub chrono: bool,
    /// `uuid` (`format: uuid`).
    pub uuid: bool,
    /// `regress` (a string `pattern`).
    pub regress: bool,
    /// `futures` (paginated operations' streams).
    pub futures: bool,
}

/// The first line of the block `regen` writes.
pub const BEGIN: &str =
    "# BEGIN dependencies of the generated code: written by `cargo xtask regen`, do not edit";
/// The last line of the block `regen` writes.
pub const END: &str = "# END dependencies of the generated code";

impl Dependencies {
    /// The block's lines, in a fixed order: schemars, with the features the generated types
    /// need, then each crate the code uses.
    pub fn lines(&self) -> Vec<String> {
        let schemars_features: Vec<&str> = [(self.chrono, "\"chrono\""), (self.uuid, "\"uuid1\"")]
            .into_iter()
            .filter_map(|(needed, feature)| needed.then_some(feature))
            .collect();
        let mut lines = vec![if schemars_features.is_empty() {
            "schemars = \"0.8\"".to_string()
        } else {
            format!(
                "schemars = {{ version = \"0.8\", features = [{}] }}",
                schemars_features.join(", ")
            )
        }];
        let optional = [
            (
                self.chrono,
                "chrono = { version = \"0.4\", default-features = false, features = [\"serde\", \"std\"] }",
            ),
            (
                self.uuid,
                "uuid = { version = \"1\", default-features = false, features = [\"serde\", \"std\"] }",
            ),
            (self.regress, "regress = \"0.10\""),
            (
                self.futures,
                "futures = { version = \"0.3\", default-features = false, features = [\"std\"] }",
            ),
        ];
        lines.extend(
            optional
                .into_iter()
                .filter(|(needed, _)| *needed)
                .map(|(_, line)| line.to_string()),
        );
        lines
    }
}

/// A `Cargo.toml` without the marker lines, or with them out of order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MissingMarkers;

impl fmt::Display for MissingMarkers {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "no block for the generated code's dependencies: add the lines `{BEGIN}` and \
             `{END}` at the end of [dependencies]"
        )
    }
}

impl std::error::Error for MissingMarkers {}

/// The lines between the markers of `manifest`, and where the block starts and ends (byte
/// offsets of the first line after `BEGIN` and of the `END` line).
fn block(manifest: &str) -> Result<(usize, usize), MissingMarkers> {
    let mut offset = 0;
    let mut start = None;
    for line in manifest.split_inclusive('\n') {
        let trimmed = line.trim_end();
        if trimmed == BEGIN && start.is_none() {
            start = Some(offset + line.len());
        } else if trimmed == END {
            return start.map(|start| (start, offset)).ok_or(MissingMarkers);
        }
        offset += line.len();
    }
    Err(MissingMarkers)
}

/// `manifest` with the block between its markers replaced by `dependencies`' lines; every
/// other byte is kept.
pub fn with_dependencies(
    manifest: &str,
    dependencies: &Dependencies,
) -> Result<String, MissingMarkers> {
    let (start, end) = block(manifest)?;
    let mut text = manifest[..start].to_string();
    for line in dependencies.lines() {
        text.push_str(&line);
        text.push('\n');
    }
    text.push_str(&manifest[end..]);
    Ok(text)
}

/// How the block in `manifest` differs from what `dependencies` needs, one entry per crate:
/// `needs chrono = ...` for a line that is missing or different, `does not need uuid` for
/// one that should go.
pub fn drift(manifest: &str, dependencies: &Dependencies) -> Result<Vec<String>, MissingMarkers> {
    let (start, end) = block(manifest)?;
    let present: Vec<&str> = manifest[start..end].lines().map(str::trim).collect();
    let wanted = dependencies.lines();
    let name = |line: &str| {
        line.split('=')
            .next()
            .unwrap_or_default()
            .trim()
            .to_string()
    };
    let mut drift: Vec<String> = wanted
        .iter()
        .filter(|line| !present.contains(&line.as_str()))
        .map(|line| format!("needs `{line}`"))
        .collect();
    drift.extend(
        present
            .iter()
            .filter(|line| !line.is_empty() && !wanted.iter().any(|w| name(w) == name(line)))
            .map(|line| format!("does not need `{}`", name(line))),
    );
    Ok(drift)
}

#[cfg(test)]
mod tests {
    use super::*;

    const MANIFEST: &str = "[package]\nname = \"c\"\n\n[dependencies]\nserde = \"1\"\n\
        # BEGIN dependencies of the generated code: written by `cargo xtask regen`, do not edit\n\
        schemars = \"0.8\"\n\
        # END dependencies of the generated code\n\n[dev-dependencies]\ntokio = \"1\"\n";

    #[test]
    fn a_date_time_field_brings_chrono_and_the_schemars_feature() -> Result<(), MissingMarkers> {
        let needs = Dependencies {
            chrono: true,
            ..Dependencies::default()
        };
        let after = with_dependencies(MANIFEST, &needs)?;
        assert_eq!(
            after,
            MANIFEST.replace(
                "schemars = \"0.8\"\n",
                "schemars = { version = \"0.8\", features = [\"chrono\"] }\n\
                 chrono = { version = \"0.4\", default-features = false, features = [\"serde\", \"std\"] }\n"
            )
        );
        assert_eq!(
            drift(MANIFEST, &needs)?,
            [
                "needs `schemars = { version = \"0.8\", features = [\"chrono\"] }`",
                "needs `chrono = { version = \"0.4\", default-features = false, features = [\"serde\", \"std\"] }`",
            ]
        );
        assert_eq!(drift(&after, &needs)?, Vec::<String>::new());
        assert_eq!(
            drift(&after, &Dependencies::default())?,
            ["needs `schemars = \"0.8\"`", "does not need `chrono`"]
        );
        assert_eq!(
            with_dependencies(&after, &Dependencies::default())?,
            MANIFEST
        );
        Ok(())
    }

    #[test]
    fn every_crate_has_its_line_in_a_fixed_order() {
        let all = Dependencies {
            chrono: true,
            uuid: true,
            regress: true,
            futures: true,
        };
        let names: Vec<String> = all
            .lines()
            .iter()
            .map(|l| l.split(' ').next().unwrap_or_default().to_string())
            .collect();
        assert_eq!(names, ["schemars", "chrono", "uuid", "regress", "futures"]);
        assert!(all.lines()[0].contains("[\"chrono\", \"uuid1\"]"));
    }

    #[test]
    fn a_manifest_without_markers_is_an_error_not_a_guess() {
        let without = MANIFEST.replace(END, "# end");
        assert_eq!(
            with_dependencies(&without, &Dependencies::default()),
            Err(MissingMarkers)
        );
        assert_eq!(
            drift("[package]\n", &Dependencies::default()),
            Err(MissingMarkers)
        );
    }
}

//! `cargo xtask import`: build a vendor's spec from its documentation pages.
//!
//! Vendors publish one page per endpoint, each with a fenced block holding a partial OpenAPI
//! document (that path and the components it uses). Import extracts every block, merges
//! them (union of paths, operations and components; a part defined twice, differently, is
//! a conflict), and writes `specs/<vendor>/openapi.yaml` beside the verbatim pages
//! (`specs/<vendor>/pages/`) and their provenance (`specs/<vendor>/provenance.json`), so
//! the spec is reproducible from the pages (`import --check`). Where one block holds the
//! whole result, its text is written byte for byte.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value, json};

/// Why an import (or its check) failed. Nothing was written.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// No folder `specs/<vendor>/`.
    #[error("unknown vendor {0:?}: there is no specs/{0}/")]
    UnknownVendor(String),
    /// A page holds no fenced OpenAPI block.
    #[error("{0}: no fenced OpenAPI block (```yaml or ```json with an `openapi` field)")]
    NoBlock(String),
    /// A block is not valid YAML or JSON; `line` is the page's line.
    #[error(
        "{page}:{line}: the OpenAPI block starting on line {block_line} is not valid YAML/JSON \
         (the parser counts lines from the block): {message}"
    )]
    Syntax {
        /// The page.
        page: String,
        /// The page line where the parser stopped.
        line: usize,
        /// The page line of the block's first line.
        block_line: usize,
        /// The parser's message.
        message: String,
    },
    /// Blocks disagree on the OpenAPI version.
    #[error(
        "{page}:{line}: OpenAPI version {found} differs from {expected} in {first} (not mixed silently)"
    )]
    Version {
        /// The page with the odd version.
        page: String,
        /// Its block's line.
        line: usize,
        /// Its version.
        found: String,
        /// The version of the first block.
        expected: String,
        /// Where the first block came from.
        first: String,
    },
    /// One part defined differently in two places.
    #[error(
        "conflict: {part} is defined twice, differently; nothing was written\n{first}\n{second}"
    )]
    Conflict {
        /// What is defined twice (`GET /path`, `components.schemas.Error`).
        part: String,
        /// The first definition, with where it came from.
        first: String,
        /// The second definition, with where it came from.
        second: String,
    },
    /// The existing spec has parts no page provides (an authored spec, like runtools').
    #[error(
        "{0} has parts no page provides (an authored spec?): import builds a spec from pages only"
    )]
    NotFromPages(String),
    /// `--check`: a file is not what import would write.
    #[error("stale, re-run `cargo xtask import`:\n{}", .0.iter().map(|f| format!("  - {f}\n")).collect::<String>())]
    Stale(Vec<String>),
}

/// A fenced OpenAPI block found in a page.
#[derive(Debug, Clone)]
pub struct Block {
    /// The page it came from, as given.
    pub page: String,
    /// The page line of the block's first line.
    pub line: usize,
    /// The source file the fence names (`openapi/ai-gateway.yaml`), if any.
    pub source_file: Option<String>,
    /// The operation the fence names (`GET /credits/balance`), if any.
    pub operation: Option<String>,
    /// The block's text, verbatim.
    pub text: String,
    /// The parsed document.
    pub doc: Value,
}

/// Every fenced block of `text` (three or more backticks, `yaml` or `json`) that holds an
/// OpenAPI document (has an `openapi` field).
pub fn extract_blocks(page: &str, text: &str) -> Result<Vec<Block>, ImportError> {
    let mut blocks = Vec::new();
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i].trim_end_matches(['\n', '\r']);
        let fence_len = line.chars().take_while(|&c| c == '`').count();
        let info = line[fence_len..].trim();
        let lang = info
            .split_whitespace()
            .next()
            .unwrap_or("")
            .to_ascii_lowercase();
        if fence_len < 3 || !(lang == "yaml" || lang == "yml" || lang == "json") {
            i += 1;
            continue;
        }
        let fence = &line[..fence_len];
        let start = i + 1;
        let end = (start..lines.len())
            .find(|&j| {
                lines[j].trim_end().starts_with(fence)
                    && lines[j].trim_end().trim_start_matches('`').is_empty()
            })
            .unwrap_or(lines.len());
        let body: String = lines[start..end].concat();
        i = end + 1;
        let doc: Value = match serde_yaml_ng::from_str(&body) {
            Ok(doc) => doc,
            Err(error) => {
                let line = start + error.location().map_or(1, |l| l.line());
                return Err(ImportError::Syntax {
                    page: page.into(),
                    line,
                    block_line: start + 1,
                    message: error.to_string(),
                });
            }
        };
        if doc.get("openapi").is_none() {
            continue;
        }
        let (source_file, operation) = parse_fence_info(info);
        blocks.push(Block {
            page: page.into(),
            line: start + 1,
            source_file,
            operation,
            text: body,
            doc,
        });
    }
    if blocks.is_empty() {
        return Err(ImportError::NoBlock(page.into()));
    }
    Ok(blocks)
}

/// `yaml openapi/ai-gateway.yaml GET /credits/balance` → source file and operation.
fn parse_fence_info(info: &str) -> (Option<String>, Option<String>) {
    let words: Vec<&str> = info.split_whitespace().skip(1).collect();
    let method_at = words
        .iter()
        .position(|w| codegen::HTTP_METHODS.contains(&w.to_ascii_lowercase().as_str()));
    let source = match method_at {
        Some(0) => None,
        Some(at) => Some(words[..at].join(" ")),
        None if words.is_empty() => None,
        None => Some(words.join(" ")),
    };
    let operation = method_at.map(|at| {
        let mut op = words[at..].join(" ");
        op.replace_range(..words[at].len(), &words[at].to_ascii_uppercase());
        op
    });
    (source, operation)
}

/// The documentation index a page names ("Fetch the complete documentation index at: URL").
pub fn documentation_index(text: &str) -> Option<String> {
    let at = text.find("documentation index at:")? + "documentation index at:".len();
    text[at..].split_whitespace().next().map(str::to_string)
}

/// Merge blocks in order: union of paths, operations and components; the top-level
/// `info`, `servers`, `security`, `tags` (and any other top-level field) of the newest (last)
/// block that has it. Versions must agree; a part defined twice, differently, is a conflict.
pub fn merge(blocks: &[Block]) -> Result<Value, ImportError> {
    let Some(first) = blocks.first() else {
        return Ok(Value::Null);
    };
    let expected = first.doc.get("openapi").cloned().unwrap_or(Value::Null);
    for block in blocks {
        let found = block.doc.get("openapi").cloned().unwrap_or(Value::Null);
        if found != expected {
            return Err(ImportError::Version {
                page: block.page.clone(),
                line: block.line,
                found: plain(&found),
                expected: plain(&expected),
                first: format!("{}:{}", first.page, first.line),
            });
        }
    }
    let mut keys: Vec<&String> = Vec::new();
    for block in blocks {
        for key in block.doc.as_object().into_iter().flat_map(|m| m.keys()) {
            if !keys.contains(&key) {
                keys.push(key);
            }
        }
    }
    let mut merged = Map::new();
    for key in keys {
        let value = match key.as_str() {
            "paths" => merge_paths(blocks)?,
            "components" => merge_components(blocks)?,
            _ => blocks
                .iter()
                .rev()
                .find_map(|b| b.doc.get(key))
                .cloned()
                .unwrap_or(Value::Null),
        };
        merged.insert(key.clone(), value);
    }
    Ok(Value::Object(merged))
}

fn plain(value: &Value) -> String {
    value
        .as_str()
        .map_or_else(|| value.to_string(), str::to_string)
}

/// Where each merged part first came from, by part name.
type Origins = std::collections::BTreeMap<String, String>;

/// Put `value` at `map[key]`, or check it equals what is already there.
fn union_entry(
    map: &mut Map<String, Value>,
    origins: &mut Origins,
    key: &str,
    part: String,
    value: &Value,
    block: &Block,
) -> Result<(), ImportError> {
    let here = format!("{}:{}", block.page, block.line);
    match map.get(key) {
        None => {
            map.insert(key.into(), value.clone());
            origins.insert(part, here);
            Ok(())
        }
        Some(existing) if existing == value => Ok(()),
        Some(existing) => Err(ImportError::Conflict {
            first: definition(origins.get(&part).map_or("?", String::as_str), existing),
            second: definition(&here, value),
            part,
        }),
    }
}

fn definition(origin: &str, value: &Value) -> String {
    let yaml = serde_yaml_ng::to_string(value).unwrap_or_else(|_| value.to_string());
    let mut text = format!("  in {origin}:\n");
    for line in yaml.lines() {
        let _ = writeln!(text, "    {line}");
    }
    text
}

fn merge_paths(blocks: &[Block]) -> Result<Value, ImportError> {
    let mut paths = Map::new();
    let mut origins = Origins::new();
    for block in blocks {
        for (path, item) in block
            .doc
            .get("paths")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            let Some(item) = item.as_object() else {
                continue;
            };
            let Some(merged_item) = paths
                .entry(path.clone())
                .or_insert_with(|| json!({}))
                .as_object_mut()
            else {
                continue;
            };
            for (key, value) in item {
                let part = if codegen::HTTP_METHODS.contains(&key.as_str()) {
                    format!("{} {path}", key.to_uppercase())
                } else {
                    format!("paths.{path}.{key}")
                };
                union_entry(merged_item, &mut origins, key, part, value, block)?;
            }
        }
    }
    Ok(Value::Object(paths))
}

fn merge_components(blocks: &[Block]) -> Result<Value, ImportError> {
    let mut components = Map::new();
    let mut origins = Origins::new();
    for block in blocks {
        for (kind, entries) in block
            .doc
            .get("components")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            let Some(merged_kind) = components
                .entry(kind.clone())
                .or_insert_with(|| json!({}))
                .as_object_mut()
            else {
                continue;
            };
            for (name, value) in entries.as_object().into_iter().flatten() {
                let part = format!("components.{kind}.{name}");
                union_entry(merged_kind, &mut origins, name, part, value, block)?;
            }
        }
    }
    Ok(Value::Object(components))
}

/// The spec text for `merged`: the verbatim text of a block that holds all of it, else YAML
/// in the vendors' key order.
pub fn render(blocks: &[Block], merged: &Value) -> String {
    if let Some(whole) = blocks.iter().rev().find(|b| &b.doc == merged) {
        return whole.text.clone();
    }
    serde_yaml_ng::to_string(merged).unwrap_or_default()
}

/// Where a page came from, as `specs/<vendor>/provenance.json` records it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PageProvenance {
    /// The page's file name under `specs/<vendor>/pages/`.
    pub page: String,
    /// The vendor's documentation index the page names.
    pub documentation_index: Option<String>,
    /// The source file the page's fence names.
    pub source_file: Option<String>,
    /// The operation(s) the page's fences name.
    pub operations: Vec<String>,
    /// The OpenAPI version of the page's blocks.
    pub openapi: String,
    /// The date the page was imported (YYYY-MM-DD, UTC).
    pub imported: String,
}

fn read(path: &Path) -> Result<String, ImportError> {
    std::fs::read_to_string(path).map_err(|source| ImportError::Io {
        path: path.display().to_string(),
        source,
    })
}

fn vendor_dir(root: &Path, vendor: &str) -> Result<PathBuf, ImportError> {
    let dir = root.join("specs").join(vendor);
    if vendor.is_empty() || vendor.contains(['/', '\\', '.']) || !dir.is_dir() {
        return Err(ImportError::UnknownVendor(vendor.into()));
    }
    Ok(dir)
}

fn load_provenance(dir: &Path) -> Result<Option<Vec<PageProvenance>>, ImportError> {
    let path = dir.join("provenance.json");
    if !path.exists() {
        return Ok(None);
    }
    let text = read(&path)?;
    serde_json::from_str(&text)
        .map(Some)
        .map_err(|e| ImportError::Syntax {
            page: path.display().to_string(),
            line: e.line(),
            block_line: 1,
            message: e.to_string(),
        })
}

/// What one import would write, relative to the project root.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportPlan {
    /// `(relative path, contents)` of every file to write.
    pub files: Vec<(String, String)>,
    /// `METHOD path` of every operation of the merged spec.
    pub operations: Vec<String>,
    /// The vendor's pages as `provenance.json` will record them.
    pub provenance: Vec<PageProvenance>,
}

/// Plan the import of `pages` into `vendor`: the existing pages (in their recorded order)
/// with any page of the same file name replaced, then the new ones, merged.
pub fn plan(
    root: &Path,
    vendor: &str,
    pages: &[PathBuf],
    today: &str,
) -> Result<ImportPlan, ImportError> {
    let dir = vendor_dir(root, vendor)?;
    let recorded = load_provenance(&dir)?;
    let mut entries: Vec<(PageProvenance, String, String)> = Vec::new(); // provenance, label, text
    for entry in recorded.iter().flatten() {
        let path = dir.join("pages").join(&entry.page);
        entries.push((
            entry.clone(),
            format!("specs/{vendor}/pages/{}", entry.page),
            read(&path)?,
        ));
    }
    for page in pages {
        let name = page
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let text = read(page)?;
        let blocks = extract_blocks(&page.display().to_string(), &text)?;
        let provenance = PageProvenance {
            page: name.clone(),
            documentation_index: documentation_index(&text),
            source_file: blocks.iter().find_map(|b| b.source_file.clone()),
            operations: blocks.iter().filter_map(|b| b.operation.clone()).collect(),
            openapi: plain(blocks[0].doc.get("openapi").unwrap_or(&Value::Null)),
            imported: today.to_string(),
        };
        entries.retain(|(p, _, _)| p.page != name);
        entries.push((provenance, page.display().to_string(), text));
    }
    let mut blocks = Vec::new();
    for (_, label, text) in &entries {
        blocks.extend(extract_blocks(label, text)?);
    }
    let merged = merge(&blocks)?;

    let spec_path = dir.join("openapi.yaml");
    if recorded.is_none() && spec_path.exists() {
        // First import into a vendor: its current spec must come from the pages entirely.
        let label = format!("specs/{vendor}/openapi.yaml");
        let existing = extract_existing(&label, &read(&spec_path)?)?;
        let mut with_existing = blocks.clone();
        with_existing.push(existing);
        if merge(&with_existing)? != merged {
            return Err(ImportError::NotFromPages(label));
        }
    }

    let mut files = vec![(
        format!("specs/{vendor}/openapi.yaml"),
        render(&blocks, &merged),
    )];
    let provenance: Vec<PageProvenance> = entries.iter().map(|(p, _, _)| p.clone()).collect();
    let mut manifest = serde_json::to_string_pretty(&provenance).unwrap_or_default();
    manifest.push('\n');
    files.push((format!("specs/{vendor}/provenance.json"), manifest));
    for (p, _, text) in &entries {
        files.push((format!("specs/{vendor}/pages/{}", p.page), text.clone()));
    }
    let operations = merged
        .get("paths")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .flat_map(|(path, item)| {
            codegen::HTTP_METHODS
                .iter()
                .filter(move |m| item.get(**m).is_some())
                .map(move |m| format!("{} {path}", m.to_uppercase()))
        })
        .collect();
    Ok(ImportPlan {
        files,
        operations,
        provenance,
    })
}

fn extract_existing(label: &str, text: &str) -> Result<Block, ImportError> {
    let doc = serde_yaml_ng::from_str(text).map_err(|e| ImportError::Syntax {
        page: label.into(),
        line: e.location().map_or(1, |l| l.line()),
        block_line: 1,
        message: e.to_string(),
    })?;
    Ok(Block {
        page: label.into(),
        line: 1,
        source_file: None,
        operation: None,
        text: text.into(),
        doc,
    })
}

/// Every vendor's recorded pages, by vendor name.
fn all_provenance(root: &Path) -> Result<Vec<(String, Vec<PageProvenance>)>, ImportError> {
    let mut vendors: Vec<String> = std::fs::read_dir(root.join("specs"))
        .map_err(|source| ImportError::Io {
            path: "specs".into(),
            source,
        })?
        .flatten()
        .filter(|e| e.path().join("provenance.json").exists())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    vendors.sort();
    vendors
        .into_iter()
        .map(|vendor| {
            let pages = load_provenance(&root.join("specs").join(&vendor))?.unwrap_or_default();
            Ok((vendor, pages))
        })
        .collect()
}

/// The provenance table of `specs/README.md`.
pub fn provenance_table(vendors: &[(String, Vec<PageProvenance>)]) -> String {
    let mut table = String::from(
        "| vendor | page | documentation index | fence source | operations | OpenAPI | imported |\n|---|---|---|---|---|---|---|\n",
    );
    for (vendor, pages) in vendors {
        for p in pages {
            let _ = writeln!(
                table,
                "| {vendor} | [`{page}`]({vendor}/pages/{page}) | {index} | {source} | {ops} | {openapi} | {imported} |",
                page = p.page,
                index = p.documentation_index.as_deref().unwrap_or("—"),
                source = p
                    .source_file
                    .as_deref()
                    .map_or("—".to_string(), |s| format!("`{s}`")),
                ops = p
                    .operations
                    .iter()
                    .map(|o| format!("`{o}`"))
                    .collect::<Vec<_>>()
                    .join(", "),
                openapi = p.openapi,
                imported = p.imported,
            );
        }
    }
    table
}

const TABLE_START: &str = "<!-- provenance: written by `cargo xtask import` -->\n";
const TABLE_END: &str = "<!-- end provenance -->\n";

/// `specs/README.md` with its provenance table replaced by `table`.
fn with_table(readme: &str, table: &str) -> String {
    match (readme.find(TABLE_START), readme.find(TABLE_END)) {
        (Some(start), Some(end)) if start < end => {
            format!("{}{TABLE_START}{table}{}", &readme[..start], &readme[end..])
        }
        _ => format!("{readme}\n{TABLE_START}{table}{TABLE_END}"),
    }
}

/// Import `pages` into `vendor`: plan it, then write every file (temporaries, then renames)
/// with the provenance table of `specs/README.md` refreshed. Returns the merged operations.
pub fn import(
    root: &Path,
    vendor: &str,
    pages: &[PathBuf],
    today: &str,
) -> Result<Vec<String>, ImportError> {
    let plan = plan(root, vendor, pages, today)?;
    let mut manifests = all_provenance(root)?;
    manifests.retain(|(v, _)| v != vendor);
    manifests.push((vendor.to_string(), plan.provenance.clone()));
    manifests.sort_by(|a, b| a.0.cmp(&b.0));
    let readme_path = root.join("specs/README.md");
    let readme = read(&readme_path).unwrap_or_default();
    let mut files: Vec<(PathBuf, String)> = plan
        .files
        .iter()
        .map(|(p, t)| (root.join(p), t.clone()))
        .collect();
    files.push((
        readme_path,
        with_table(&readme, &provenance_table(&manifests)),
    ));
    let pages_dir = root.join("specs").join(vendor).join("pages");
    std::fs::create_dir_all(&pages_dir).map_err(|source| ImportError::Io {
        path: pages_dir.display().to_string(),
        source,
    })?;
    crate::write_all_or_nothing(&files).map_err(|error| match error {
        crate::RegenError::Write { path, source } => ImportError::Io { path, source },
        other => ImportError::Io {
            path: "specs".into(),
            source: std::io::Error::other(other.to_string()),
        },
    })?;
    Ok(plan.operations)
}

/// `import --check`: every vendor with a `provenance.json` has the spec its pages give, and
/// `specs/README.md` has the table its manifests give. Writes nothing.
pub fn check(root: &Path) -> Result<(), ImportError> {
    let mut stale = Vec::new();
    let manifests = all_provenance(root)?;
    for (vendor, _) in &manifests {
        let plan = plan(root, vendor, &[], "")?;
        for (path, text) in plan
            .files
            .iter()
            .filter(|(p, _)| p.ends_with("openapi.yaml"))
        {
            if read(&root.join(path)).ok().as_deref() != Some(text.as_str()) {
                stale.push(format!("{path} (from specs/{vendor}/pages/)"));
            }
        }
    }
    let readme = read(&root.join("specs/README.md")).unwrap_or_default();
    if with_table(&readme, &provenance_table(&manifests)) != readme {
        stale.push("specs/README.md (provenance table)".to_string());
    }
    if stale.is_empty() {
        Ok(())
    } else {
        Err(ImportError::Stale(stale))
    }
}

/// Today's date, UTC, as YYYY-MM-DD.
pub fn today() -> String {
    let days = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() / 86_400) as i64;
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn fence_info_names_the_source_file_and_the_operation() {
        assert_eq!(
            parse_fence_info("yaml openapi/ai-gateway.yaml GET /credits/balance"),
            (
                Some("openapi/ai-gateway.yaml".into()),
                Some("GET /credits/balance".into())
            )
        );
        assert_eq!(
            parse_fence_info("yaml /api-reference/openapi.json get /billing/balance"),
            (
                Some("/api-reference/openapi.json".into()),
                Some("GET /billing/balance".into())
            )
        );
        assert_eq!(
            parse_fence_info("yaml GET /billing/balance"),
            (None, Some("GET /billing/balance".into()))
        );
        assert_eq!(parse_fence_info("json"), (None, None));
    }

    #[test]
    fn blocks_are_found_in_yaml_and_json_fences_and_others_are_skipped() {
        let page = "intro\n```bash\ncurl x\n```\n````yaml GET /a\nopenapi: 3.0.3\npaths: {}\n````\n```json\n{\"openapi\": \"3.0.3\", \"paths\": {}}\n```\n```yaml\nnot: openapi\n```\n";
        let blocks = extract_blocks("p.md", page).unwrap();
        assert_eq!(blocks.len(), 2);
        assert_eq!(
            (blocks[0].line, blocks[0].text.as_str()),
            (6, "openapi: 3.0.3\npaths: {}\n")
        );
        assert_eq!(blocks[1].line, 10);
    }

    #[test]
    fn a_page_without_a_block_and_a_broken_block_are_errors_with_lines() {
        assert!(
            matches!(extract_blocks("p.md", "no fences here\n"), Err(ImportError::NoBlock(p)) if p == "p.md")
        );
        let broken = "# t\n\n```yaml\nopenapi: 3.0.3\npaths: [unclosed\n```\n";
        let error = extract_blocks("p.md", broken).unwrap_err();
        assert!(
            matches!(&error, ImportError::Syntax { line, .. } if *line >= 5),
            "{error}"
        );
        assert!(error.to_string().starts_with("p.md:"), "{error}");
    }

    #[test]
    fn today_is_a_date() {
        let today = today();
        assert_eq!(today.len(), 10);
        assert!(today.starts_with("20"), "{today}");
    }
}

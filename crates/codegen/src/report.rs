//! What changed between two normalized specs, as a maintainer reviewing `regen` needs it:
//! operations added or removed; schema fields added, removed, changed in type or made
//! required or optional; enum values added or removed; descriptions changed. Each change is
//! classified as [`Severity::Breaking`] or [`Severity::NonBreaking`] for code written
//! against the generated client.
//!
//! The rules (one per [`ChangeKind`]):
//!
//! | change | severity |
//! |---|---|
//! | operation removed (or its `operationId` renamed: the client method is gone) | breaking |
//! | field removed (request, response or parameter) | breaking |
//! | field type changed (type, format, nullability, `$ref` name, enum ↔ plain) | breaking |
//! | request field or parameter made required, or added as required | breaking |
//! | response field made required or optional (`Option<T>` ↔ `T` in the client) | breaking |
//! | enum value removed | breaking |
//! | operation added, field added (not a required request field or parameter) | non-breaking |
//! | request field or parameter made optional | non-breaking |
//! | enum value added | non-breaking |
//! | description or summary changed | non-breaking |
//!
//! For Rust users these hold because the generated response structs and known-value enums
//! are `#[non_exhaustive]`: a field or value added does not break a struct literal or an
//! exhaustive `match` in code written against the client, since neither can be written (the
//! `own_spec` test builds such code against the grown spec). A response field's optionality
//! changes its Rust type, so it is breaking either way.
//!
//! Known enum values are read from a plain `enum` (requests, parameters) and from the
//! `oneOf`/`anyOf` branches normalization wraps response enums in (`{enum: [..]}` beside
//! `{not: {enum: [..]}}`).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde_json::Value;

/// How a change affects code and callers using the generated client.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum Severity {
    /// Code that compiles, or a call that works, today can fail after the change.
    Breaking,
    /// Existing code and calls keep working.
    NonBreaking,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Breaking => "BREAKING",
            Self::NonBreaking => "ok",
        })
    }
}

/// What changed, at which location (`getBalance 200 application/json.data.usd`,
/// `getMyUsage query parameter period`, `createTopup request application/json.amount`).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ChangeKind {
    /// A new operation (`METHOD /path (operationId)`).
    OperationAdded(String),
    /// An operation that is gone.
    OperationRemoved(String),
    /// A new field; the location and its type.
    FieldAdded(String, String),
    /// A field that is gone; the location and its old type.
    FieldRemoved(String, String),
    /// A field whose type changed: location, old type, new type.
    FieldTypeChanged(String, String, String),
    /// A field (or parameter, or request body) that was optional and is now required.
    FieldMadeRequired(String),
    /// A field (or parameter, or request body) that was required and is now optional.
    FieldMadeOptional(String),
    /// A value added to a field's known enum values: location, the value as JSON.
    EnumValueAdded(String, String),
    /// A value removed from a field's known enum values: location, the value as JSON.
    EnumValueRemoved(String, String),
    /// A description or summary that changed (or appeared, or went): location, old, new.
    DescriptionChanged(String, Option<String>, Option<String>),
}

impl fmt::Display for ChangeKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::OperationAdded(op) => write!(f, "+ operation {op}"),
            Self::OperationRemoved(op) => write!(f, "- operation {op}"),
            Self::FieldAdded(at, ty) => write!(f, "+ field {at}: {ty}"),
            Self::FieldRemoved(at, ty) => write!(f, "- field {at}: {ty}"),
            Self::FieldTypeChanged(at, old, new) => write!(f, "~ field {at}: {old} -> {new}"),
            Self::FieldMadeRequired(at) => write!(f, "~ field {at}: made required"),
            Self::FieldMadeOptional(at) => write!(f, "~ field {at}: made optional"),
            Self::EnumValueAdded(at, value) => write!(f, "+ enum value {at}: {value}"),
            Self::EnumValueRemoved(at, value) => write!(f, "- enum value {at}: {value}"),
            Self::DescriptionChanged(at, old, new) => {
                let (old, new) = excerpts(old.as_deref(), new.as_deref());
                write!(f, "~ description {at}: {old} -> {new}")
            }
        }
    }
}

/// One difference between the old and the new normalized spec, with its severity.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Change {
    /// Whether the change breaks users of the generated client.
    pub severity: Severity,
    /// What changed, and where.
    pub kind: ChangeKind,
}

impl Change {
    /// A change that breaks users of the generated client.
    pub fn breaking(kind: ChangeKind) -> Self {
        Self {
            severity: Severity::Breaking,
            kind,
        }
    }

    /// A change that does not break users of the generated client.
    pub fn non_breaking(kind: ChangeKind) -> Self {
        Self {
            severity: Severity::NonBreaking,
            kind,
        }
    }

    /// Whether this change is [`Severity::Breaking`].
    pub fn is_breaking(&self) -> bool {
        self.severity == Severity::Breaking
    }
}

impl fmt::Display for Change {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.severity, self.kind)
    }
}

/// Every change between two specs, or that the spec is new.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ChangeReport {
    /// There was no old spec to compare with.
    pub new_spec: bool,
    /// The changes: breaking ones first, then the others; within each group operations,
    /// then fields by location, then descriptions by location.
    pub changes: Vec<Change>,
}

impl fmt::Display for ChangeReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let breaking = self.breaking().count();
        if self.new_spec {
            writeln!(f, "new spec")?;
        } else if self.changes.is_empty() {
            writeln!(f, "no API changes")?;
        } else if breaking == 0 {
            writeln!(f, "{} change(s), none breaking", self.changes.len())?;
        } else {
            writeln!(f, "{} change(s), {breaking} BREAKING", self.changes.len())?;
        }
        for change in &self.changes {
            writeln!(f, "  {change}")?;
        }
        Ok(())
    }
}

impl ChangeReport {
    /// Compare an old normalized spec (if there was one) with the new one.
    pub fn between(old: Option<&Value>, new: &Value) -> Self {
        let Some(old) = old else {
            return Self {
                new_spec: true,
                changes: Vec::new(),
            };
        };
        let (old, new) = (Model::of(old), Model::of(new));
        let mut changes = Vec::new();
        for name in new.operations.difference(&old.operations) {
            changes.push(Change::non_breaking(ChangeKind::OperationAdded(
                name.clone(),
            )));
        }
        for name in old.operations.difference(&new.operations) {
            changes.push(Change::breaking(ChangeKind::OperationRemoved(name.clone())));
        }
        let locations: BTreeSet<&String> = old.fields.keys().chain(new.fields.keys()).collect();
        for at in locations {
            match (old.fields.get(at), new.fields.get(at)) {
                (None, Some(field)) => {
                    let kind = ChangeKind::FieldAdded(at.clone(), field.display());
                    // A new required input breaks every existing call that does not send it,
                    // unless what holds it is new too (then that addition is what counts).
                    let breaks_calls = field.required
                        && field.side != Side::Response
                        && old.operations.contains(&field.operation)
                        && field
                            .parent
                            .as_ref()
                            .is_none_or(|parent| old.fields.contains_key(parent));
                    changes.push(if breaks_calls {
                        Change::breaking(kind)
                    } else {
                        Change::non_breaking(kind)
                    });
                }
                (Some(field), None) => {
                    changes.push(Change::breaking(ChangeKind::FieldRemoved(
                        at.clone(),
                        field.display(),
                    )));
                }
                (Some(before), Some(after)) => changes.extend(field_changes(at, before, after)),
                (None, None) => {}
            }
        }
        for (at, new_text) in &new.descriptions {
            if let Some(old_text) = old.descriptions.get(at)
                && old_text != new_text
            {
                changes.push(Change::non_breaking(ChangeKind::DescriptionChanged(
                    at.clone(),
                    old_text.clone(),
                    new_text.clone(),
                )));
            }
        }
        // Stable: the order within each group is kept.
        changes.sort_by_key(|change| change.severity);
        Self {
            new_spec: false,
            changes,
        }
    }

    /// The breaking changes, in report order.
    pub fn breaking(&self) -> impl Iterator<Item = &Change> {
        self.changes.iter().filter(|change| change.is_breaking())
    }

    /// Whether any change is breaking.
    pub fn is_breaking(&self) -> bool {
        self.breaking().next().is_some()
    }
}

/// The changes to a field present in both specs.
fn field_changes(at: &str, before: &Field, after: &Field) -> Vec<Change> {
    let mut changes = Vec::new();
    if before.shape != after.shape {
        changes.push(Change::breaking(ChangeKind::FieldTypeChanged(
            at.to_string(),
            before.ty.clone(),
            after.ty.clone(),
        )));
    } else if let (Some(old_values), Some(new_values)) = (&before.values, &after.values) {
        for value in old_values.iter().filter(|v| !new_values.contains(v)) {
            changes.push(Change::breaking(ChangeKind::EnumValueRemoved(
                at.to_string(),
                value.clone(),
            )));
        }
        for value in new_values.iter().filter(|v| !old_values.contains(v)) {
            changes.push(Change::non_breaking(ChangeKind::EnumValueAdded(
                at.to_string(),
                value.clone(),
            )));
        }
    }
    match (before.required, after.required) {
        // Required input a caller does not send yet; or, in a response, `Option<T>` → `T`.
        (false, true) => changes.push(Change::breaking(ChangeKind::FieldMadeRequired(
            at.to_string(),
        ))),
        (true, false) => {
            let kind = ChangeKind::FieldMadeOptional(at.to_string());
            // A response field that may now be absent (`T` → `Option<T>`); an input the
            // caller may now omit breaks nothing.
            changes.push(if after.side == Side::Response {
                Change::breaking(kind)
            } else {
                Change::non_breaking(kind)
            });
        }
        _ => {}
    }
    changes
}

/// Where a field is: what the client sends or what it receives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Side {
    Parameter,
    Request,
    Response,
}

/// One field a client sees.
#[derive(Debug, Clone)]
struct Field {
    side: Side,
    /// The operation it belongs to, as in [`Model::operations`].
    operation: String,
    /// The location of the object or array holding it (`None` for a parameter or a body).
    parent: Option<String>,
    /// Its type, with enum values: `string enum[USD, DIEM]`.
    ty: String,
    /// Its type without enum values, which [`ChangeKind::EnumValueAdded`] and
    /// [`ChangeKind::EnumValueRemoved`] report: a changed shape is a changed type.
    shape: String,
    required: bool,
    /// The known enum values (as JSON), if it is an enum.
    values: Option<Vec<String>>,
}

impl Field {
    fn display(&self) -> String {
        if self.required {
            format!("{} (required)", self.ty)
        } else {
            self.ty.clone()
        }
    }
}

/// What a normalized spec offers a client.
#[derive(Debug, Default)]
struct Model {
    /// `METHOD /path (operationId)` of every operation.
    operations: BTreeSet<String>,
    /// Every field a client sees, by location: parameters, request and response bodies,
    /// each property path resolved through `$ref`s (and `allOf`).
    fields: BTreeMap<String, Field>,
    /// Every description and summary, by location, `None` where there is none.
    descriptions: BTreeMap<String, Option<String>>,
}

impl Model {
    fn of(doc: &Value) -> Self {
        let mut model = Self::default();
        for (path, item, method) in each_operation(doc) {
            let Some(op) = item.get(method) else {
                continue;
            };
            let key = format!("{} {path}", method.to_uppercase());
            let id = op
                .get("operationId")
                .and_then(Value::as_str)
                .map(str::to_string);
            let operation = match &id {
                Some(id) => format!("{key} ({id})"),
                None => key.clone(),
            };
            let id = id.unwrap_or(key);
            model.operations.insert(operation.clone());
            model
                .descriptions
                .insert(format!("{id} (summary)"), text(op, "summary"));
            model
                .descriptions
                .insert(format!("{id} (description)"), text(op, "description"));

            let parameters = item
                .get("parameters")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .chain(
                    op.get("parameters")
                        .and_then(Value::as_array)
                        .into_iter()
                        .flatten(),
                );
            for parameter in parameters {
                let parameter = resolve(doc, parameter);
                let name = parameter.get("name").and_then(Value::as_str).unwrap_or("?");
                let place = parameter.get("in").and_then(Value::as_str).unwrap_or("?");
                let schema = parameter.get("schema").unwrap_or(&Value::Null);
                let at = format!("{id} {place} parameter {name}");
                let mut walker = Walker {
                    doc,
                    side: Side::Parameter,
                    operation: &operation,
                    model: &mut model,
                };
                walker.walk(schema, &at, None, is_true(parameter, "required"), 0);
                if parameter.get("description").is_some() {
                    model
                        .descriptions
                        .insert(at, text(parameter, "description"));
                }
            }
            if let Some(body) = op.get("requestBody") {
                let body = resolve(doc, body);
                model
                    .descriptions
                    .insert(format!("{id} request"), text(body, "description"));
                for (media, schema) in media_schemas(body) {
                    let mut walker = Walker {
                        doc,
                        side: Side::Request,
                        operation: &operation,
                        model: &mut model,
                    };
                    let at = format!("{id} request {media}");
                    walker.walk(schema, &at, None, is_true(body, "required"), 0);
                }
            }
            for (status, response) in op
                .get("responses")
                .and_then(Value::as_object)
                .into_iter()
                .flatten()
            {
                let response = resolve(doc, response);
                model
                    .descriptions
                    .insert(format!("{id} {status}"), text(response, "description"));
                for (media, schema) in media_schemas(response) {
                    let mut walker = Walker {
                        doc,
                        side: Side::Response,
                        operation: &operation,
                        model: &mut model,
                    };
                    // A response body is there whenever the response is: never "required".
                    walker.walk(schema, &format!("{id} {status} {media}"), None, false, 0);
                }
            }
        }
        model
    }
}

fn text(holder: &Value, key: &str) -> Option<String> {
    holder.get(key).and_then(Value::as_str).map(str::to_string)
}

fn is_true(holder: &Value, key: &str) -> bool {
    holder.get(key) == Some(&Value::Bool(true))
}

fn each_operation(doc: &Value) -> impl Iterator<Item = (&String, &Value, &'static str)> {
    doc.get("paths")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .flat_map(|(path, item)| {
            crate::HTTP_METHODS
                .iter()
                .filter(|m| item.get(**m).is_some())
                .map(move |m| (path, item, *m))
        })
}

fn media_schemas(holder: &Value) -> Vec<(&String, &Value)> {
    holder
        .get("content")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .filter_map(|(media, m)| Some((media, m.get("schema")?)))
        .collect()
}

fn resolve<'a>(doc: &'a Value, value: &'a Value) -> &'a Value {
    let mut value = value;
    for _ in 0..16 {
        match value
            .get("$ref")
            .and_then(Value::as_str)
            .and_then(|r| r.strip_prefix('#'))
        {
            Some(pointer) => value = doc.pointer(pointer).unwrap_or(&Value::Null),
            None => break,
        }
    }
    value
}

/// Records the fields of one parameter or body into a [`Model`].
struct Walker<'a, 'm> {
    doc: &'a Value,
    side: Side,
    operation: &'a str,
    model: &'m mut Model,
}

impl Walker<'_, '_> {
    /// Record `schema` at `at`, then its properties and items below it (depth-limited, so
    /// a recursive schema ends).
    fn walk(
        &mut self,
        schema: &Value,
        at: &str,
        parent: Option<&str>,
        required: bool,
        depth: usize,
    ) {
        let doc = self.doc;
        self.model.fields.insert(
            at.to_string(),
            Field {
                side: self.side,
                operation: self.operation.to_string(),
                parent: parent.map(str::to_string),
                ty: describe(doc, schema, true),
                shape: describe(doc, schema, false),
                required,
                values: known_values(doc, schema),
            },
        );
        let description = schema
            .get("description")
            .or_else(|| resolve(doc, schema).get("description"))
            .and_then(Value::as_str)
            .map(str::to_string);
        self.model.descriptions.insert(at.to_string(), description);
        if depth > 8 {
            return;
        }
        let mut properties = Vec::new();
        let mut required_names = Vec::new();
        object_parts(doc, schema, &mut properties, &mut required_names, 0);
        for (name, property) in properties {
            let child = format!("{at}.{name}");
            let required = required_names.contains(&name.as_str());
            self.walk(property, &child, Some(at), required, depth + 1);
        }
        if let Some(items) = resolve(doc, schema).get("items") {
            self.walk(items, &format!("{at}[]"), Some(at), false, depth + 1);
        }
    }
}

/// The properties and required names of an object schema, its `allOf` parts included.
fn object_parts<'a>(
    doc: &'a Value,
    schema: &'a Value,
    properties: &mut Vec<(&'a String, &'a Value)>,
    required: &mut Vec<&'a str>,
    depth: usize,
) {
    let schema = resolve(doc, schema);
    properties.extend(
        schema
            .get("properties")
            .and_then(Value::as_object)
            .into_iter()
            .flatten(),
    );
    required.extend(
        schema
            .get("required")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str),
    );
    if depth < 8 {
        for part in schema
            .get("allOf")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            object_parts(doc, part, properties, required, depth + 1);
        }
    }
}

/// The known values (as JSON) of an enum: a plain `enum`, or the `enum` of each
/// `oneOf`/`anyOf` branch (normalization's open response enums; the `not` branch is what
/// is *not* known). `None` if the schema is no enum.
fn known_values(doc: &Value, schema: &Value) -> Option<Vec<String>> {
    let schema = resolve(doc, schema);
    let mut values: Vec<String> = Vec::new();
    let mut found = false;
    let branches = ["oneOf", "anyOf"]
        .into_iter()
        .filter_map(|key| schema.get(key).and_then(Value::as_array))
        .flatten()
        .map(|branch| resolve(doc, branch));
    for holder in std::iter::once(schema).chain(branches) {
        if let Some(list) = holder.get("enum").and_then(Value::as_array) {
            found = true;
            for value in list {
                let value = value.to_string();
                if !values.contains(&value) {
                    values.push(value);
                }
            }
        }
    }
    found.then_some(values)
}

/// A short description of a schema's type: `integer(int64)`, `number?` (nullable),
/// `string enum[USD, DIEM]` (`string enum` without `values`), `oneOf[..]`, `object`,
/// `Plan = object` (a named component).
fn describe(doc: &Value, schema: &Value, values: bool) -> String {
    let mut text = String::new();
    if let Some(name) = schema.get("$ref").and_then(Value::as_str) {
        text.push_str(name.rsplit('/').next().unwrap_or(name));
        text.push_str(" = ");
    }
    let schema = resolve(doc, schema);
    if let Some(ty) = schema.get("type").and_then(Value::as_str) {
        text.push_str(ty);
    }
    if let Some(format) = schema.get("format").and_then(Value::as_str) {
        text.push_str(&format!("({format})"));
    }
    if let Some(list) = schema.get("enum").and_then(Value::as_array) {
        if values {
            let list: Vec<String> = list
                .iter()
                .map(|v| v.to_string().replace('"', ""))
                .collect();
            text.push_str(&format!(" enum[{}]", list.join(", ")));
        } else {
            text.push_str(" enum");
        }
    }
    for key in ["oneOf", "anyOf", "allOf"] {
        if let Some(options) = schema.get(key).and_then(Value::as_array) {
            let options: Vec<String> = options.iter().map(|o| describe(doc, o, values)).collect();
            if !text.is_empty() && !text.ends_with(' ') {
                text.push(' ');
            }
            text.push_str(&format!("{key}[{}]", options.join(" | ")));
        }
    }
    if schema.get("not").is_some() {
        text.push_str(" not(..)");
    }
    if schema.get("nullable") == Some(&Value::Bool(true)) {
        text.push('?');
    }
    if text.is_empty() {
        "any".to_string()
    } else {
        text.trim().to_string()
    }
}

/// At most this many characters of a description are shown.
const EXCERPT_CHARS: usize = 60;
/// Characters of common text kept before the first difference.
const EXCERPT_LEAD: usize = 20;

/// Short quoted excerpts of an old and a new description, both starting a little before
/// the first character where they differ; `(none)` for a missing one.
fn excerpts(old: Option<&str>, new: Option<&str>) -> (String, String) {
    let common = match (old, new) {
        (Some(old), Some(new)) => old
            .chars()
            .zip(new.chars())
            .take_while(|(a, b)| a == b)
            .count(),
        _ => 0,
    };
    // From the start when the first difference shows there with some context.
    let start = if common + EXCERPT_LEAD <= EXCERPT_CHARS {
        0
    } else {
        common - EXCERPT_LEAD
    };
    let excerpt = |text: Option<&str>| match text {
        None => "(none)".to_string(),
        Some(text) => {
            let total = text.chars().count();
            let mut shown: String = text.chars().skip(start).take(EXCERPT_CHARS).collect();
            if start > 0 {
                shown.insert_str(0, "...");
            }
            if start + EXCERPT_CHARS < total {
                shown.push_str("...");
            }
            format!("{shown:?}")
        }
    };
    (excerpt(old), excerpt(new))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn spec(paths: Value, schemas: Value) -> Value {
        json!({ "openapi": "3.0.3", "paths": paths, "components": { "schemas": schemas } })
    }

    fn balance(properties: Value) -> Value {
        spec(
            json!({ "/balance": { "get": { "operationId": "getBalance", "responses": { "200": {
                "description": "ok",
                "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Balance" } } },
            } } } } }),
            json!({ "Balance": { "type": "object", "properties": properties } }),
        )
    }

    #[test]
    fn a_new_spec_is_reported_as_new() {
        let report = ChangeReport::between(None, &balance(json!({})));
        assert_eq!(report.to_string(), "new spec\n");
        assert!(!report.is_breaking());
    }

    #[test]
    fn fields_added_removed_and_retyped_are_listed_breaking_first() {
        let old = balance(json!({ "usd": { "type": "number" }, "gone": { "type": "string" } }));
        let new = balance(
            json!({ "usd": { "type": "string" }, "diem": { "type": "number", "nullable": true } }),
        );
        let report = ChangeReport::between(Some(&old), &new);
        assert_eq!(
            report.to_string(),
            "3 change(s), 2 BREAKING\n\
             \x20 BREAKING - field getBalance 200 application/json.gone: string\n\
             \x20 BREAKING ~ field getBalance 200 application/json.usd: number -> string\n\
             \x20 ok + field getBalance 200 application/json.diem: number?\n"
        );
        assert!(report.is_breaking());
        assert_eq!(report.breaking().count(), 2);
    }

    #[test]
    fn operations_added_and_removed_are_listed() {
        let old = balance(json!({}));
        let mut new = balance(json!({}));
        new["paths"] = json!({ "/topup": { "post": { "operationId": "topUp", "responses": {} } } });
        let report = ChangeReport::between(Some(&old), &new);
        let operations: Vec<&Change> = report
            .changes
            .iter()
            .filter(|c| {
                matches!(
                    c.kind,
                    ChangeKind::OperationAdded(_) | ChangeKind::OperationRemoved(_)
                )
            })
            .collect();
        assert_eq!(
            operations,
            [
                &Change::breaking(ChangeKind::OperationRemoved(
                    "GET /balance (getBalance)".into()
                )),
                &Change::non_breaking(ChangeKind::OperationAdded("POST /topup (topUp)".into())),
            ]
        );
        assert_eq!(report.changes[0], *operations[0], "operations first");
    }

    #[test]
    fn a_renamed_operation_id_is_a_removed_operation() {
        let old = balance(json!({}));
        let mut new = balance(json!({}));
        new["paths"]["/balance"]["get"]["operationId"] = json!("fetchBalance");
        let report = ChangeReport::between(Some(&old), &new);
        assert_eq!(
            report.changes[0],
            Change::breaking(ChangeKind::OperationRemoved(
                "GET /balance (getBalance)".into()
            ))
        );
    }

    #[test]
    fn an_identical_spec_has_no_changes() {
        let doc = balance(json!({ "usd": { "type": "number" } }));
        assert_eq!(
            ChangeReport::between(Some(&doc), &doc).to_string(),
            "no API changes\n"
        );
    }

    #[test]
    fn enum_values_of_open_response_enums_are_compared_not_their_type() {
        let open = |values: Value| {
            balance(json!({ "currency": { "oneOf": [
                { "type": "string", "enum": values },
                { "type": "string", "not": { "enum": values } },
            ] } }))
        };
        let report = ChangeReport::between(
            Some(&open(json!(["USD", "VCU"]))),
            &open(json!(["USD", "DIEM"])),
        );
        assert_eq!(
            report.to_string(),
            "2 change(s), 1 BREAKING\n\
             \x20 BREAKING - enum value getBalance 200 application/json.currency: \"VCU\"\n\
             \x20 ok + enum value getBalance 200 application/json.currency: \"DIEM\"\n"
        );
    }

    #[test]
    fn response_fields_made_optional_or_required_change_the_client_type() {
        let with_required = |required: Value| {
            let mut doc = balance(json!({ "usd": { "type": "number" } }));
            doc["components"]["schemas"]["Balance"]["required"] = required;
            doc
        };
        let (optional, required) = (with_required(json!([])), with_required(json!(["usd"])));
        let at = "getBalance 200 application/json.usd";
        assert_eq!(
            ChangeReport::between(Some(&optional), &required).changes,
            [Change::breaking(ChangeKind::FieldMadeRequired(at.into()))]
        );
        assert_eq!(
            ChangeReport::between(Some(&required), &optional).changes,
            [Change::breaking(ChangeKind::FieldMadeOptional(at.into()))]
        );
    }

    #[test]
    fn request_fields_added_as_required_break_only_where_their_holder_existed() {
        let topup = |properties: Value, required: Value| {
            json!({ "openapi": "3.0.3", "paths": { "/topup": { "post": {
                "operationId": "topUp",
                "requestBody": { "required": true, "content": { "application/json": { "schema": {
                    "type": "object", "properties": properties, "required": required,
                } } } },
                "responses": {},
            } } } })
        };
        let old = topup(json!({ "amount": { "type": "integer" } }), json!([]));
        let new = topup(
            json!({
                "amount": { "type": "integer" },
                "currency": { "type": "string" },
                "meta": { "type": "object", "properties": { "key": { "type": "string" } }, "required": ["key"] },
            }),
            json!(["currency"]),
        );
        assert_eq!(
            ChangeReport::between(Some(&old), &new).to_string(),
            "3 change(s), 1 BREAKING\n\
             \x20 BREAKING + field topUp request application/json.currency: string (required)\n\
             \x20 ok + field topUp request application/json.meta: object\n\
             \x20 ok + field topUp request application/json.meta.key: string (required)\n"
        );
        // Made optional: callers may keep sending it.
        let required = topup(
            json!({ "amount": { "type": "integer" } }),
            json!(["amount"]),
        );
        assert_eq!(
            ChangeReport::between(Some(&required), &old).to_string(),
            "1 change(s), none breaking\n\
             \x20 ok ~ field topUp request application/json.amount: made optional\n"
        );
    }

    #[test]
    fn allof_parts_are_fields_of_the_object() {
        let old = balance(json!({}));
        let mut new = balance(json!({}));
        new["components"]["schemas"]["Balance"]["allOf"] =
            json!([{ "type": "object", "properties": { "usd": { "type": "number" } } }]);
        assert_eq!(
            ChangeReport::between(Some(&new), &old).to_string(),
            "2 change(s), 2 BREAKING\n\
             \x20 BREAKING ~ field getBalance 200 application/json: Balance = object allOf[object] -> Balance = object\n\
             \x20 BREAKING - field getBalance 200 application/json.usd: number\n"
        );
    }

    #[test]
    fn description_excerpts_start_near_the_first_difference() {
        let old =
            "Remaining USD balance of the organization, in US dollars. Null if not available.";
        let new = "Remaining USD balance of the organization, in US dollars. Null if unknown.";
        assert_eq!(
            excerpts(Some(old), Some(new)),
            (
                "\"...US dollars. Null if not available.\"".to_string(),
                "\"...US dollars. Null if unknown.\"".to_string(),
            )
        );
        assert_eq!(
            excerpts(None, Some("Short.\nTwo lines.")),
            ("(none)".to_string(), "\"Short.\\nTwo lines.\"".to_string())
        );
        let long = "x".repeat(100);
        assert_eq!(
            excerpts(Some(&long), None).0,
            format!("\"{}...\"", "x".repeat(60))
        );
    }
}

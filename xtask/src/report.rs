//! What changed between two normalized specs, as a maintainer reviewing `regen` needs it:
//! operations added or removed, and schema fields added, removed or changed in type.

use std::collections::BTreeMap;
use std::fmt;

use serde_json::Value;

/// One difference between the old and the new normalized spec.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
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
}

impl fmt::Display for Change {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::OperationAdded(op) => write!(f, "+ operation {op}"),
            Self::OperationRemoved(op) => write!(f, "- operation {op}"),
            Self::FieldAdded(at, ty) => write!(f, "+ field {at}: {ty}"),
            Self::FieldRemoved(at, ty) => write!(f, "- field {at}: {ty}"),
            Self::FieldTypeChanged(at, old, new) => write!(f, "~ field {at}: {old} -> {new}"),
        }
    }
}

/// Every change between two specs, or that the spec is new.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ChangeReport {
    /// There was no old spec to compare with.
    pub new_spec: bool,
    /// The changes, operations first, in a stable order.
    pub changes: Vec<Change>,
}

impl fmt::Display for ChangeReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.new_spec {
            writeln!(f, "new spec")?;
        } else if self.changes.is_empty() {
            writeln!(f, "no API changes")?;
        } else {
            writeln!(f, "{} change(s)", self.changes.len())?;
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
        let (old_ops, new_ops) = (operations(old), operations(new));
        let (old_fields, new_fields) = (fields(old), fields(new));
        let mut changes = Vec::new();
        for (key, name) in &new_ops {
            if !old_ops.contains_key(key) {
                changes.push(Change::OperationAdded(name.clone()));
            }
        }
        for (key, name) in &old_ops {
            if !new_ops.contains_key(key) {
                changes.push(Change::OperationRemoved(name.clone()));
            }
        }
        for (at, ty) in &new_fields {
            match old_fields.get(at) {
                None => changes.push(Change::FieldAdded(at.clone(), ty.clone())),
                Some(old_ty) if old_ty != ty => changes.push(Change::FieldTypeChanged(
                    at.clone(),
                    old_ty.clone(),
                    ty.clone(),
                )),
                Some(_) => {}
            }
        }
        for (at, ty) in &old_fields {
            if !new_fields.contains_key(at) {
                changes.push(Change::FieldRemoved(at.clone(), ty.clone()));
            }
        }
        Self {
            new_spec: false,
            changes,
        }
    }
}

const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// `"METHOD /path"` → `"METHOD /path (operationId)"` for every operation.
fn operations(doc: &Value) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for (path, item, method, op) in each_operation(doc) {
        let _ = item;
        let key = format!("{} {path}", method.to_uppercase());
        let name = match op.get("operationId").and_then(Value::as_str) {
            Some(id) => format!("{key} ({id})"),
            None => key.clone(),
        };
        out.insert(key, name);
    }
    out
}

fn each_operation(doc: &Value) -> impl Iterator<Item = (&String, &Value, &str, &Value)> {
    doc.get("paths")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .flat_map(|(path, item)| {
            METHODS
                .iter()
                .filter_map(move |m| item.get(*m).map(|op| (path, item, *m, op)))
        })
}

/// Every field a client sees, by location: parameters, request and response bodies, each
/// property path resolved through `$ref`s, mapped to a short type description.
fn fields(doc: &Value) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for (path, item, method, op) in each_operation(doc) {
        let id = op
            .get("operationId")
            .and_then(Value::as_str)
            .map(str::to_string)
            .unwrap_or_else(|| format!("{} {path}", method.to_uppercase()));
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
            let required = parameter.get("required") == Some(&Value::Bool(true));
            let schema = parameter.get("schema").unwrap_or(&Value::Null);
            let ty = describe(doc, schema) + if required { " (required)" } else { "" };
            out.insert(format!("{id} {place} parameter {name}"), ty);
        }
        if let Some(body) = op.get("requestBody") {
            for (media, schema) in media_schemas(resolve(doc, body)) {
                walk(doc, schema, &format!("{id} request {media}"), &mut out, 0);
            }
        }
        for (status, response) in op
            .get("responses")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            for (media, schema) in media_schemas(resolve(doc, response)) {
                walk(doc, schema, &format!("{id} {status} {media}"), &mut out, 0);
            }
        }
    }
    out
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

/// Record `schema` at `at`, then its properties and items below it (depth-limited, so a
/// recursive schema ends).
fn walk(doc: &Value, schema: &Value, at: &str, out: &mut BTreeMap<String, String>, depth: usize) {
    out.insert(at.to_string(), describe(doc, schema));
    if depth > 8 {
        return;
    }
    let schema = resolve(doc, schema);
    let required: Vec<&str> = schema
        .get("required")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    for (name, property) in schema
        .get("properties")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        let at = format!("{at}.{name}");
        walk(doc, property, &at, out, depth + 1);
        if required.contains(&name.as_str())
            && let Some(ty) = out.get_mut(&at)
        {
            ty.push_str(" (required)");
        }
    }
    if let Some(items) = schema.get("items") {
        walk(doc, items, &format!("{at}[]"), out, depth + 1);
    }
}

/// A short description of a schema's type: `integer(int64)`, `number?` (nullable),
/// `string enum[USD, DIEM]`, `one of [..]`, `object`, `Plan` (a named component).
fn describe(doc: &Value, schema: &Value) -> String {
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
    if let Some(values) = schema.get("enum").and_then(Value::as_array) {
        let values: Vec<String> = values
            .iter()
            .map(|v| v.to_string().replace('"', ""))
            .collect();
        text.push_str(&format!(" enum[{}]", values.join(", ")));
    }
    for key in ["oneOf", "anyOf", "allOf"] {
        if let Some(options) = schema.get(key).and_then(Value::as_array) {
            let options: Vec<String> = options.iter().map(|o| describe(doc, o)).collect();
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
    }

    #[test]
    fn fields_added_removed_and_retyped_are_listed_with_their_location() {
        let old = balance(json!({ "usd": { "type": "number" }, "gone": { "type": "string" } }));
        let new = balance(
            json!({ "usd": { "type": "string" }, "diem": { "type": "number", "nullable": true } }),
        );
        let report = ChangeReport::between(Some(&old), &new);
        assert_eq!(
            report.to_string(),
            "3 change(s)\n\
             \x20 + field getBalance 200 application/json.diem: number?\n\
             \x20 ~ field getBalance 200 application/json.usd: number -> string\n\
             \x20 - field getBalance 200 application/json.gone: string\n"
        );
    }

    #[test]
    fn operations_added_and_removed_are_listed() {
        let old = balance(json!({}));
        let mut new = balance(json!({}));
        new["paths"] = json!({ "/topup": { "post": { "operationId": "topUp", "responses": {} } } });
        let report = ChangeReport::between(Some(&old), &new);
        assert_eq!(
            report.changes[..2],
            [
                Change::OperationAdded("POST /topup (topUp)".into()),
                Change::OperationRemoved("GET /balance (getBalance)".into()),
            ]
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
}

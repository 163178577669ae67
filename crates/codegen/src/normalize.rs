//! The rules that turn a vendor's OpenAPI text into a document progenitor accepts and whose
//! generated types keep decoding when the vendor adds to its responses.
//!
//! Every rule is a function from document to document with a name that says what it does;
//! [`normalize`] runs them in order. All of them work on `serde_json::Value`, because an
//! OpenAPI 3.1 document does not parse as the 3.0 model progenitor uses.

use serde_json::{Map, Value, json};

/// Why a document cannot be normalized.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum NormalizeError {
    /// The document has no `openapi` version field, or one we do not know.
    #[error("unsupported `openapi` version {0:?}: expected 3.0.x or 3.1.x")]
    Version(String),
    /// After normalization, the document is still not valid OpenAPI 3.0.
    #[error("not a valid OpenAPI 3.0 document after normalization: {0}")]
    Invalid(serde_json::Error),
}

/// Run every rule, in order, and check the result parses as OpenAPI 3.0.
pub fn normalize(doc: Value) -> Result<Value, NormalizeError> {
    normalize_with_notes(doc).map(|(doc, _)| doc)
}

/// [`normalize`], and what it repaired in the vendor's text (a duplicated enum value, ...),
/// one sentence each, for the maintainer's report.
pub fn normalize_with_notes(mut doc: Value) -> Result<(Value, Vec<String>), NormalizeError> {
    let mut notes = Vec::new();
    let version = doc
        .get("openapi")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    if version.starts_with("3.1.") {
        doc = downconvert_openapi_31(doc);
    } else if !version.starts_with("3.0.") {
        return Err(NormalizeError::Version(version));
    }
    doc = remove_duplicate_enum_values(doc, &mut notes);
    doc = replace_default_responses(doc);
    doc = allow_unknown_response_fields(doc);
    doc = allow_unknown_response_enum_values(doc);
    serde_json::from_value::<openapiv3::OpenAPI>(doc.clone()).map_err(NormalizeError::Invalid)?;
    Ok((doc, notes))
}

/// A value listed twice in an `enum` (a vendor's slip) makes progenitor panic: keep its
/// first occurrence, in every schema (components, parameters, requests and responses), and
/// say so in `notes`.
pub fn remove_duplicate_enum_values(mut doc: Value, notes: &mut Vec<String>) -> Value {
    for_each_schema(&mut doc, &mut |schema| {
        let Some(Value::Array(values)) = schema.get_mut("enum") else {
            return;
        };
        let mut kept: Vec<Value> = Vec::with_capacity(values.len());
        let mut removed = Vec::new();
        for value in values.drain(..) {
            if kept.contains(&value) {
                removed.push(value.to_string());
            } else {
                kept.push(value);
            }
        }
        if !removed.is_empty() {
            let listed: Vec<String> = kept.iter().map(Value::to_string).collect();
            notes.push(format!(
                "enum [{}]: duplicate value(s) {} removed",
                listed.join(", "),
                removed.join(", ")
            ));
        }
        *values = kept;
    });
    doc
}

/// OpenAPI 3.1 → 3.0.3: the version field, the 3.1-only document fields (kept as `x-`
/// extensions so nothing is lost), and every schema (see [`downconvert_schema_31`]).
pub fn downconvert_openapi_31(mut doc: Value) -> Value {
    let Some(root) = doc.as_object_mut() else {
        return doc;
    };
    root.insert("openapi".into(), json!("3.0.3"));
    rename_key(root, "webhooks", "x-webhooks");
    rename_key(root, "jsonSchemaDialect", "x-json-schema-dialect");
    if let Some(info) = root.get_mut("info").and_then(Value::as_object_mut) {
        rename_key(info, "summary", "x-summary");
        if let Some(license) = info.get_mut("license").and_then(Value::as_object_mut) {
            rename_key(license, "identifier", "x-identifier");
        }
    }
    if let Some(components) = root.get_mut("components").and_then(Value::as_object_mut) {
        rename_key(components, "pathItems", "x-path-items");
    }
    for_each_schema(&mut doc, &mut downconvert_schema_31);
    doc
}

/// One schema, 3.1 → 3.0: `type: [T, "null"]` → `type: T, nullable: true` (several types
/// become `anyOf`), `const` → a one-value `enum`, `examples: [..]` → `example` (the first),
/// numeric `exclusiveMinimum`/`exclusiveMaximum` → `minimum`/`maximum` plus the 3.0 flag.
pub fn downconvert_schema_31(schema: &mut Map<String, Value>) {
    if let Some(Value::Array(types)) = schema.get("type").cloned() {
        let nullable = types.iter().any(|t| t == "null");
        let mut others: Vec<Value> = types.into_iter().filter(|t| t != "null").collect();
        schema.remove("type");
        match others.len() {
            0 => {}
            1 => {
                schema.insert("type".into(), others.remove(0));
            }
            _ => {
                let any_of = others.into_iter().map(|t| json!({ "type": t })).collect();
                schema.insert("anyOf".into(), Value::Array(any_of));
            }
        }
        if nullable {
            schema.insert("nullable".into(), Value::Bool(true));
        }
    }
    if let Some(value) = schema.remove("const") {
        schema.insert("enum".into(), json!([value]));
    }
    if let Some(Value::Array(mut examples)) = schema.remove("examples")
        && !examples.is_empty()
        && !schema.contains_key("example")
    {
        schema.insert("example".into(), examples.swap_remove(0));
    }
    for (exclusive, bound) in [
        ("exclusiveMinimum", "minimum"),
        ("exclusiveMaximum", "maximum"),
    ] {
        if let Some(limit @ Value::Number(_)) = schema.get(exclusive).cloned() {
            schema.insert(bound.into(), limit);
            schema.insert(exclusive.into(), Value::Bool(true));
        }
    }
}

/// A `default` response counts as both success and error to progenitor, which then panics
/// (`response_types.len() <= 1`) when a typed 2XX exists too. Replace it by the error
/// ranges it stands for, `4XX` and `5XX`, where the operation has no such entry already.
/// An operation with no success response keeps its `default`: it is the success type.
pub fn replace_default_responses(mut doc: Value) -> Value {
    for operation in operations_mut(&mut doc) {
        let Some(responses) = operation
            .get_mut("responses")
            .and_then(Value::as_object_mut)
        else {
            continue;
        };
        if !responses.keys().any(|status| status.starts_with('2')) {
            continue;
        }
        let Some(default) = responses.shift_remove("default") else {
            continue;
        };
        for range in ["4XX", "5XX"] {
            if !responses.contains_key(range) {
                responses.insert(range.into(), default.clone());
            }
        }
    }
    doc
}

/// `additionalProperties: false` makes progenitor emit `#[serde(deny_unknown_fields)]`, so a
/// field the vendor adds later would break decoding. Drop it from every schema a response
/// uses (request schemas keep it: there it only constrains what we send).
pub fn allow_unknown_response_fields(mut doc: Value) -> Value {
    for_each_response_schema(&mut doc, &mut |schema| {
        if schema.get("additionalProperties") == Some(&Value::Bool(false)) {
            schema.remove("additionalProperties");
        }
    });
    doc
}

/// progenitor makes a closed Rust enum of a string `enum`, so a value the vendor adds later
/// (a new Venice `consumptionCurrency`) would fail to decode. In every schema a response
/// uses, keep the known values as a typed choice and accept any other string beside them:
/// `enum: [A, B]` becomes
/// `oneOf: [{title: <T>Known, enum: [A, B]}, {title: <T>Other, type: string, not: {enum: [A, B]}}]`,
/// which progenitor turns into an untagged enum with variants `Known(..)` and `Other(..)`.
/// `<T>` names the schema as typify does (its title, or the place it is in: see
/// [`for_each_named_response_schema`]), and a number is added where the document already
/// has that title, because typify reuses a type by title.
///
/// An enum of one value stays closed: it is a tag (a discriminator, a converted `const`)
/// that tells `oneOf` branches apart, and opening it would let a branch match any value.
pub fn allow_unknown_response_enum_values(mut doc: Value) -> Value {
    let mut titles = existing_titles(&doc);
    for_each_named_response_schema(&mut doc, &mut |schema, name| {
        let is_string_enum = schema.get("type") == Some(&json!("string"))
            && schema
                .get("enum")
                .and_then(Value::as_array)
                .is_some_and(|values| {
                    values.iter().filter(|v| v.is_string()).count() > 1
                        && values.iter().all(|v| v.is_string() || v.is_null())
                });
        if !is_string_enum {
            return;
        }
        let Some(Value::Array(values)) = schema.remove("enum") else {
            return;
        };
        let known: Vec<Value> = values.into_iter().filter(Value::is_string).collect();
        schema.remove("type");
        let known_title = unique_title(&mut titles, &format!("{name}Known"));
        let other_title = unique_title(&mut titles, &format!("{name}Other"));
        // The known branch has no `type`, so a second run of this rule leaves it alone.
        schema.insert(
            "oneOf".into(),
            json!([
                { "title": known_title, "enum": known },
                { "title": other_title, "type": "string", "not": { "enum": known } },
            ]),
        );
    });
    doc
}

/// Every `title` already in the document's schemas.
fn existing_titles(doc: &Value) -> Vec<String> {
    let mut copy = doc.clone();
    let mut titles = Vec::new();
    for_each_schema(&mut copy, &mut |schema| {
        if let Some(Value::String(title)) = schema.get("title") {
            titles.push(title.clone());
        }
    });
    titles
}

/// `wanted`, or `wanted2`, `wanted3`, ... if the document has it already; recorded as taken.
fn unique_title(taken: &mut Vec<String>, wanted: &str) -> String {
    let title = std::iter::once(wanted.to_string())
        .chain((2..).map(|n| format!("{wanted}{n}")))
        .find(|candidate| !taken.contains(candidate))
        .unwrap_or_else(|| wanted.to_string());
    taken.push(title.clone());
    title
}

/// `consumption_currency`, `consumption-currency` or `CONSUMPTION CURRENCY` →
/// `ConsumptionCurrency`; other characters are dropped.
fn pascal_case(text: &str) -> String {
    text.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|word| !word.is_empty())
        .map(|word| {
            let mut chars = word.chars();
            let first = chars.next().map(|c| c.to_ascii_uppercase());
            let rest: String = if word.chars().all(|c| !c.is_ascii_lowercase()) {
                chars.map(|c| c.to_ascii_lowercase()).collect()
            } else {
                chars.collect()
            };
            first.into_iter().chain(rest.chars()).collect::<String>()
        })
        .collect()
}

fn rename_key(map: &mut Map<String, Value>, from: &str, to: &str) {
    if let Some(value) = map.shift_remove(from) {
        map.insert(to.into(), value);
    }
}

/// Every operation object under `paths`.
fn operations_mut(doc: &mut Value) -> impl Iterator<Item = &mut Map<String, Value>> {
    doc.get_mut("paths")
        .and_then(Value::as_object_mut)
        .into_iter()
        .flat_map(|paths| paths.values_mut())
        .filter_map(Value::as_object_mut)
        .flat_map(|item| {
            item.iter_mut()
                .filter(|(method, _)| crate::HTTP_METHODS.contains(&method.as_str()))
                .filter_map(|(_, op)| op.as_object_mut())
        })
}

/// Apply `f` to every schema nested in `schema`, then to `schema` itself (children first, so
/// the subschemas a rule creates are not visited again).
fn walk_schema(schema: &mut Value, f: &mut dyn FnMut(&mut Map<String, Value>)) {
    walk_named_schema(schema, "", &mut |map, _| f(map));
}

/// The schemas of a list of media-type maps (`content`) and parameter or header objects.
fn schemas_in(holder: &mut Value) -> Vec<&mut Value> {
    let mut out = Vec::new();
    let Some(map) = holder.as_object_mut() else {
        return out;
    };
    for (key, value) in map.iter_mut() {
        match key.as_str() {
            "schema" => out.push(value),
            "content" => {
                for media in value
                    .as_object_mut()
                    .into_iter()
                    .flat_map(|m| m.values_mut())
                {
                    out.extend(media.get_mut("schema"));
                }
            }
            _ => {}
        }
    }
    out
}

/// Apply `f` to every schema in the document: components and inline ones, nested included.
pub fn for_each_schema(doc: &mut Value, f: &mut dyn FnMut(&mut Map<String, Value>)) {
    let mut roots: Vec<&mut Value> = Vec::new();
    let Some(root) = doc.as_object_mut() else {
        return;
    };
    for (key, value) in root.iter_mut() {
        match key.as_str() {
            "paths" => {
                for item in value
                    .as_object_mut()
                    .into_iter()
                    .flat_map(|p| p.values_mut())
                {
                    collect_path_item_schemas(item, &mut roots);
                }
            }
            "components" => {
                let Some(components) = value.as_object_mut() else {
                    continue;
                };
                for (kind, entries) in components.iter_mut() {
                    let Some(entries) = entries.as_object_mut() else {
                        continue;
                    };
                    for entry in entries.values_mut() {
                        match kind.as_str() {
                            "schemas" => roots.push(entry),
                            "parameters" | "headers" | "requestBodies" => {
                                roots.extend(schemas_in(entry))
                            }
                            "responses" => collect_response_schemas(entry, &mut roots),
                            _ => {}
                        }
                    }
                }
            }
            _ => {}
        }
    }
    for schema in roots {
        walk_schema(schema, f);
    }
}

fn collect_path_item_schemas<'a>(item: &'a mut Value, roots: &mut Vec<&'a mut Value>) {
    let Some(item) = item.as_object_mut() else {
        return;
    };
    for (key, value) in item.iter_mut() {
        if key == "parameters" {
            for p in value.as_array_mut().into_iter().flatten() {
                roots.extend(schemas_in(p));
            }
        } else if crate::HTTP_METHODS.contains(&key.as_str()) {
            let Some(op) = value.as_object_mut() else {
                continue;
            };
            for (part, value) in op.iter_mut() {
                match part.as_str() {
                    "parameters" => {
                        for p in value.as_array_mut().into_iter().flatten() {
                            roots.extend(schemas_in(p));
                        }
                    }
                    "requestBody" => roots.extend(schemas_in(value)),
                    "responses" => {
                        for response in value
                            .as_object_mut()
                            .into_iter()
                            .flat_map(|r| r.values_mut())
                        {
                            collect_response_schemas(response, roots);
                        }
                    }
                    _ => {}
                }
            }
        }
    }
}

fn collect_response_schemas<'a>(response: &'a mut Value, roots: &mut Vec<&'a mut Value>) {
    let Some(map) = response.as_object_mut() else {
        return;
    };
    for (key, value) in map.iter_mut() {
        match key.as_str() {
            "content" => {
                for media in value
                    .as_object_mut()
                    .into_iter()
                    .flat_map(|m| m.values_mut())
                {
                    roots.extend(media.get_mut("schema"));
                }
            }
            "headers" => {
                for header in value
                    .as_object_mut()
                    .into_iter()
                    .flat_map(|h| h.values_mut())
                {
                    roots.extend(schemas_in(header));
                }
            }
            _ => {}
        }
    }
}

/// Apply `f` to every schema a response can contain: inline response schemas, the
/// component responses, and every component schema they reference, transitively.
pub fn for_each_response_schema(doc: &mut Value, f: &mut dyn FnMut(&mut Map<String, Value>)) {
    for_each_named_response_schema(doc, &mut |schema, _| f(schema));
}

/// [`for_each_response_schema`], with a name for each schema as typify would derive one: the
/// component's name, `<OperationId>Response` for an inline response, then the property
/// names in PascalCase down the tree (`GetBalanceResponseCurrency`), or the `title`.
pub fn for_each_named_response_schema(
    doc: &mut Value,
    f: &mut dyn FnMut(&mut Map<String, Value>, &str),
) {
    // First pass, read-only: which component schemas and responses do responses reach?
    let mut response_roots: Vec<Value> = Vec::new();
    for op in operations_mut(doc) {
        if let Some(responses) = op.get("responses").and_then(Value::as_object) {
            response_roots.extend(responses.values().cloned());
        }
    }
    let mut reached_responses: Vec<String> = Vec::new();
    let mut reached_schemas: Vec<String> = Vec::new();
    let mut pending = response_roots;
    while let Some(value) = pending.pop() {
        for reference in references(&value) {
            for (kind, reached) in [
                ("schemas", &mut reached_schemas),
                ("responses", &mut reached_responses),
            ] {
                let prefix = format!("#/components/{kind}/");
                if let Some(name) = reference.strip_prefix(&prefix)
                    && !reached.iter().any(|n| n == name)
                {
                    reached.push(name.to_string());
                    pending.extend(doc.pointer(&pointer_to(kind, name)).cloned());
                }
            }
        }
    }
    // Second pass: apply `f` to inline response schemas and to everything reached.
    for op in operations_mut(doc) {
        let name = format!(
            "{}Response",
            pascal_case(
                op.get("operationId")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
            )
        );
        let Some(responses) = op.get_mut("responses").and_then(Value::as_object_mut) else {
            continue;
        };
        for response in responses.values_mut() {
            let mut roots = Vec::new();
            collect_response_schemas(response, &mut roots);
            roots
                .into_iter()
                .for_each(|schema| walk_named_schema(schema, &name, f));
        }
    }
    for name in reached_responses {
        if let Some(response) = doc.pointer_mut(&pointer_to("responses", &name)) {
            let mut roots = Vec::new();
            collect_response_schemas(response, &mut roots);
            let name = pascal_case(&name);
            roots
                .into_iter()
                .for_each(|schema| walk_named_schema(schema, &name, f));
        }
    }
    for name in reached_schemas {
        if let Some(schema) = doc.pointer_mut(&pointer_to("schemas", &name)) {
            walk_named_schema(schema, &pascal_case(&name), f);
        }
    }
}

/// [`walk_schema`], naming each schema: its `title`, or `name` plus the property's name.
fn walk_named_schema(
    schema: &mut Value,
    name: &str,
    f: &mut dyn FnMut(&mut Map<String, Value>, &str),
) {
    let Some(map) = schema.as_object_mut() else {
        return;
    };
    let name = map
        .get("title")
        .and_then(Value::as_str)
        .map(pascal_case)
        .unwrap_or_else(|| name.to_string());
    for (key, suffix) in [
        ("items", "Item"),
        ("additionalProperties", "Value"),
        ("not", ""),
    ] {
        if let Some(sub) = map.get_mut(key) {
            walk_named_schema(sub, &format!("{name}{suffix}"), f);
        }
    }
    for key in ["allOf", "anyOf", "oneOf", "prefixItems"] {
        for sub in map
            .get_mut(key)
            .and_then(Value::as_array_mut)
            .into_iter()
            .flatten()
        {
            walk_named_schema(sub, &name, f);
        }
    }
    for key in ["properties", "patternProperties", "$defs"] {
        for (property, sub) in map
            .get_mut(key)
            .and_then(Value::as_object_mut)
            .into_iter()
            .flatten()
        {
            walk_named_schema(sub, &format!("{name}{}", pascal_case(property)), f);
        }
    }
    f(map, &name);
}

fn pointer_to(kind: &str, name: &str) -> String {
    format!(
        "/components/{kind}/{}",
        name.replace('~', "~0").replace('/', "~1")
    )
}

/// Every `$ref` string anywhere inside `value`.
fn references(value: &Value) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![value];
    while let Some(v) = stack.pop() {
        match v {
            Value::Object(map) => {
                if let Some(Value::String(r)) = map.get("$ref") {
                    out.push(r.clone());
                }
                stack.extend(map.values());
            }
            Value::Array(items) => stack.extend(items),
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_and_31_only_document_fields_are_converted_and_kept() {
        let before = json!({
            "openapi": "3.1.0",
            "info": { "title": "t", "version": "1", "summary": "s",
                      "license": { "name": "MIT", "identifier": "MIT" } },
            "jsonSchemaDialect": "https://spec.openapis.org/oas/3.1/dialect/base",
            "paths": {},
            "webhooks": { "w": {} },
        });
        let after = json!({
            "openapi": "3.0.3",
            "info": { "title": "t", "version": "1", "x-summary": "s",
                      "license": { "name": "MIT", "x-identifier": "MIT" } },
            "paths": {},
            "x-webhooks": { "w": {} },
            "x-json-schema-dialect": "https://spec.openapis.org/oas/3.1/dialect/base",
        });
        assert_eq!(downconvert_openapi_31(before), after);
    }

    fn schema_31(schema: Value) -> Value {
        let doc = json!({
            "openapi": "3.1.0", "info": { "title": "t", "version": "1" }, "paths": {},
            "components": { "schemas": { "S": schema } },
        });
        downconvert_openapi_31(doc)["components"]["schemas"]["S"].take()
    }

    #[test]
    fn nullable_type_arrays_become_nullable() {
        assert_eq!(
            schema_31(json!({ "type": ["number", "null"] })),
            json!({ "type": "number", "nullable": true })
        );
        assert_eq!(
            schema_31(json!({ "type": ["string", "integer"] })),
            json!({ "anyOf": [{ "type": "string" }, { "type": "integer" }] })
        );
    }

    #[test]
    fn nested_schemas_are_converted_too() {
        let before = json!({
            "type": "object",
            "properties": { "a": { "type": "array", "items": { "type": ["string", "null"] } } },
            "allOf": [{ "const": "x" }],
        });
        let after = json!({
            "type": "object",
            "properties": { "a": { "type": "array", "items": { "type": "string", "nullable": true } } },
            "allOf": [{ "enum": ["x"] }],
        });
        assert_eq!(schema_31(before), after);
    }

    #[test]
    fn const_examples_and_exclusive_bounds_are_converted() {
        assert_eq!(
            schema_31(json!({ "const": "USD" })),
            json!({ "enum": ["USD"] })
        );
        assert_eq!(
            schema_31(json!({ "type": "number", "examples": [25, 30] })),
            json!({ "type": "number", "example": 25 })
        );
        assert_eq!(
            schema_31(json!({ "type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 10 })),
            json!({ "type": "number", "exclusiveMinimum": true, "minimum": 0,
                    "exclusiveMaximum": true, "maximum": 10 })
        );
    }

    #[test]
    fn media_type_examples_are_not_schema_examples() {
        let doc = json!({
            "openapi": "3.1.0", "info": { "title": "t", "version": "1" },
            "paths": { "/a": { "get": { "responses": { "200": { "description": "ok",
                "content": { "application/json": {
                    "schema": { "type": "integer" },
                    "examples": { "one": { "value": 1 } } } } } } } } },
        });
        let after = downconvert_openapi_31(doc.clone());
        assert_eq!(
            after["paths"]["/a"]["get"]["responses"]["200"],
            doc["paths"]["/a"]["get"]["responses"]["200"]
        );
    }

    #[test]
    fn default_responses_become_error_ranges() {
        let before = json!({ "paths": { "/a": { "get": { "responses": {
            "200": { "description": "ok" },
            "404": { "description": "missing" },
            "default": { "$ref": "#/components/responses/Error" },
        } } } } });
        let after = json!({ "paths": { "/a": { "get": { "responses": {
            "200": { "description": "ok" },
            "404": { "description": "missing" },
            "4XX": { "$ref": "#/components/responses/Error" },
            "5XX": { "$ref": "#/components/responses/Error" },
        } } } } });
        assert_eq!(replace_default_responses(before), after);
    }

    #[test]
    fn existing_error_ranges_are_kept() {
        let before = json!({ "paths": { "/a": { "get": { "responses": {
            "200": { "description": "ok" },
            "5XX": { "description": "server" },
            "default": { "description": "other" },
        } } } } });
        let after = json!({ "paths": { "/a": { "get": { "responses": {
            "200": { "description": "ok" },
            "5XX": { "description": "server" },
            "4XX": { "description": "other" },
        } } } } });
        assert_eq!(replace_default_responses(before), after);
    }

    fn doc_with_response_and_request(response: Value, request: Value) -> Value {
        json!({
            "paths": { "/a": { "post": {
                "requestBody": { "content": { "application/json": { "schema": request } } },
                "responses": {
                    "200": { "description": "ok", "content": { "application/json": { "schema": response } } },
                    "4XX": { "$ref": "#/components/responses/Error" },
                },
            } } },
            "components": {
                "schemas": {
                    "Out": { "type": "object", "additionalProperties": false,
                             "properties": { "inner": { "$ref": "#/components/schemas/Inner" } } },
                    "Inner": { "type": "object", "additionalProperties": false },
                    "In": { "type": "object", "additionalProperties": false },
                    "Err": { "type": "object", "additionalProperties": false },
                },
                "responses": { "Error": { "description": "e",
                    "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Err" } } } } },
            },
        })
    }

    #[test]
    fn response_objects_accept_unknown_fields_and_requests_stay_strict() {
        let before = doc_with_response_and_request(
            json!({ "$ref": "#/components/schemas/Out" }),
            json!({ "$ref": "#/components/schemas/In" }),
        );
        let after = allow_unknown_response_fields(before);
        let schemas = &after["components"]["schemas"];
        assert_eq!(schemas["Out"].get("additionalProperties"), None);
        assert_eq!(
            schemas["Inner"].get("additionalProperties"),
            None,
            "reached through Out"
        );
        assert_eq!(
            schemas["Err"].get("additionalProperties"),
            None,
            "reached through a response"
        );
        assert_eq!(
            schemas["In"]["additionalProperties"],
            json!(false),
            "request only"
        );
    }

    #[test]
    fn inline_response_objects_accept_unknown_fields() {
        let before = doc_with_response_and_request(
            json!({ "type": "object", "additionalProperties": false, "properties": {} }),
            json!({ "type": "object" }),
        );
        let after = allow_unknown_response_fields(before);
        let schema = &after["paths"]["/a"]["post"]["responses"]["200"]["content"]["application/json"]
            ["schema"];
        assert_eq!(schema, &json!({ "type": "object", "properties": {} }));
        // Typed maps (`additionalProperties: {schema}`) are not touched.
        let typed = json!({ "type": "object", "additionalProperties": { "type": "string" } });
        let doc = doc_with_response_and_request(typed.clone(), json!({}));
        let after = allow_unknown_response_fields(doc);
        assert_eq!(
            after["paths"]["/a"]["post"]["responses"]["200"]["content"]["application/json"]["schema"],
            typed
        );
    }

    #[test]
    fn response_string_enums_accept_unknown_values() {
        let before = doc_with_response_and_request(
            json!({ "type": "object", "properties": {
                "currency": { "type": "string", "nullable": true, "enum": ["USD", "DIEM"] } } }),
            json!({ "type": "object", "properties": { "kind": { "type": "string", "enum": ["a"] } } }),
        );
        let after = allow_unknown_response_enum_values(before);
        let post = &after["paths"]["/a"]["post"];
        assert_eq!(
            post["responses"]["200"]["content"]["application/json"]["schema"]["properties"]["currency"],
            json!({ "nullable": true, "oneOf": [
                { "title": "ResponseCurrencyKnown", "enum": ["USD", "DIEM"] },
                { "title": "ResponseCurrencyOther", "type": "string", "not": { "enum": ["USD", "DIEM"] } },
            ] })
        );
        assert_eq!(
            post["requestBody"]["content"]["application/json"]["schema"]["properties"]["kind"],
            json!({ "type": "string", "enum": ["a"] }),
            "request enums stay closed"
        );
    }

    #[test]
    fn normalizing_twice_is_normalizing_once() {
        let mut doc = doc_with_response_and_request(
            json!({ "type": "object", "additionalProperties": false, "properties": {
                "currency": { "type": "string", "nullable": true, "enum": ["USD", "DIEM"] } } }),
            json!({ "type": "object" }),
        );
        doc["openapi"] = json!("3.1.0");
        doc["info"] = json!({ "title": "t", "version": "1", "summary": "s" });
        doc["paths"]["/a"]["post"]["responses"]["default"] = json!({ "description": "e" });
        let once = normalize(doc).ok();
        let twice = once.clone().and_then(|d| normalize(d).ok());
        assert!(once.is_some());
        assert_eq!(once, twice);
    }

    #[test]
    fn normalize_rejects_unknown_versions_and_invalid_results() {
        assert!(
            matches!(normalize(json!({ "openapi": "2.0" })), Err(NormalizeError::Version(v)) if v == "2.0")
        );
        assert!(
            matches!(normalize(json!({ "swagger": "2.0" })), Err(NormalizeError::Version(v)) if v.is_empty())
        );
        let missing_info = json!({ "openapi": "3.0.3", "paths": {} });
        assert!(matches!(
            normalize(missing_info),
            Err(NormalizeError::Invalid(_))
        ));
    }

    #[test]
    fn normalize_is_deterministic() {
        let doc = doc_with_response_and_request(
            json!({ "type": "string", "enum": ["b", "a"] }),
            json!({}),
        );
        let mut doc = doc;
        doc["openapi"] = json!("3.0.3");
        doc["info"] = json!({ "title": "t", "version": "1" });
        let once = normalize(doc.clone()).map(|d| d.to_string()).ok();
        let twice = normalize(doc).map(|d| d.to_string()).ok();
        assert!(once.is_some());
        assert_eq!(once, twice);
    }
}

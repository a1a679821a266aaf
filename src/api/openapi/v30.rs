//! The generated document (OpenAPI 3.1, what utoipa writes) turned into OpenAPI 3.0.3,
//! which OGC API – Features' `oas30` conformance class asks for and which the OAS 3.0
//! JSON Schema in `tests/fixtures/` validates.
//!
//! 3.1's schemas are JSON Schema 2020-12; 3.0's are a subset with its own spellings.
//! Only schema positions are rewritten (a property *named* `const` or `examples` stays):
//!
//! | 3.1 | 3.0 |
//! | --- | --- |
//! | `type: [T, "null"]` | `type: T, nullable: true` |
//! | `oneOf/anyOf: [{type: null}, S]` | `allOf: [S], nullable: true` |
//! | `exclusiveMinimum: n` (a number) | `minimum: n, exclusiveMinimum: true` (and Maximum) |
//! | `examples: [a, ...]` | `example: a` |
//! | `const: v` | `enum: [v]` |
//! | `contentMediaType`, `contentEncoding` | `format: binary` / `byte` |
//! | `$ref` with siblings | `$ref` alone (3.0 ignores siblings) |
//! | `$schema`, `$id`, `prefixItems`, `propertyNames`, `unevaluatedProperties`, ... | dropped |
//!
//! A parameter is absent rather than null, so a parameter's schema loses `null` too.
//! Outside schemas: `openapi: 3.0.3`, and `jsonSchemaDialect`, `webhooks`,
//! `components.pathItems`, `info.summary` and `info.license.identifier` are dropped.

use serde_json::{Map, Value, json};

/// Keywords of JSON Schema 2020-12 that OpenAPI 3.0's schema object does not have.
const NOT_IN_30: &[&str] = &[
    "$schema",
    "$id",
    "$anchor",
    "$defs",
    "$comment",
    "prefixItems",
    "propertyNames",
    "unevaluatedProperties",
    "unevaluatedItems",
    "dependentRequired",
    "dependentSchemas",
    "patternProperties",
    "contains",
    "minContains",
    "maxContains",
    "if",
    "then",
    "else",
    "contentSchema",
];

/// Rewrites a whole document in place.
pub fn downgrade(doc: &mut Value) {
    let Some(root) = doc.as_object_mut() else {
        return;
    };
    root.insert("openapi".into(), json!("3.0.3"));
    root.remove("jsonSchemaDialect");
    root.remove("webhooks");
    if let Some(info) = root.get_mut("info").and_then(Value::as_object_mut) {
        info.remove("summary");
        if let Some(license) = info.get_mut("license").and_then(Value::as_object_mut) {
            license.remove("identifier");
        }
    }
    if let Some(paths) = root.get_mut("paths").and_then(Value::as_object_mut) {
        for item in paths.values_mut() {
            path_item(item);
        }
    }
    if let Some(components) = root.get_mut("components").and_then(Value::as_object_mut) {
        components.remove("pathItems");
        for_each_value(components.get_mut("schemas"), schema);
        for_each_value(components.get_mut("responses"), response);
        for_each_value(components.get_mut("parameters"), parameter);
        for_each_value(components.get_mut("requestBodies"), request_body);
        for_each_value(components.get_mut("headers"), header);
    }
}

fn for_each_value(map: Option<&mut Value>, f: fn(&mut Value)) {
    if let Some(m) = map.and_then(Value::as_object_mut) {
        m.values_mut().for_each(f);
    }
}

fn for_each_item(list: Option<&mut Value>, f: fn(&mut Value)) {
    if let Some(l) = list.and_then(Value::as_array_mut) {
        l.iter_mut().for_each(f);
    }
}

fn path_item(item: &mut Value) {
    let Some(item) = item.as_object_mut() else {
        return;
    };
    for_each_item(item.get_mut("parameters"), parameter);
    for (key, op) in item.iter_mut() {
        if key == "parameters" {
            continue;
        }
        if let Some(op) = op.as_object_mut() {
            for_each_item(op.get_mut("parameters"), parameter);
            if let Some(body) = op.get_mut("requestBody") {
                request_body(body);
            }
            for_each_value(op.get_mut("responses"), response);
        }
    }
}

fn parameter(p: &mut Value) {
    if let Some(s) = p.get_mut("schema") {
        schema(s);
        not_null(s);
    }
    content(p.get_mut("content"));
}

fn request_body(b: &mut Value) {
    content(b.get_mut("content"));
}

fn response(r: &mut Value) {
    content(r.get_mut("content"));
    for_each_value(r.get_mut("headers"), header);
}

fn header(h: &mut Value) {
    if let Some(s) = h.get_mut("schema") {
        schema(s);
        not_null(s);
    }
}

fn content(c: Option<&mut Value>) {
    if let Some(c) = c.and_then(Value::as_object_mut) {
        for media in c.values_mut() {
            if let Some(s) = media.get_mut("schema") {
                schema(s);
            }
        }
    }
}

/// A value that is absent rather than null: `nullable` goes.
fn not_null(s: &mut Value) {
    if let Some(o) = s.as_object_mut() {
        o.remove("nullable");
    }
}

/// Rewrites one schema and every schema inside it.
pub fn schema(s: &mut Value) {
    let Some(o) = s.as_object_mut() else {
        return;
    };
    if o.contains_key("$ref") {
        o.retain(|k, _| k == "$ref");
        return;
    }
    for k in NOT_IN_30 {
        o.remove(*k);
    }
    if let Some(Value::Array(types)) = o.get("type").cloned() {
        let nullable = types.iter().any(|t| t == "null");
        let rest: Vec<Value> = types.into_iter().filter(|t| t != "null").collect();
        match rest.len() {
            0 => {
                // Only null: 3.0 has no null type; say "nothing but null" as nullable with
                // an enum of null.
                o.remove("type");
                o.insert("nullable".into(), json!(true));
                o.insert("enum".into(), json!([null]));
            }
            1 => {
                o.insert("type".into(), rest[0].clone());
            }
            _ => {
                o.remove("type");
                let any: Vec<Value> = rest.into_iter().map(|t| json!({"type": t})).collect();
                o.insert("anyOf".into(), Value::Array(any));
            }
        }
        if nullable {
            o.insert("nullable".into(), json!(true));
        }
    } else if o.get("type") == Some(&json!("null")) {
        o.remove("type");
        o.insert("nullable".into(), json!(true));
        o.insert("enum".into(), json!([null]));
    }
    for combinator in ["oneOf", "anyOf"] {
        without_null_member(o, combinator);
    }
    for (bound, inclusive) in [
        ("exclusiveMinimum", "minimum"),
        ("exclusiveMaximum", "maximum"),
    ] {
        if let Some(n) = o.get(bound).filter(|v| v.is_number()).cloned() {
            o.insert(inclusive.into(), n);
            o.insert(bound.into(), json!(true));
        }
    }
    if let Some(examples) = o.remove("examples")
        && let Some(first) = examples.as_array().and_then(|a| a.first())
    {
        o.insert("example".into(), first.clone());
    }
    if let Some(c) = o.remove("const") {
        o.insert("enum".into(), json!([c]));
    }
    if o.remove("contentMediaType").is_some() && !o.contains_key("format") {
        o.insert("format".into(), json!("binary"));
    }
    if let Some(enc) = o.remove("contentEncoding")
        && enc == "base64"
    {
        o.insert("format".into(), json!("byte"));
    }
    for key in ["items", "additionalProperties", "not"] {
        if let Some(inner) = o.get_mut(key) {
            schema(inner);
        }
    }
    if let Some(props) = o.get_mut("properties").and_then(Value::as_object_mut) {
        props.values_mut().for_each(schema);
    }
    for key in ["allOf", "anyOf", "oneOf"] {
        if let Some(list) = o.get_mut(key).and_then(Value::as_array_mut) {
            list.iter_mut().for_each(schema);
        }
    }
}

/// `oneOf: [{type: null}, S]` (how 3.1 says "S or null") becomes `allOf: [S]` with
/// `nullable: true`; with several non-null members the combinator stays, nullable.
fn without_null_member(o: &mut Map<String, Value>, combinator: &str) {
    let Some(Value::Array(members)) = o.get(combinator) else {
        return;
    };
    let is_null = |m: &Value| m.get("type") == Some(&json!("null"));
    if !members.iter().any(is_null) {
        return;
    }
    let rest: Vec<Value> = members.iter().filter(|m| !is_null(m)).cloned().collect();
    o.remove(combinator);
    if rest.len() == 1 {
        o.insert("allOf".into(), Value::Array(rest));
    } else {
        o.insert(combinator.into(), Value::Array(rest));
    }
    o.insert("nullable".into(), json!(true));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn converted(mut s: Value) -> Value {
        schema(&mut s);
        s
    }

    #[test]
    fn a_type_list_with_null_becomes_a_nullable_type() {
        assert_eq!(
            converted(json!({"type": ["string", "null"], "maxLength": 3})),
            json!({"type": "string", "nullable": true, "maxLength": 3})
        );
    }

    #[test]
    fn a_reference_or_null_becomes_a_nullable_all_of() {
        assert_eq!(
            converted(json!({"oneOf": [{"type": "null"}, {"$ref": "#/components/schemas/A"}]})),
            json!({"allOf": [{"$ref": "#/components/schemas/A"}], "nullable": true})
        );
    }

    #[test]
    fn numeric_exclusive_bounds_become_boolean_ones() {
        assert_eq!(
            converted(json!({"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 5.5})),
            json!({"type": "number", "minimum": 0, "exclusiveMinimum": true,
                   "maximum": 5.5, "exclusiveMaximum": true})
        );
    }

    #[test]
    fn examples_const_and_content_keywords_take_their_3_0_spelling() {
        assert_eq!(
            converted(json!({"type": "string", "examples": ["a", "b"], "const": "a"})),
            json!({"type": "string", "example": "a", "enum": ["a"]})
        );
        assert_eq!(
            converted(json!({"type": "string", "contentMediaType": "application/octet-stream"})),
            json!({"type": "string", "format": "binary"})
        );
    }

    #[test]
    fn nested_schemas_are_rewritten_and_property_names_are_left_alone() {
        let s = converted(json!({"type": "object", "properties": {
            "const": {"type": ["integer", "null"]},
            "examples": {"type": "array", "items": {"type": ["number", "null"], "exclusiveMinimum": 1}},
        }, "propertyNames": {"pattern": "x"}}));
        assert_eq!(
            s,
            json!({"type": "object", "properties": {
                "const": {"type": "integer", "nullable": true},
                "examples": {"type": "array", "items": {"type": "number", "nullable": true,
                    "minimum": 1, "exclusiveMinimum": true}},
            }})
        );
    }

    #[test]
    fn parameters_lose_null_and_the_document_says_3_0_3() {
        let mut doc = json!({"openapi": "3.1.0", "jsonSchemaDialect": "x",
            "info": {"title": "t", "version": "1", "license": {"name": "MIT", "identifier": "MIT"}},
            "paths": {"/a": {"get": {"parameters": [
                {"name": "q", "in": "query", "schema": {"type": ["string", "null"]}}],
                "responses": {"200": {"description": "ok", "content": {"application/json":
                    {"schema": {"$ref": "#/components/schemas/A", "description": "gone"}}}}}}}}});
        downgrade(&mut doc);
        assert_eq!(doc["openapi"], "3.0.3");
        assert!(doc.get("jsonSchemaDialect").is_none());
        assert!(doc["info"]["license"].get("identifier").is_none());
        let op = &doc["paths"]["/a"]["get"];
        assert_eq!(op["parameters"][0]["schema"], json!({"type": "string"}));
        assert_eq!(
            op["responses"]["200"]["content"]["application/json"]["schema"],
            json!({"$ref": "#/components/schemas/A"})
        );
    }
}

//! The routes to attack, read from the server's own `/api` document at run time: every
//! path, method, parameter (with its schema) and request body it documents. A route
//! added with its `#[utoipa::path]` is in the document, so it is attacked too.

use reqwest::Method;
use serde_json::Value;

use crate::check::Target;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum In {
    Path,
    Query,
    Header,
}

#[derive(Debug, Clone)]
pub struct Param {
    pub name: String,
    pub location: In,
    /// The parameter's schema, `$ref`s resolved at its top.
    pub schema: Value,
}

#[derive(Debug, Clone)]
pub struct Operation {
    pub method: Method,
    /// As documented: `/tiles/{tileset}/{z}/{x}/{y}.mvt`.
    pub path: String,
    pub params: Vec<Param>,
    /// The request body's media types and schemas, when it takes one.
    pub bodies: Vec<(String, Value)>,
}

impl Operation {
    pub fn query_params(&self) -> impl Iterator<Item = &Param> {
        self.params.iter().filter(|p| p.location == In::Query)
    }

    pub fn path_param(&self, name: &str) -> Option<&Param> {
        self.params
            .iter()
            .find(|p| p.location == In::Path && p.name == name)
    }

    /// The names between braces in the path, in order.
    pub fn template_names(&self) -> Vec<String> {
        self.path
            .split('{')
            .skip(1)
            .filter_map(|s| s.split_once('}').map(|(name, _)| name.to_owned()))
            .collect()
    }

    pub fn takes_json(&self) -> bool {
        self.bodies.iter().any(|(t, _)| t.contains("json"))
    }
}

/// Fetches `/api` and lists its operations, sorted (so a seed draws the same cases),
/// with the document itself (for the `$ref`s inside body schemas).
pub async fn operations(target: &Target) -> (Vec<Operation>, Value) {
    let doc: Value = target
        .http
        .get(format!("{}/api", target.base))
        .header("accept", "application/json")
        .send()
        .await
        .expect("/api answers")
        .json()
        .await
        .expect("/api is JSON");
    let mut ops = parse(&doc);
    ops.sort_by(|a, b| (&a.path, a.method.as_str()).cmp(&(&b.path, b.method.as_str())));
    assert!(
        ops.len() > 40,
        "the document lists the routes: {}",
        ops.len()
    );
    (ops, doc)
}

fn parse(doc: &Value) -> Vec<Operation> {
    let mut ops = Vec::new();
    let Some(paths) = doc["paths"].as_object() else {
        panic!("/api has no paths");
    };
    for (path, item) in paths {
        let shared = item["parameters"].as_array().cloned().unwrap_or_default();
        for (method, op) in item.as_object().into_iter().flatten() {
            const METHODS: [&str; 8] = [
                "get", "put", "post", "delete", "options", "head", "patch", "trace",
            ];
            if !METHODS.contains(&method.as_str()) || !op.is_object() {
                continue;
            }
            let Ok(method) = Method::from_bytes(method.to_ascii_uppercase().as_bytes()) else {
                continue;
            };
            let mut params = Vec::new();
            let own = op["parameters"].as_array().cloned().unwrap_or_default();
            for p in shared.iter().chain(own.iter()) {
                let p = resolve(doc, p);
                let location = match p["in"].as_str() {
                    Some("path") => In::Path,
                    Some("query") => In::Query,
                    Some("header") => In::Header,
                    _ => continue,
                };
                params.push(Param {
                    name: p["name"].as_str().unwrap_or_default().to_owned(),
                    location,
                    schema: resolve(doc, &p["schema"]),
                });
            }
            let body = resolve(doc, &op["requestBody"]);
            let bodies = body["content"]
                .as_object()
                .into_iter()
                .flatten()
                .map(|(t, c)| (t.clone(), resolve(doc, &c["schema"])))
                .collect();
            ops.push(Operation {
                method,
                path: path.clone(),
                params,
                bodies,
            });
        }
    }
    ops
}

/// Follows `$ref`s (`#/components/...`) until a value that is not one.
pub fn resolve(doc: &Value, v: &Value) -> Value {
    let mut v = v.clone();
    for _ in 0..16 {
        let Some(r) = v["$ref"].as_str() else {
            return v;
        };
        let Some(pointer) = r.strip_prefix('#') else {
            return v;
        };
        v = doc.pointer(pointer).cloned().unwrap_or(Value::Null);
    }
    v
}

//! `/api`, the OpenAPI document derived from the handlers: valid OpenAPI 3.0 by the
//! official schema, every documented operation served, the old hand-written document's
//! drifts gone, and nothing registered outside the documented routers.

mod common;

use std::collections::BTreeSet;
use std::path::Path;

use common::{bundled_config, repo_path, spawn, spawn_bundled};
use serde_json::{Value, json};

/// The official OAS 3.0 JSON Schema (2021-09-28), vendored: see tests/fixtures/README.md.
fn oas30_schema() -> Value {
    let text = std::fs::read_to_string(repo_path("tests/fixtures/oas-3.0-schema.json"))
        .expect("the vendored OAS 3.0 schema");
    serde_json::from_str(&text).expect("the schema is JSON")
}

async fn document(s: &common::TestServer) -> Value {
    let r = s.get("/api").await;
    assert_eq!(r.status(), 200);
    assert_eq!(
        r.headers()["content-type"],
        "application/vnd.oai.openapi+json;version=3.0"
    );
    r.json().await.expect("the document is JSON")
}

/// Every (path, method, operation) of the document.
fn operations(doc: &Value) -> Vec<(String, String, Value)> {
    let mut out = Vec::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for (method, op) in item.as_object().expect("a path item") {
            if ["get", "put", "post", "delete", "patch"].contains(&method.as_str()) {
                out.push((path.clone(), method.clone(), op.clone()));
            }
        }
    }
    out
}

#[tokio::test]
async fn the_served_document_is_valid_openapi_3_0_by_the_official_schema() {
    let s = spawn_bundled().await;
    let doc = document(&s).await;
    assert_eq!(doc["openapi"], "3.0.3");
    let schema = oas30_schema();
    let validator = jsonschema::draft4::new(&schema).expect("the OAS 3.0 schema compiles");
    let errors: Vec<String> = validator
        .iter_errors(&doc)
        .map(|e| format!("{} at {}", e, e.instance_path))
        .collect();
    assert!(errors.is_empty(), "not OpenAPI 3.0:\n{}", errors.join("\n"));
    // 3.1-only spellings the schema above lets through in places it does not look.
    let text = doc.to_string();
    for spelling in [
        "\"type\":[",
        "\"const\":",
        "\"prefixItems\"",
        "\"$schema\"",
        "\"exclusiveMinimum\":0",
    ] {
        assert!(!text.contains(spelling), "{spelling} in the document");
    }
}

#[tokio::test]
async fn operation_ids_are_unique_as_openapi_requires() {
    // The schema cannot say this; handlers of the same name in two modules would break it.
    let s = spawn_bundled().await;
    let doc = document(&s).await;
    let mut seen = BTreeSet::new();
    for (path, method, op) in operations(&doc) {
        let id = op["operationId"]
            .as_str()
            .expect("an operationId")
            .to_owned();
        assert!(seen.insert(id.clone()), "{method} {path}: {id} is taken");
    }
}

#[tokio::test]
async fn a_document_that_is_not_openapi_3_0_is_refused_by_the_same_check() {
    let schema = oas30_schema();
    let validator = jsonschema::draft4::new(&schema).expect("the OAS 3.0 schema compiles");
    let bad = json!({"openapi": "3.1.0", "info": {"title": "t", "version": "1"}, "paths": {}});
    assert!(!validator.is_valid(&bad));
    let good = json!({"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": {}});
    assert!(validator.is_valid(&good));
}

/// A concrete URL for a documented path: each parameter gets a value that names
/// something the bundled data has, so the handler, not the router, answers.
fn concrete(path: &str, institution: &str) -> String {
    let mut url = path.to_owned();
    for (name, value) in [
        ("{id}", institution),
        ("{collectionId}", "institutions"),
        ("{featureId}", institution),
        ("{tileset}", "institutions"),
        ("{z}", "0"),
        ("{x}", "0"),
        ("{y}", "0"),
        ("{token}", "AAAAAAAAAAAAAAAAAAAAAA"),
        ("{list}", "0"),
        ("{period}", "2025"),
        ("{indicator}", "online_public_services_level4"),
        ("{file}", "ogc.css"),
        ("{fontstack}", "Noto%20Sans%20Regular"),
        ("{range}", "0-255"),
        ("{tileMatrixSetId}", "WebMercatorQuad"),
        ("{tileMatrix}", "0"),
        ("{tileRow}", "0"),
        ("{tileCol}", "0"),
    ] {
        url = url.replace(name, value);
    }
    assert!(!url.contains('{'), "no value for a parameter of {path}");
    url
}

#[tokio::test]
async fn every_documented_operation_is_served_by_a_handler() {
    let s = spawn_bundled().await;
    let doc = document(&s).await;
    let (_, list) = s.get_json("/api/v1/institutions").await;
    let institution = list["institutions"][0]["id"]
        .as_str()
        .expect("an institution");
    let ops = operations(&doc);
    assert!(ops.len() >= 60, "only {} operations", ops.len());
    for (path, method, _) in ops {
        let url = concrete(&path, institution);
        let method = reqwest::Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
        let mut request = s.client.request(method.clone(), s.url(&url));
        if method != reqwest::Method::GET && method != reqwest::Method::DELETE {
            request = request.json(&json!({}));
        }
        let r = request.send().await.expect("the server answers");
        let status = r.status();
        let body = r.text().await.unwrap_or_default();
        assert_ne!(status, 405, "{method} {url}: no such method on the route");
        // The router's fallback (a file of web/) says this; a handler's 404 never does.
        assert!(
            !(status == 404 && body.contains("no page or file at")),
            "{method} {url}: no route"
        );
    }
}

#[tokio::test]
async fn the_drifts_of_the_hand_written_document_are_gone() {
    let s = spawn_bundled().await;
    let doc = document(&s).await;
    let p = &doc["paths"];
    let param = |op: &Value, name: &str| -> Value {
        op["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == name)
            .unwrap_or_else(|| panic!("{name} not documented"))
            .clone()
    };

    // radius_km: a 3.0 exclusive bound, not 3.1's numeric one.
    let radius = param(&p["/api/v1/nearby"]["get"], "radius_km")["schema"].clone();
    assert_eq!(radius["exclusiveMinimum"], true);
    assert_eq!(radius["minimum"], 0);

    // The coverage tiles declare z, x and y.
    let tile = &p["/tiles/coverage/{z}/{x}/{y}.mvt"]["get"];
    for name in ["z", "x", "y"] {
        let z = param(tile, name);
        assert_eq!(z["in"], "path");
        assert_eq!(z["required"], true);
        assert_eq!(z["schema"]["type"], "integer");
    }
    assert!(tile["responses"]["204"].is_object());

    // f=csv and f=geojson of coverage and indicators.
    for path in ["/api/v1/coverage", "/api/v1/indicators"] {
        let content = &p[path]["get"]["responses"]["200"]["content"];
        for media in ["application/json", "text/csv", "application/geo+json"] {
            assert!(content[media].is_object(), "{path}: {media} undocumented");
        }
    }

    // A bad status-list index is a 400; an unknown QR token a 404.
    assert!(p["/api/v1/credentials/status/{list}"]["get"]["responses"]["400"].is_object());
    for path in [
        "/api/v1/credentials/{token}/qr.svg",
        "/api/v1/credentials/{token}/qr.png",
        "/api/v1/credentials/{token}/statement",
    ] {
        assert!(p[path]["get"]["responses"]["404"].is_object(), "{path}");
    }

    // The officials' routes, with how they authenticate.
    for (path, method) in [
        ("/api/v1/session", "post"),
        ("/api/v1/session", "get"),
        ("/api/v1/session", "delete"),
        ("/api/v1/session/password", "post"),
        ("/api/v1/accounts", "get"),
        ("/api/v1/accounts", "post"),
        ("/api/v1/accounts/{id}", "patch"),
        ("/api/v1/accounts/{id}/sessions", "delete"),
        ("/api/v1/tokens", "get"),
        ("/api/v1/tokens", "post"),
        ("/api/v1/tokens/{id}", "delete"),
        ("/api/v1/institutions", "post"),
        ("/api/v1/institutions/{id}", "put"),
        ("/api/v1/institutions/{id}/record", "get"),
        ("/api/v1/institutions/{id}/retire", "post"),
        ("/api/v1/institutions/{id}/history", "get"),
        ("/api/v1/audit", "get"),
        ("/api/v1/reports", "get"),
        ("/api/v1/institutions/{id}/reports/{period}", "put"),
        ("/api/v1/credentials/revocations", "post"),
        ("/api/v1/credentials/reinstatements", "post"),
    ] {
        assert!(p[path][method].is_object(), "{method} {path} undocumented");
    }
    let schemes = &doc["components"]["securitySchemes"];
    assert_eq!(schemes["sessionCookie"]["name"], "vetmap_session");
    assert_eq!(schemes["csrfToken"]["name"], "X-CSRF-Token");
    assert_eq!(schemes["apiToken"]["scheme"], "bearer");
    let writes = &p["/api/v1/institutions/{id}"]["put"];
    assert!(writes["security"].to_string().contains("csrfToken"));
    assert!(writes["responses"]["428"].is_object());
    assert!(writes["responses"]["412"].is_object());
    assert!(writes["requestBody"]["content"]["application/json"].is_object());

    // One error body, shared.
    let error = &doc["components"]["schemas"]["ErrorBody"];
    assert_eq!(error["required"], json!(["code", "description"]));
    for field in ["parameter", "errors", "current_version"] {
        assert!(error["properties"][field].is_object(), "{field}");
    }
}

#[tokio::test]
async fn json_answers_have_schemas_that_say_more_than_object() {
    let s = spawn_bundled().await;
    let doc = document(&s).await;
    // Free-form by nature: a JSON Schema, GeoJSON files, the OpenAPI document itself.
    let free_form = [
        "/collections/{collectionId}/queryables",
        "/api",
        "/api/v1/institutions/{id}/record",
    ];
    for (path, method, op) in operations(&doc) {
        if free_form.contains(&path.as_str()) {
            continue;
        }
        for (status, response) in op["responses"].as_object().unwrap() {
            let Some(schema) = response
                .pointer("/content/application~1json/schema")
                .filter(|_| status.starts_with('2'))
            else {
                continue;
            };
            assert!(
                schema.get("$ref").is_some() || schema.get("properties").is_some(),
                "{method} {path} {status}: {schema}"
            );
        }
        for (status, response) in op["responses"].as_object().unwrap() {
            if status.starts_with('4') || status.starts_with('5') {
                let body = response.get("content").or_else(|| {
                    response
                        .get("$ref")
                        .map(|_| &doc["components"]["responses"]["ServerError"]["content"])
                });
                assert!(
                    body.is_some_and(|c| c["application/json"].is_object()),
                    "{method} {path} {status}: no JSON error body"
                );
            }
        }
    }
}

#[tokio::test]
async fn the_document_negotiates_json_and_html_and_names_the_public_url() {
    let mut config = bundled_config();
    config.public_url = Some("https://bando.example.vn".into());
    let s = spawn(config).await;
    let doc = document(&s).await;
    assert_eq!(doc["servers"], json!([{"url": "https://bando.example.vn"}]));
    let html = s.get("/api?f=html").await;
    assert_eq!(html.status(), 200);
    assert!(
        html.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let by_accept = s.get_with("/api", "accept", "text/html").await;
    assert!(
        by_accept.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    assert_eq!(s.get("/api?f=xml").await.status(), 406);
    assert_eq!(s.get("/api?format=json").await.status(), 400);
    let (_, landing) = s.get_json("/?f=json").await;
    let links = landing["links"].as_array().unwrap();
    let desc = links.iter().find(|l| l["rel"] == "service-desc").unwrap();
    assert_eq!(desc["type"], "application/vnd.oai.openapi+json;version=3.0");
    assert!(desc["href"].as_str().unwrap().ends_with("/api"));
    assert!(links.iter().any(|l| l["rel"] == "service-doc"));

    let relative = spawn_bundled().await;
    assert_eq!(document(&relative).await["servers"], json!([{"url": "/"}]));
}

fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn routes_are_registered_only_with_their_documentation() {
    // `routes!(handler)` registers a route from its `#[utoipa::path]`; a plain
    // `.route(...)` would serve an undocumented one. The one exception registers the
    // suffixed paths (`{y}.mvt`) that the router cannot match as written.
    let mut files = Vec::new();
    rust_files(&repo_path("src/api"), &mut files);
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        let allowed = usize::from(file.ends_with("src/api/openapi/mod.rs"));
        let plain = text.matches(".route(").count() + text.matches(".route_service(").count();
        assert_eq!(
            plain,
            allowed,
            "{}: a route outside routes!()",
            file.display()
        );
    }
}

#[test]
fn schema_names_are_unique_so_none_overwrites_another() {
    // The document keys schemas by type name: two types of one name would leave one
    // answer described by the other's schema.
    let mut files = Vec::new();
    rust_files(&repo_path("src"), &mut files);
    let mut seen = BTreeSet::new();
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        let mut derives_schema = false;
        let mut derive: Option<String> = None;
        for line in text.lines() {
            let line = line.trim();
            if let Some(d) = derive.as_mut() {
                d.push_str(line);
                if line.ends_with(")]") {
                    derives_schema = d.contains("ToSchema");
                    derive = None;
                }
                continue;
            }
            if line.starts_with("#[derive(") && !line.ends_with(")]") {
                derive = Some(line.to_owned());
            } else if line.starts_with("#[derive(") && line.contains("ToSchema") {
                derives_schema = true;
            } else if derives_schema
                && let Some(rest) = line
                    .strip_prefix("pub struct ")
                    .or_else(|| line.strip_prefix("struct "))
                    .or_else(|| line.strip_prefix("pub enum "))
                    .or_else(|| line.strip_prefix("enum "))
            {
                let name: String = rest
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                assert!(
                    seen.insert(name.clone()),
                    "{name} twice ({})",
                    file.display()
                );
                derives_schema = false;
            } else if !line.starts_with("#[") && !line.starts_with("///") && !line.is_empty() {
                derives_schema = false;
            }
        }
    }
    assert!(seen.contains("ErrorBody"));
}

//! Request bodies: arbitrary JSON trees (deep and wide), bodies shaped like each
//! operation's documented schema with values that do not fit, and bytes that are not
//! JSON at all, sent to every operation that takes a body, as a signed-in administrator
//! on PostGIS (so that the writes get past authentication into their parsers and the
//! database). The same server then takes the officials' routes' query strings, signed
//! in, and the credential upload's CSV files (`csv.rs`).

use proptest::prelude::*;
use proptest::sample::select;
use reqwest::Method;
use serde_json::{Map, Value, json};

use crate::api_doc::{self, Operation, resolve};
use crate::check::{self, Req, Target};
use crate::routes::{Plausible, any_request, header, path, plausible};
use crate::values::Gen;

fn json_string() -> Gen<String> {
    prop_oneof![
        4 => "\\PC{0,24}",
        1 => select(&[
            "", "2024-01-01", "2024-02-30", "2024", "1999-12-31T23:59:59Z", "cd-nghe-tra-vinh",
            "DEMO-CD 000101", "admin", "province", "institution", "valid", "revoked",
            "https://example.vn/evidence.pdf", "javascript:alert(1)", "\u{0}", "\u{FEFF}x",
        ][..])
        .prop_map(str::to_owned),
        1 => (1usize..20_000).prop_map(|n| "ă".repeat(n)),
    ]
    .boxed()
}

fn json_number() -> Gen<Value> {
    prop_oneof![
        2 => any::<i64>().prop_map(Value::from),
        1 => any::<u64>().prop_map(Value::from),
        // NaN and the infinities are no JSON numbers: serde_json makes them null.
        2 => any::<f64>().prop_map(|f| json!(f)),
        2 => select(&[0i64, -1, 1, 2024, 2025, i64::MAX, i64::MIN, 100, 101][..]).prop_map(Value::from),
        1 => select(&[f64::MAX, f64::MIN_POSITIVE, -0.0, 0.5, 1e300][..]).prop_map(|f| json!(f)),
    ]
    .boxed()
}

/// Any JSON value: trees up to eight levels deep and a few dozen members wide.
pub fn any_json() -> Gen<Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        json_number(),
        json_string().prop_map(Value::from),
    ];
    leaf.prop_recursive(8, 160, 32, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..32).prop_map(Value::Array),
            proptest::collection::btree_map(json_string(), inner, 0..32)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
    .boxed()
}

/// A value shaped by `schema` (its properties, items, enums), with leaves that fit or
/// do not; past `depth` levels, any JSON.
fn shaped(doc: &Value, schema: &Value, depth: u32) -> Gen<Value> {
    let schema = resolve(doc, schema);
    if depth == 0 {
        return any_json();
    }
    for combinator in ["allOf", "oneOf", "anyOf"] {
        if let Some(options) = schema[combinator].as_array().filter(|o| !o.is_empty()) {
            let each: Vec<Gen<Value>> = options.iter().map(|o| shaped(doc, o, depth - 1)).collect();
            return proptest::strategy::Union::new(each).boxed();
        }
    }
    let fitting: Gen<Value> = if let Some(members) =
        schema["enum"].as_array().filter(|m| !m.is_empty())
    {
        select(members.clone()).boxed()
    } else if let Some(props) = schema["properties"].as_object() {
        let fields: Vec<Gen<Option<(String, Value)>>> = props
            .iter()
            .map(|(name, s)| {
                let name = name.clone();
                proptest::option::weighted(0.8, shaped(doc, s, depth - 1))
                    .prop_map(move |v| v.map(|v| (name.clone(), v)))
                    .boxed()
            })
            .collect();
        (fields, proptest::option::of((json_string(), any_json())))
            .prop_map(|(fields, extra)| {
                let mut m: Map<String, Value> = fields.into_iter().flatten().collect();
                if let Some((k, v)) = extra {
                    m.insert(k, v);
                }
                Value::Object(m)
            })
            .boxed()
    } else {
        match schema["type"].as_str().unwrap_or("") {
            "array" => proptest::collection::vec(shaped(doc, &schema["items"], depth - 1), 0..6)
                .prop_map(Value::Array)
                .boxed(),
            "string" => json_string().prop_map(Value::from).boxed(),
            "integer" | "number" => json_number(),
            "boolean" => any::<bool>().prop_map(Value::from).boxed(),
            _ => any_json(),
        }
    };
    prop_oneof![4 => fitting, 1 => any_json()].boxed()
}

/// Bytes that are not a JSON document, or barely one.
fn broken_json() -> Gen<Vec<u8>> {
    prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..200),
        (1usize..200_000).prop_map(|n| "[".repeat(n).into_bytes()),
        (1usize..50_000)
            .prop_map(|n| format!("{}1{}", "{\"a\":".repeat(n), "}".repeat(n)).into_bytes()),
        (1usize..20_000).prop_map(|n| format!("1{}", "0".repeat(n)).into_bytes()),
        select(
            &[
                "",
                "{",
                "{}}",
                "null",
                "\u{FEFF}{}",
                "{\"a\":1,\"a\":2}",
                "1e999999",
                "-0",
                "\"\\ud800\"",
                "{\"login\":\"\\u0000\"}",
                "[1,]",
                "{'a':1}",
                "NaN",
            ][..]
        )
        .prop_map(|s| s.as_bytes().to_vec()),
    ]
    .boxed()
}

/// One request with a body to `op`.
fn body_request(doc: &Value, op: &Operation, plausible: &Plausible) -> Gen<Req> {
    let schema = op
        .bodies
        .iter()
        .find(|(t, _)| t.contains("json"))
        .map(|(_, s)| s.clone())
        .unwrap_or_default();
    let body = prop_oneof![
        3 => shaped(doc, &schema, 4).prop_map(|v| v.to_string().into_bytes()),
        2 => any_json().prop_map(|v| v.to_string().into_bytes()),
        1 => broken_json(),
    ];
    let content_type = prop_oneof![
        8 => Just(Some("application/json".to_owned())),
        1 => Just(None),
        1 => select(&["text/plain", "application/json; charset=utf-16", "text/csv", "application/merge-patch+json"][..])
            .prop_map(|t| Some(t.to_owned())),
    ];
    let method = op.method.clone();
    (
        path(op, plausible),
        body,
        content_type,
        proptest::collection::vec(header(), 0..2),
    )
        .prop_map(move |(target, body, ct, mut headers)| {
            headers.retain(|(n, _)| n != "content-type");
            if let Some(ct) = ct {
                headers.push(("content-type".into(), ct));
            }
            Req {
                method: method.clone(),
                target,
                headers,
                body: Some(body),
            }
        })
        .boxed()
}

/// The PostGIS server with two accounts: the administrator the cases act as (with an
/// API token, so no case can end the session they use), and another one the accounts'
/// routes may change.
pub struct Officials {
    pub s: crate::common::TestServer,
    _db: crate::common::TestDb,
    pub t: Target,
    /// Path prefixes no case may touch: the acting account and its token.
    pub protected: Vec<String>,
}

pub async fn officials() -> Officials {
    use crate::common::officials::{api_token, create_account, sign_in};
    use vetmap::auth::Role;
    let db = crate::common::TestDb::create().await;
    db.import_dir(&crate::common::repo_path("data")).await;
    let mut config = crate::server_config();
    config.database_url = Some(db.url.clone());
    let s = crate::common::spawn(config).await;
    create_account(
        &db,
        "nan-nhan",
        Role::Institution,
        &[],
        &["cd-nghe-tra-vinh"],
    )
    .await;
    let admin = create_account(&db, "quan-tri-hostile", Role::Admin, &[], &[]).await;
    let session = sign_in(&s, "quan-tri-hostile").await;
    let token = api_token(&s, &session).await;
    let mut t = Target::new(&s.base);
    t.default_headers = vec![("authorization".into(), format!("Bearer {token}"))];
    let tokens: Value = serde_json::from_slice(
        &t.send(&Req::get("/api/v1/tokens"))
            .await
            .expect("tokens list")
            .body,
    )
    .expect("tokens are JSON");
    let mut protected = vec![
        format!("/api/v1/accounts/{admin}"),
        "/api/v1/session".to_owned(),
    ];
    for tok in tokens["tokens"]
        .as_array()
        .or(tokens.as_array())
        .into_iter()
        .flatten()
    {
        if let Some(id) = tok["id"].as_i64() {
            protected.push(format!("/api/v1/tokens/{id}"));
        }
    }
    Officials {
        s,
        _db: db,
        t,
        protected,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_bodies_query_strings_and_uploads_as_an_official_on_postgis() {
    let o = officials().await;
    let (ops, doc) = api_doc::operations(&o.t).await;
    let plausible = plausible(&o.t).await;

    let writes: Vec<&Operation> = ops
        .iter()
        .filter(|op| {
            [Method::POST, Method::PUT, Method::PATCH, Method::DELETE].contains(&op.method)
        })
        .collect();
    assert!(writes.len() > 10, "the document lists the writes");
    assert!(writes.iter().any(|op| op.takes_json()));
    let writes: Vec<Operation> = writes.into_iter().cloned().collect();
    let plausible_bodies = plausible.clone();
    let protected = o.protected.clone();
    check::requests("json bodies", 500, &o.t, move || {
        let each: Vec<Gen<Req>> = writes
            .iter()
            .map(|op| body_request(&doc, op, &plausible_bodies))
            .collect();
        proptest::strategy::Union::new(each).prop_map(move |req| guard(&protected, req))
    })
    .await;

    let officials_ops: Vec<Operation> = ops
        .iter()
        .filter(|op| op.path.starts_with("/api/v1/"))
        .cloned()
        .collect();
    let protected = o.protected.clone();
    check::requests("officials' routes (signed in)", 300, &o.t, move || {
        any_request(&officials_ops, &plausible).prop_map(move |req| guard(&protected, req))
    })
    .await;

    crate::csv::uploads(&o.t).await;
    drop(o.s);
}

/// Sends a case that would touch the acting account or its token to id 0 instead, and
/// keeps cases off the sign-out and password routes of the acting session.
pub fn guard(protected: &[String], mut req: Req) -> Req {
    for p in protected {
        let Some(rest) = req.target.strip_prefix(p.as_str()) else {
            continue;
        };
        if !(rest.is_empty() || rest.starts_with('/') || rest.starts_with('?')) {
            continue;
        }
        match p.rsplit_once('/') {
            Some((parent, _)) if p != "/api/v1/session" => {
                req.target = format!("{parent}/0{rest}");
            }
            _ => {}
        }
    }
    req
}

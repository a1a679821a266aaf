//! Every documented operation, attacked through its query string, its path segments, its
//! method and its headers; and the static files, which the document does not list.

use std::collections::BTreeMap;
use std::sync::Arc;

use proptest::prelude::*;
use proptest::sample::select;
use reqwest::Method;

use crate::api_doc::{self, Operation};
use crate::check::{self, Req, Target};
use crate::values::{Gen, enc, for_schema, junk};

/// Values that name something that exists, per path parameter name, so that a case
/// reaches past the lookup as often as it stops at it.
pub type Plausible = Arc<BTreeMap<String, Vec<String>>>;

/// Reads a few real names from the server: institution and feature ids, collections,
/// tilesets, indicators, periods.
pub async fn plausible(t: &Target) -> Plausible {
    let mut m: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let json = |path: &'static str| {
        let t = t.clone();
        async move {
            let r = t.send(&Req::get(path)).await.ok()?;
            serde_json::from_slice::<serde_json::Value>(&r.body).ok()
        }
    };
    let mut ids = Vec::new();
    if let Some(v) = json("/collections/institutions/items?limit=3").await {
        for f in v["features"].as_array().into_iter().flatten() {
            if let Some(id) = f["id"].as_str() {
                ids.push(id.to_owned());
            }
        }
    }
    let mut areas = Vec::new();
    if let Some(v) = json("/collections/areas/items?limit=2").await {
        for f in v["features"].as_array().into_iter().flatten() {
            if let Some(id) = f["id"].as_str() {
                areas.push(id.to_owned());
            }
        }
    }
    let mut indicators = Vec::new();
    if let Some(v) = json("/api/v1/indicators").await {
        for i in v["indicators"].as_array().into_iter().flatten().take(3) {
            if let Some(id) = i["id"].as_str() {
                indicators.push(id.to_owned());
            }
        }
    }
    let mut tilesets = vec!["institutions".to_owned()];
    if let Some(v) = json("/tiles").await {
        for ts in v["tilesets"].as_array().into_iter().flatten() {
            if let Some(id) = ts["id"].as_str() {
                tilesets.push(id.to_owned());
            }
        }
    }
    let mut feature_ids = ids.clone();
    feature_ids.extend(areas);
    m.insert("id".into(), ids);
    m.insert("featureId".into(), feature_ids);
    m.insert(
        "collectionId".into(),
        vec!["institutions".into(), "areas".into()],
    );
    m.insert("tileset".into(), tilesets);
    m.insert("indicator".into(), indicators);
    m.insert("period".into(), vec!["2024".into(), "2025".into()]);
    m.insert("list".into(), vec!["1".into(), "0".into()]);
    m.insert(
        "file".into(),
        vec!["institution.css".into(), "print.js".into()],
    );
    m.insert("z".into(), vec!["0".into(), "8".into(), "12".into()]);
    m.insert("x".into(), vec!["0".into(), "203".into(), "3250".into()]);
    m.insert("y".into(), vec!["0".into(), "121".into(), "1950".into()]);
    m.retain(|_, v| !v.is_empty());
    Arc::new(m)
}

/// A value for the path parameter `name`.
pub fn segment(op: &Operation, name: &str, plausible: &Plausible) -> Gen<String> {
    let schema = op
        .path_param(name)
        .map(|p| p.schema.clone())
        .unwrap_or_default();
    let random = for_schema(&schema);
    let long = (200usize..3_000).prop_map(|n| "x".repeat(n));
    match plausible.get(name) {
        Some(known) => prop_oneof![
            3 => select(known.iter().map(|k| enc(k)).collect::<Vec<_>>()),
            3 => random,
            1 => long,
        ]
        .boxed(),
        None => prop_oneof![4 => random, 1 => long].boxed(),
    }
}

/// The path of `op` with each `{name}` replaced by a drawn value.
pub fn path(op: &Operation, plausible: &Plausible) -> Gen<String> {
    let names = op.template_names();
    let template = op.path.clone();
    let parts: Vec<Gen<String>> = names.iter().map(|n| segment(op, n, plausible)).collect();
    parts
        .prop_map(move |values| {
            let mut p = template.clone();
            for (name, v) in names.iter().zip(values) {
                p = p.replacen(&format!("{{{name}}}"), &v, 1);
            }
            p
        })
        .boxed()
}

/// A query string: documented parameters with fitting or junk values, unknown ones,
/// repeated keys, and separators out of place.
pub fn query(op: &Operation) -> Gen<String> {
    let known: Vec<Gen<(String, String)>> = op
        .query_params()
        .map(|p| {
            let name = p.name.clone();
            for_schema(&p.schema)
                .prop_map(move |v| (name.clone(), v))
                .boxed()
        })
        .collect();
    let unknown = (
        prop_oneof![
            select(
                &[
                    "f", "limit", "offset", "bbox", "filter", "q", "", "%00", "a[b]"
                ][..]
            )
            .prop_map(str::to_owned),
            "[a-z_]{1,12}",
        ],
        junk(),
    )
        .boxed();
    let pair = if known.is_empty() {
        unknown
    } else {
        let known = proptest::strategy::Union::new(known).boxed();
        prop_oneof![4 => known, 1 => unknown].boxed()
    };
    (
        proptest::collection::vec(pair, 0..7),
        select(&["", "", "", "&", "&&", "=", "==", ";x=1", "&a", "%"][..]),
    )
        .prop_map(|(pairs, tail)| {
            // Under the 64 KiB a URI may have (the `http` crate's limit): past it the
            // request never leaves the client.
            let mut room = 50_000usize;
            let q: Vec<String> = pairs
                .into_iter()
                .map(|(k, v)| if v.is_empty() { k } else { format!("{k}={v}") })
                .take_while(|p| {
                    let fits = p.len() < room;
                    room = room.saturating_sub(p.len() + 1);
                    fits
                })
                .collect();
            let q = format!("{}{tail}", q.join("&"));
            if q.is_empty() { q } else { format!("?{q}") }
        })
        .boxed()
}

pub fn method(documented: Method) -> Gen<Method> {
    let other = select(
        &[
            "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "PROPFIND", "FOO",
        ][..],
    )
    .prop_map(|m| Method::from_bytes(m.as_bytes()).expect("a method"));
    prop_oneof![5 => Just(documented), 2 => other].boxed()
}

/// Request headers a client may send, odd ones included. No `Accept-Encoding` that
/// would make an answer compressed: the checks read bodies as they come.
pub fn header() -> Gen<(String, String)> {
    let h = |name: &'static str, values: &'static [&'static str]| {
        select(values)
            .prop_map(move |v| (name.to_owned(), v.to_owned()))
            .boxed()
    };
    prop_oneof![
        h(
            "accept",
            &[
                "*/*",
                "application/json",
                "application/geo+json",
                "text/html",
                "text/csv",
                "image/svg+xml",
                "image/png",
                "application/vnd.mapbox-vector-tile",
                "application/x-protobuf",
                "",
                "garbage",
                "text/html;q=0, */*;q=0",
                "*/*;q=abc",
                "application/json;q=1.00000001",
                "application/*;q=0.5, text/*;q=-1",
                ";;;,,,",
            ]
        ),
        h(
            "content-type",
            &[
                "application/json",
                "text/csv",
                "text/plain",
                "multipart/form-data; boundary=x",
                "application/x-www-form-urlencoded",
                "application/json; charset=latin1",
                "",
                "garbage/",
                "application/json;;;",
            ]
        ),
        h(
            "if-none-match",
            &["*", "\"x\"", "W/\"1\"", "\"", ",,,", "W/"]
        ),
        h(
            "if-match",
            &["*", "\"1\"", "\"-1\"", "\"99999999999999999999\"", "x"]
        ),
        h(
            "if-modified-since",
            &[
                "Thu, 01 Jan 1970 00:00:00 GMT",
                "Fri, 31 Dec 9999 23:59:59 GMT",
                "yesterday",
                "",
            ]
        ),
        h(
            "range",
            &[
                "bytes=0-0",
                "bytes=999999999-",
                "bytes=5-1",
                "bytes=-0",
                "bytes=0-1,2-3,4-5,6-7,8-9,10-11",
                "lines=1-2",
                "bytes=",
            ]
        ),
        h("origin", &["https://evil.example", "null", ""]),
        h(
            "authorization",
            &[
                "Bearer junk",
                "Bearer vmt_0000000000000000000000000000000000000000",
                "Bearer ",
                "Basic YWRtaW46YWRtaW4=",
                "Digest x",
            ]
        ),
        h(
            "cookie",
            &[
                "vetmap_session=junk",
                "vetmap_session=",
                "a=b; a=c; vetmap_session=%00",
                ";;;",
            ]
        ),
        h("x-csrf-token", &["", "junk"]),
        prop_oneof![
            h("accept-language", &["vi", "en", "*", "vi;q=abc", ""]),
            h(
                "accept-encoding",
                &["identity", "identity;q=0", "*;q=0", "x-junk"]
            ),
            h(
                "x-forwarded-for",
                &["1.2.3.4", "junk", ", , ,", "::1, 999.1.1.1"]
            ),
            ("[a-z-]{1,24}", "[ -~]{0,64}").boxed(),
        ],
    ]
    .boxed()
}

/// One request to `op`.
pub fn request(op: &Operation, plausible: &Plausible) -> Gen<Req> {
    (
        path(op, plausible),
        query(op),
        method(op.method.clone()),
        proptest::collection::vec(header(), 0..3),
    )
        .prop_map(|(path, query, method, headers)| Req {
            method,
            target: format!("{path}{query}"),
            headers,
            body: None,
        })
        .boxed()
}

/// A request to any of `ops`.
pub fn any_request(ops: &[Operation], plausible: &Plausible) -> Gen<Req> {
    let each: Vec<Gen<Req>> = ops.iter().map(|op| request(op, plausible)).collect();
    proptest::strategy::Union::new(each).boxed()
}

/// Every operation once with each boundary of each query parameter, then random
/// requests to every operation.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_documented_route_survives_hostile_query_strings_paths_methods_and_headers() {
    let s = crate::common::spawn(crate::server_config()).await;
    let t = Target::new(&s.base);
    let (ops, _) = api_doc::operations(&t).await;
    let plausible = plausible(&t).await;

    // The sweep: every operation with no query, each documented parameter alone at each
    // edge, and each wrong method. Deterministic, so no operation is left to chance.
    let mut swept = 0;
    for op in &ops {
        let base = fill_plausibly(op, &plausible);
        let mut targets = vec![base.clone(), format!("{base}?zzz=1&zzz=2")];
        for p in op.query_params() {
            for v in [
                "",
                "%00",
                "%FF",
                "-1",
                "1e309",
                "NaN",
                "99999999999999999999",
            ] {
                targets.push(format!("{base}?{}={v}", p.name));
            }
            targets.push(format!("{base}?{0}=1&{0}=2", p.name));
        }
        let mut reqs: Vec<Req> = targets
            .into_iter()
            .map(|target| Req {
                method: op.method.clone(),
                ..Req::get(target)
            })
            .collect();
        for m in ["GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "PATCH"] {
            let m = Method::from_bytes(m.as_bytes()).expect("a method");
            if m != op.method {
                reqs.push(Req {
                    method: m,
                    ..Req::get(base.clone())
                });
            }
        }
        for req in reqs {
            swept += 1;
            if let Err(e) = t.case(&req).await {
                panic!("{} {}: {e}", req.method, req.target);
            }
        }
    }
    check::report("routes (sweep)", swept);
    t.report_statuses("routes (sweep)");

    check::requests("routes (random)", 700, &t, move || {
        any_request(&ops, &plausible)
    })
    .await;
}

/// The path of `op` with plausible values (the first known one) in its segments.
pub fn fill_plausibly(op: &Operation, plausible: &Plausible) -> String {
    let mut p = op.path.clone();
    for name in op.template_names() {
        let v = plausible
            .get(&name)
            .and_then(|v| v.first())
            .map(|v| enc(v))
            .unwrap_or_else(|| "1".into());
        p = p.replacen(&format!("{{{name}}}"), &v, 1);
    }
    p
}

/// Static files: pages, bundles, missing files, odd names, ranges and methods.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn static_files_survive_hostile_paths_ranges_and_methods() {
    let s = crate::common::spawn(crate::server_config()).await;
    let t = Target::new(&s.base);
    let strategy = || {
        let paths = prop_oneof![
            select(
                &[
                    "/",
                    "/index.html",
                    "/admin.html",
                    "/favicon.svg",
                    "/verify.html",
                    "/missing.html",
                    "/dist/missing.js",
                    "/dist/",
                    "/dist",
                    "/officials/",
                    "/node_modules/maplibre-gl/dist/",
                    "/package.json",
                    "/dist/%00.js",
                    "/%00.html",
                    "/a%0Ab.html",
                    "/%FF.html",
                    "/dist/%C0%AF.js",
                ][..]
            )
            .prop_map(str::to_owned),
            (1usize..600).prop_map(|n| format!("/{}.html", "a".repeat(n))),
            (1usize..600).prop_map(|n| format!("/dist/{}.js", "b".repeat(n))),
            "\\PC{0,30}".prop_map(|s| format!("/{}.html", enc(&s))),
            "\\PC{0,30}".prop_map(|s| format!("/dist/{}", enc(&s))),
        ];
        (
            paths,
            prop_oneof![
                4 => Just(Method::GET),
                2 => Just(Method::HEAD),
                1 => select(&["POST", "PUT", "DELETE", "OPTIONS", "FOO"][..])
                    .prop_map(|m| Method::from_bytes(m.as_bytes()).expect("a method")),
            ],
            proptest::collection::vec(header(), 0..3),
        )
            .prop_map(|(target, method, headers)| Req {
                method,
                target,
                headers,
                body: None,
            })
    };
    check::requests("static files", 250, &t, strategy).await;
}

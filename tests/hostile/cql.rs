//! CQL2 filters from the grammar, text and JSON: deep nesting, wide AND/OR lists, long
//! strings, LIKE patterns, IN lists, spatial predicates with WKT and GeoJSON, temporal
//! ones, and the same cut short or with a character changed. Sent to every operation
//! whose document lists a `filter` parameter.

use proptest::prelude::*;
use proptest::sample::select;
use serde_json::{Value, json};

use crate::api_doc;
use crate::check::{self, Req, Target};
use crate::routes::{fill_plausibly, plausible};
use crate::values::{Gen, NUMBERS, enc};

/// Property names: the queryables of the institutions' collection (read at start), and
/// some that are not.
fn property(known: Vec<String>) -> Gen<String> {
    prop_oneof![
        4 => select(known),
        1 => select(&["geometry", "id", "nope", "\"quoted name\"", "x.y", "ünï"][..])
            .prop_map(str::to_owned),
        1 => "[a-zA-Z_][a-zA-Z0-9_]{0,30}",
    ]
    .boxed()
}

/// A CQL2 text string literal: quotes doubled, any text.
fn text_string() -> Gen<String> {
    prop_oneof![
        3 => "\\PC{0,20}",
        1 => (1usize..5_000).prop_map(|n| "ă".repeat(n)),
        1 => select(&["", "'", "''", "\\", "%", "_", "%%%%%%%%%%%%%%%%%%%%a"][..])
            .prop_map(str::to_owned),
    ]
    .prop_map(|s| format!("'{}'", s.replace('\'', "''")))
    .boxed()
}

fn like_pattern() -> Gen<String> {
    prop_oneof![
        3 => "[%_a\\\\ă]{0,40}",
        1 => (1usize..400).prop_map(|n| "%a".repeat(n) + "b"),
        1 => (1usize..400).prop_map(|n| "_".repeat(n)),
    ]
    .prop_map(|s| format!("'{}'", s.replace('\'', "''")))
    .boxed()
}

fn coordinate() -> Gen<String> {
    prop_oneof![
        4 => (-200.0f64..200.0).prop_map(|v| format!("{v:.4}")),
        1 => select(&NUMBERS[..]).prop_map(str::to_owned),
    ]
    .boxed()
}

fn wkt() -> Gen<String> {
    let point = (coordinate(), coordinate()).prop_map(|(x, y)| format!("{x} {y}"));
    let ring = proptest::collection::vec(point.clone(), 0..60).prop_map(|ps| ps.join(", "));
    prop_oneof![
        point.clone().prop_map(|p| format!("POINT({p})")),
        ring.clone().prop_map(|r| format!("POLYGON(({r}))")),
        ring.clone().prop_map(|r| format!("LINESTRING({r})")),
        proptest::collection::vec(ring.clone(), 0..8).prop_map(|rs| format!(
            "MULTIPOLYGON({})",
            rs.iter()
                .map(|r| format!("(({r}))"))
                .collect::<Vec<_>>()
                .join(",")
        )),
        (1usize..3_000).prop_map(|n| format!("POLYGON(({}0 0))", "1 1, ".repeat(n))),
        (1usize..200).prop_map(|n| format!(
            "GEOMETRYCOLLECTION({}POINT(1 1){})",
            "GEOMETRYCOLLECTION(".repeat(n),
            ")".repeat(n)
        )),
        (coordinate(), coordinate(), coordinate(), coordinate())
            .prop_map(|(a, b, c, d)| format!("BBOX({a},{b},{c},{d})")),
        Just("POINT EMPTY".to_owned()),
        Just("POLYGON((0 0, 1 1))".to_owned()),
    ]
    .boxed()
}

fn literal() -> Gen<String> {
    prop_oneof![
        3 => text_string(),
        2 => select(&NUMBERS[..]).prop_map(str::to_owned),
        1 => any::<i64>().prop_map(|n| n.to_string()),
        1 => select(&["TRUE", "FALSE", "NULL"][..]).prop_map(str::to_owned),
        1 => select(&[
            "TIMESTAMP('2024-01-01T00:00:00Z')",
            "TIMESTAMP('9999-99-99T99:99:99Z')",
            "DATE('2024-02-30')",
            "DATE('')",
            "INTERVAL('2020-01-01','..')",
        ][..])
        .prop_map(str::to_owned),
    ]
    .boxed()
}

/// One predicate of CQL2 text.
fn text_leaf(props: Vec<String>) -> Gen<String> {
    let p = property(props);
    let cmp = select(&["=", "<>", "<", ">", "<=", ">=", "==", "!="][..]);
    prop_oneof![
        4 => (p.clone(), cmp, literal()).prop_map(|(p, o, l)| format!("{p} {o} {l}")),
        2 => (p.clone(), like_pattern()).prop_map(|(p, l)| format!("{p} LIKE {l}")),
        2 => (p.clone(), proptest::collection::vec(literal(), 0..300))
            .prop_map(|(p, ls)| format!("{p} IN ({})", ls.join(", "))),
        1 => (p.clone(), literal(), literal())
            .prop_map(|(p, a, b)| format!("{p} BETWEEN {a} AND {b}")),
        1 => p.clone().prop_map(|p| format!("{p} IS NOT NULL")),
        2 => (select(&["S_INTERSECTS", "S_WITHIN", "S_CONTAINS", "S_DISJOINT"][..]), wkt())
            .prop_map(|(f, w)| format!("{f}(geometry, {w})")),
        1 => (select(&["T_AFTER", "T_BEFORE", "T_INTERSECTS"][..]), p.clone())
            .prop_map(|(f, p)| format!("{f}({p}, TIMESTAMP('2024-01-01T00:00:00Z'))")),
        1 => (p.clone(), text_string())
            .prop_map(|(p, s)| format!("CASEI({p}) = CASEI({s})")),
        1 => (p, text_string()).prop_map(|(p, s)| format!("ACCENTI({p}) LIKE ACCENTI({s})")),
        1 => select(&["TRUE", "FALSE", "1 = 1", "NOT", "AND", "(", ")", "''", "'"][..])
            .prop_map(str::to_owned),
    ]
    .boxed()
}

/// CQL2 text: predicates joined by AND/OR, negated, parenthesised, nested; some deep,
/// some wide, some cut or changed.
pub fn text(props: Vec<String>) -> Gen<String> {
    let leaf = text_leaf(props.clone());
    let tree = leaf.clone().prop_recursive(6, 96, 24, |inner| {
        prop_oneof![
            (
                select(&[" AND ", " OR ", " and ", " or "][..]),
                proptest::collection::vec(inner.clone(), 2..24)
            )
                .prop_map(|(op, xs)| xs.join(op)),
            inner.clone().prop_map(|x| format!("NOT ({x})")),
            inner.clone().prop_map(|x| format!("({x})")),
        ]
    });
    let deep = (
        1usize..120,
        leaf.clone(),
        select(&["(", "NOT (", "-", "NOT ", "((", "(NOT "][..]),
    )
        .prop_map(|(d, l, open)| {
            let close = if open.contains('(') { ")" } else { "" };
            let closes = close.repeat(open.matches('(').count());
            format!("{}{l}{}", open.repeat(d), closes.repeat(d))
        });
    let wide = (1usize..600, leaf, select(&[" AND ", " OR "][..]))
        .prop_map(|(n, l, op)| vec![l; n].join(op));
    let whole = prop_oneof![6 => tree, 2 => deep, 1 => wide];
    (
        whole,
        0usize..10,
        any::<prop::sample::Index>(),
        any::<char>(),
    )
        .prop_map(|(s, damage, at, c)| {
            let mut chars: Vec<char> = s.chars().collect();
            match damage {
                // Cut short, or a character changed: the parser's error paths.
                0 if !chars.is_empty() => chars.truncate(at.index(chars.len())),
                1 if !chars.is_empty() => {
                    let i = at.index(chars.len());
                    chars[i] = c;
                }
                _ => {}
            }
            chars.into_iter().collect()
        })
        .boxed()
}

fn json_literal() -> Gen<Value> {
    prop_oneof![
        3 => "\\PC{0,20}".prop_map(Value::from),
        2 => any::<f64>().prop_map(|f| json!(f)),
        2 => any::<i64>().prop_map(Value::from),
        1 => any::<bool>().prop_map(Value::from),
        1 => Just(Value::Null),
        1 => Just(json!({"timestamp": "2024-01-01T00:00:00Z"})),
        1 => Just(json!({"date": "2024-02-30"})),
        1 => Just(json!({"interval": ["..", "2020-01-01"]})),
        1 => (1usize..5_000).prop_map(|n| Value::from("ă".repeat(n))),
    ]
    .boxed()
}

fn geojson() -> Gen<Value> {
    let pos = (any::<f64>(), -200.0f64..200.0)
        .prop_map(|(x, y)| json!([x, y]))
        .boxed();
    prop_oneof![
        pos.clone()
            .prop_map(|p| json!({"type": "Point", "coordinates": p})),
        proptest::collection::vec(pos.clone(), 0..80)
            .prop_map(|r| json!({"type": "Polygon", "coordinates": [r]})),
        proptest::collection::vec(pos, 0..40)
            .prop_map(|r| json!({"type": "LineString", "coordinates": r})),
        Just(json!({"bbox": [104.0, 9.0, 107.0, 11.0]})),
        Just(json!({"bbox": [f64::MAX, "x", null]})),
        Just(json!({"type": "Nope", "coordinates": []})),
    ]
    .boxed()
}

fn json_leaf(props: Vec<String>) -> Gen<Value> {
    let p = property(props).prop_map(|p| json!({"property": p})).boxed();
    let cmp = select(
        &[
            "=", "<>", "<", ">", "<=", ">=", "like", "between", "in", "isNull", "nope",
        ][..],
    );
    prop_oneof![
        4 => (cmp, p.clone(), json_literal())
            .prop_map(|(op, p, l)| json!({"op": op, "args": [p, l]})),
        2 => (p.clone(), proptest::collection::vec(json_literal(), 0..300))
            .prop_map(|(p, ls)| json!({"op": "in", "args": [p, ls]})),
        2 => (select(&["s_intersects", "s_within", "s_contains"][..]), geojson())
            .prop_map(|(op, g)| json!({"op": op, "args": [{"property": "geometry"}, g]})),
        1 => p.clone().prop_map(|p| json!({"op": "isNull", "args": [p]})),
        1 => (p, json_literal(), json_literal())
            .prop_map(|(p, a, b)| json!({"op": "between", "args": [p, a, b]})),
        1 => any::<bool>().prop_map(Value::from),
        1 => crate::bodies::any_json(),
    ]
    .boxed()
}

/// CQL2 JSON: the same predicates and combinations as trees.
pub fn json_filter(props: Vec<String>) -> Gen<String> {
    let leaf = json_leaf(props);
    let tree = leaf.clone().prop_recursive(6, 96, 24, |inner| {
        prop_oneof![
            (
                select(&["and", "or", "AND", "xor"][..]),
                proptest::collection::vec(inner.clone(), 0..24)
            )
                .prop_map(|(op, xs)| json!({"op": op, "args": xs})),
            inner
                .clone()
                .prop_map(|x| json!({"op": "not", "args": [x]})),
            inner.clone().prop_map(|x| json!({"op": "not", "args": x})),
        ]
    });
    let deep = (1usize..150, leaf).prop_map(|(d, l)| {
        let mut v = l;
        for _ in 0..d {
            v = json!({"op": "not", "args": [v]});
        }
        v
    });
    prop_oneof![4 => tree, 1 => deep]
        .prop_map(|v| v.to_string())
        .boxed()
}

/// The filter percent-encoded, cut at a character so that the URI stays under the 64 KiB
/// the `http` crate parses (past it hyper refuses the request before our code runs).
/// Every cut filter is still far over the server's own 8 KiB limit.
pub fn clip_encoded(filter: &str) -> String {
    let mut out = String::new();
    for c in filter.chars() {
        let e = enc(c.encode_utf8(&mut [0; 4]));
        if out.len() + e.len() > 48_000 {
            break;
        }
        out.push_str(&e);
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cql2_filters_from_the_grammar_are_answered_or_refused_and_the_server_lives() {
    let s = crate::common::spawn(crate::server_config()).await;
    let t = Target::new(&s.base);
    let (ops, _) = api_doc::operations(&t).await;
    let plausible = plausible(&t).await;
    // Every operation that takes a filter, with plausible path values.
    let bases: Vec<String> = ops
        .iter()
        .filter(|op| op.method == reqwest::Method::GET)
        .filter(|op| op.query_params().any(|p| p.name == "filter"))
        .map(|op| fill_plausibly(op, &plausible))
        .collect();
    assert!(
        bases.iter().any(|b| b.contains("/items")),
        "the collections' items take a filter: {bases:?}"
    );
    let queryables: Value = serde_json::from_slice(
        &t.send(&Req::get("/collections/institutions/queryables"))
            .await
            .expect("queryables")
            .body,
    )
    .expect("queryables are JSON");
    let props: Vec<String> = queryables["properties"]
        .as_object()
        .map(|o| o.keys().cloned().collect())
        .unwrap_or_default();
    assert!(
        props.len() > 3,
        "the institutions' queryables: {queryables}"
    );

    let bases_text = bases.clone();
    let props_text = props.clone();
    check::requests("cql2 text", 400, &t, move || {
        (select(bases_text), text(props_text)).prop_map(|(base, filter)| {
            Req::get(format!(
                "{base}?filter-lang=cql2-text&filter={}",
                clip_encoded(&filter)
            ))
        })
    })
    .await;
    check::requests("cql2 json", 250, &t, move || {
        (select(bases), json_filter(props)).prop_map(|(base, filter)| {
            Req::get(format!(
                "{base}?filter-lang=cql2-json&filter={}",
                clip_encoded(&filter)
            ))
        })
    })
    .await;
}

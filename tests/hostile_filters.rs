//! Hostile query parameters against the real server, which runs in this test's process:
//! a stack overflow in a handler would abort the test, so each refusal below is also a
//! check that the process survived. Every one answers 400 with a JSON body naming the
//! parameter, and `/health` answers after it.

mod common;

use common::{TestServer, spawn_bundled};
use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
use reqwest::StatusCode;
use serde_json::Value;

fn enc(s: &str) -> String {
    utf8_percent_encode(s, NON_ALPHANUMERIC).to_string()
}

/// Asserts a 400 naming `parameter` whose description contains `says`, then that the
/// server still answers.
async fn refused(s: &TestServer, path: &str, parameter: &str, says: &str) -> Value {
    let shown = &path[..path.len().min(120)];
    let r = s.get(path).await;
    let status = r.status();
    let body: Value = r.json().await.expect("a JSON body");
    assert_eq!(status, StatusCode::BAD_REQUEST, "{shown}: {body}");
    assert_eq!(body["parameter"], parameter, "{shown}: {body}");
    let description = body["description"].as_str().unwrap_or_default();
    assert!(description.contains(says), "{shown}: {description}");
    assert!(description.len() < 1000, "{shown}: a short description");
    alive(s).await;
    body
}

async fn alive(s: &TestServer) {
    assert_eq!(s.get("/health").await.status(), StatusCode::OK);
}

fn filter(text: &str) -> String {
    format!("/collections/institutions/items?filter={}", enc(text))
}

fn json_filter(json: &str) -> String {
    format!(
        "/collections/institutions/items?filter-lang=cql2-json&filter={}",
        enc(json)
    )
}

#[tokio::test]
async fn the_2_kb_minus_filter_that_aborted_the_server_is_a_400_stating_the_limit() {
    let s = spawn_bundled().await;
    for n in [1_000, 2_000] {
        let f = format!("{}1", "-".repeat(n));
        refused(&s, &filter(&f), "filter", "more than 32 levels").await;
    }
}

#[tokio::test]
async fn deep_parentheses_and_deep_cql2_json_are_refused_before_parsing() {
    let s = spawn_bundled().await;
    let parens = format!("{}name = 'x'{}", "(".repeat(4000), ")".repeat(4000));
    refused(&s, &filter(&parens), "filter", "more than 32 levels").await;
    let mut deep = r#"{"op":"=","args":[{"property":"name"},"x"]}"#.to_owned();
    for _ in 0..200 {
        deep = format!(r#"{{"op":"not","args":[{deep}]}}"#);
    }
    refused(&s, &json_filter(&deep), "filter", "74 levels").await;
    let brackets = format!("{}1{}", "[".repeat(3000), "]".repeat(3000));
    refused(&s, &json_filter(&brackets), "filter", "74 levels").await;
}

#[tokio::test]
async fn long_filters_and_long_chains_are_refused_by_their_limits() {
    let s = spawn_bundled().await;
    // 60 KB: under the 64 KiB a URI may have (the http crate's limit), over ours.
    let long = format!("name = '{}'", "x".repeat(60_000));
    refused(&s, &filter(&long), "filter", "the limit is 8192").await;
    let chain = vec!["kind = 'college'"; 1000].join(" AND ");
    refused(&s, &filter(&chain), "filter", "8192").await;
    let chain = vec!["a=1"; 200].join(" OR ");
    refused(&s, &filter(&chain), "filter", "256 operators").await;
}

#[tokio::test]
async fn a_100_kb_filter_is_refused_before_it_reaches_a_handler() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let s = spawn_bundled().await;
    let huge = filter(&format!("name = '{}'", "x".repeat(100_000)));
    // No HTTP client builds a URI past 64 KiB (the http crate's limit), so the request
    // goes by hand; the server refuses it before routing, as 414 URI Too Long.
    let addr = s.base.trim_start_matches("http://");
    let mut conn = tokio::net::TcpStream::connect(addr).await.unwrap();
    let request = format!("GET {huge} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    conn.write_all(request.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    conn.read_to_end(&mut answer).await.unwrap();
    let answer = String::from_utf8_lossy(&answer);
    assert!(
        answer.starts_with("HTTP/1.1 414"),
        "{}",
        &answer[..answer.len().min(200)]
    );
    alive(&s).await;
}

#[tokio::test]
async fn huge_in_lists_and_deep_geometry_collections_are_refused() {
    let s = spawn_bundled().await;
    let values: Vec<String> = (0..1001).map(|i| format!("'{i}'")).collect();
    let list = format!("id IN ({})", values.join(","));
    refused(&s, &filter(&list), "filter", "at most 1000 values").await;
    let gc = |n: usize| {
        format!(
            "S_INTERSECTS(geometry, {}POINT(106 9){})",
            "GEOMETRYCOLLECTION(".repeat(n),
            ")".repeat(n)
        )
    };
    refused(&s, &filter(&gc(300)), "filter", "more than 32 levels").await;
    // Shallow enough for the scan: cql2 refuses a nested collection itself.
    refused(&s, &filter(&gc(5)), "filter", "").await;
    // The exponential shape: each level doubles the parser's work.
    let mut lists = "1".to_owned();
    for _ in 0..28 {
        lists = format!("({lists},1)");
    }
    refused(
        &s,
        &filter(&format!("id IN {lists}")),
        "filter",
        "too much work",
    )
    .await;
}

#[tokio::test]
async fn a_10k_character_q_is_refused_by_search_autocomplete_and_features() {
    let s = spawn_bundled().await;
    let q = enc(&"trường cao đẳng ".repeat(625));
    for path in [
        format!("/api/v1/search?q={q}"),
        format!("/api/v1/search/autocomplete?q={q}"),
        format!("/collections/institutions/items?q={q}"),
        format!("/collections/admin-areas/items?q={q}"),
    ] {
        refused(&s, &path, "q", "200 characters").await;
    }
    // At the limit, the search answers (a 200-character query of long words).
    let at = enc(&"congnghethongtin ".repeat(12)[..200]);
    let (status, _) = s.get_json(&format!("/api/v1/search?q={at}")).await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn hostile_tile_paths_name_the_coordinate() {
    let s = spawn_bundled().await;
    let huge = "9".repeat(5000);
    for (path, parameter) in [
        (format!("/tiles/institutions/{huge}/0/0.mvt"), "z"),
        ("/tiles/institutions/+1/0/0.mvt".to_owned(), "z"),
        ("/tiles/institutions/1/%D9%A3/0.mvt".to_owned(), "x"),
        ("/tiles/institutions/1/0/-0.mvt".to_owned(), "y"),
        (format!("/tiles/coverage/1/0/{huge}.mvt"), "y"),
    ] {
        refused(&s, &path, parameter, "whole number").await;
    }
}

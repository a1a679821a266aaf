//! Values in wire form (percent-encoded ASCII, junk escapes left as they are) for query
//! strings and path segments: boundary numbers, broken escapes, huge and random text,
//! and values that fit a parameter's documented schema, so that a case gets past the
//! first check as often as it is stopped by it.

use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
use proptest::prelude::*;
use proptest::sample::select;
use proptest::strategy::BoxedStrategy;
use serde_json::Value;

pub type Gen<T> = BoxedStrategy<T>;

pub fn enc(s: &str) -> String {
    utf8_percent_encode(s, NON_ALPHANUMERIC).to_string()
}

/// Every byte percent-encoded: any byte sequence, valid UTF-8 or not.
pub fn enc_bytes(b: &[u8]) -> String {
    b.iter().map(|b| format!("%{b:02X}")).collect()
}

/// Numbers at and past every edge a parser has.
pub const NUMBERS: [&str; 34] = [
    "0",
    "-0",
    "1",
    "-1",
    "0.5",
    "-0.000001",
    "1e309",
    "-1e309",
    "1e-400",
    "NaN",
    "nan",
    "inf",
    "-inf",
    "Infinity",
    "1.7976931348623157e308",
    "4.9e-324",
    "2147483648",
    "4294967296",
    "9223372036854775807",
    "9223372036854775808",
    "-9223372036854775809",
    "18446744073709551616",
    "340282366920938463463374607431768211456",
    "00000000000000000000001",
    "1_000",
    "0x1F",
    "%2B5",
    "5.",
    "-.5",
    "%201",
    "1%20",
    "1e",
    "--1",
    "1.2.3",
];

/// Escapes and tokens that have broken parsers elsewhere.
pub const TOKENS: [&str; 30] = [
    "",
    "%",
    "%z",
    "%zz",
    "%FF",
    "%00",
    "a%00b",
    "%C0%AF",
    "%ED%A0%80",
    "%F4%90%80%80",
    "%E1%BA",
    "%EF%BB%BF",
    "null",
    "undefined",
    "true",
    "%5B%5D",
    "%7B%7D",
    "..",
    "..%2F..",
    "%2e%2e",
    "*",
    "%2F",
    "%5C",
    "1,2,3",
    "-180,-90,180,90",
    "NaN,NaN,NaN,NaN",
    "1e309,1e309,-1e309,-1e309",
    "0,0,0,0,0,0,0",
    "%27%20OR%201%3D1--",
    "%3Cscript%3E",
];

pub fn number() -> Gen<String> {
    prop_oneof![
        3 => select(&NUMBERS[..]).prop_map(str::to_owned),
        1 => any::<i64>().prop_map(|n| n.to_string()),
        1 => any::<f64>().prop_map(|n| n.to_string()),
        1 => (-1000i64..1000).prop_map(|n| n.to_string()),
    ]
    .boxed()
}

/// Text of any kind, long ones included (up to ~40 KB on the wire, under the URI limit
/// of the `http` crate, so the request reaches our code).
pub fn junk() -> Gen<String> {
    prop_oneof![
        3 => select(&TOKENS[..]).prop_map(str::to_owned),
        2 => "\\PC{0,24}".prop_map(|s| enc(&s)),
        1 => proptest::collection::vec(any::<u8>(), 0..24).prop_map(|b| enc_bytes(&b)),
        1 => (1usize..8_000, select(&["a", "%C4%83", "%00", "(", "-", "%27", ",", "%25"][..]))
            .prop_map(|(n, unit)| unit.repeat(n.min(40_000 / unit.len()))),
        2 => number(),
    ]
    .boxed()
}

/// Dates and intervals, well and badly formed.
fn date() -> Gen<String> {
    prop_oneof![
        select(
            &[
                "2024-01-01",
                "2026-02-30",
                "0000-00-00",
                "9999-12-31T23:59:59Z",
                "2024-13-45T25:61:61Z",
                "..",
                "../..",
                "2020-01-01T00:00:00Z%2F..",
                "..%2F2020-01-01",
                "2020-01-01%2F2019-01-01",
                "-271821-04-20",
                "%2B275760-09-13",
                "2024-01-01T00:00:00%2B99:99",
            ][..]
        )
        .prop_map(str::to_owned),
        (any::<i32>(), 0u32..20, 0u32..40).prop_map(|(y, m, d)| format!("{y:04}-{m:02}-{d:02}")),
    ]
    .boxed()
}

/// A value for a parameter of `schema`: one that fits it (enum members, numbers at its
/// bounds) or one that does not, about half and half.
pub fn for_schema(schema: &Value) -> Gen<String> {
    let fitting = fitting(schema);
    prop_oneof![1 => fitting, 1 => junk()].boxed()
}

fn fitting(schema: &Value) -> Gen<String> {
    if let Some(members) = schema["enum"].as_array() {
        let members: Vec<String> = members
            .iter()
            .map(|m| m.as_str().map_or_else(|| m.to_string(), enc))
            .collect();
        if !members.is_empty() {
            return select(members).boxed();
        }
    }
    let types = match &schema["type"] {
        Value::String(t) => vec![t.clone()],
        Value::Array(ts) => ts
            .iter()
            .filter_map(|t| t.as_str().map(str::to_owned))
            .collect(),
        _ => vec![],
    };
    let ty = types.first().map(String::as_str).unwrap_or("");
    match ty {
        "integer" | "number" => {
            let mut edges = Vec::new();
            for bound in ["minimum", "maximum"] {
                if let Some(b) = schema[bound].as_f64() {
                    for d in [-1.0, -0.5, 0.0, 0.5, 1.0] {
                        let v = b + d;
                        edges.push(if ty == "integer" && v.fract() == 0.0 {
                            format!("{}", v as i64)
                        } else {
                            v.to_string()
                        });
                    }
                }
            }
            if edges.is_empty() {
                number()
            } else {
                prop_oneof![2 => select(edges), 1 => number()].boxed()
            }
        }
        "boolean" => select(&["true", "false", "1", "0", "TRUE", "yes"][..])
            .prop_map(str::to_owned)
            .boxed(),
        "array" => {
            let item = fitting(&schema["items"]);
            proptest::collection::vec(item, 0..6)
                .prop_map(|v| v.join(","))
                .boxed()
        }
        _ if schema["format"]
            .as_str()
            .is_some_and(|f| f.starts_with("date")) =>
        {
            date()
        }
        _ => prop_oneof![
            2 => "[a-z0-9_-]{0,12}",
            1 => "\\PC{0,12}".prop_map(|s| enc(&s)),
            1 => date(),
        ]
        .boxed(),
    }
}

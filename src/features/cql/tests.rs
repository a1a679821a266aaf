//! The compiler and evaluator, and every filter limit met through `Filter::parse`.

use super::*;
use crate::features::value::Field;
use geo::Intersects;

struct Rec {
    name: &'static str,
    n: Option<f64>,
    ok: bool,
    at: (f64, f64),
}

impl Queryable for Rec {
    fn get(&self, name: &str) -> Scalar<'_> {
        match name {
            "name" => Scalar::Text(self.name),
            "n" => self.n.map_or(Scalar::Null, Scalar::Number),
            "ok" => Scalar::Boolean(self.ok),
            _ => Scalar::Null,
        }
    }
    fn intersects(&self, g: &geo::Geometry<f64>) -> bool {
        g.intersects(&geo::Point::new(self.at.0, self.at.1))
    }
}

const FIELDS: &[Field] = &[
    Field::new("name", FieldKind::Text, "name"),
    Field::new("n", FieldKind::Number, "n"),
    Field::new("ok", FieldKind::Boolean, "ok"),
];

fn check(f: &str, r: &Rec) -> bool {
    Filter::parse(f, FilterLang::Cql2Text, FIELDS)
        .unwrap_or_else(|e| panic!("{f}: {e}"))
        .matches(r)
}

#[test]
fn evaluates_basic_cql2_with_three_valued_logic() {
    let r = Rec {
        name: "Hàn điện",
        n: None,
        ok: true,
        at: (106.3, 9.9),
    };
    assert!(check("name = 'Hàn điện' and ok = true", &r));
    assert!(!check("n > 3", &r));
    assert!(!check("not (n > 3)", &r), "unknown stays unknown under NOT");
    assert!(check("n IS NULL or n > 3", &r));
    assert!(check("name = name and 1 < 2", &r));
    assert!(!check("3 < n", &r));
    assert!(check("name LIKE 'Hàn%'", &r));
    assert!(check("name IN ('x', 'Hàn điện')", &r));
    assert!(check(
        "S_INTERSECTS(geometry, BBOX(106, 9.5, 106.5, 10))",
        &r
    ));
    assert!(check("S_INTERSECTS(geometry, POINT(106.3 9.9))", &r));
    assert!(!check(
        "S_INTERSECTS(geometry, BBOX(100, 9.5, 101, 10))",
        &r
    ));
}

#[test]
fn rejects_unknown_properties_wrong_types_and_syntax() {
    let err = |f: &str| Filter::parse(f, FilterLang::Cql2Text, FIELDS).unwrap_err();
    assert!(matches!(
        err("colour = 'red'"),
        FilterError::UnknownProperty { .. }
    ));
    assert!(matches!(err("n = 'three'"), FilterError::Invalid(_)));
    assert!(matches!(err("name = "), FilterError::Syntax { .. }));
    assert!(matches!(
        err("S_INTERSECTS(geometry, BBOX(107, 9, 106, 10))"),
        FilterError::Invalid(_)
    ));
}

fn like(s: &str, p: &str) -> bool {
    LikePattern::new(p).unwrap().matches(s)
}

#[test]
fn like_handles_wildcards() {
    assert!(like("abc", "a%"));
    assert!(like("abc", "%c"));
    assert!(like("abc", "a_c"));
    assert!(!like("abc", "a_"));
    assert!(like("a%c", "a\\%c"));
    assert!(like("", "%"));
    assert!(like("aXbYc", "%a%b%c%"));
    assert!(!like("aXbYc", "%a%c%b%"));
}

#[test]
fn like_with_many_wildcards_stays_polynomial() {
    // Exponential backtracking would never finish this; (text × pattern) is 30,000
    // steps.
    let text = "a".repeat(200);
    let pattern = format!("{}b", "%a".repeat(75));
    assert!(!like(&text, &pattern));
    assert!(like(&text, &"%a".repeat(75)));
}

fn parse(f: &str, lang: FilterLang) -> Result<Filter, FilterError> {
    Filter::parse(f, lang, FIELDS)
}

fn is_limit(r: Result<Filter, FilterError>) -> bool {
    matches!(r, Err(FilterError::Limit(_)))
}

fn depth(p: &Pred) -> usize {
    match p {
        Pred::And(v) | Pred::Or(v) => 1 + v.iter().map(depth).max().unwrap_or(0),
        Pred::Not(p) => 1 + depth(p),
        _ => 0,
    }
}

#[test]
fn the_2000_minus_signs_that_aborted_the_server_are_a_limit_error() {
    let f = format!("{}1 = n", "-".repeat(2000));
    let e = parse(&f, FilterLang::Cql2Text).unwrap_err();
    assert!(matches!(e, FilterError::Limit(_)), "{e}");
    assert!(e.to_string().contains("32"), "states the limit: {e}");
}

#[test]
fn filters_at_the_depth_limit_parse_and_evaluate() {
    let r = Rec {
        name: "x",
        n: Some(1.0),
        ok: true,
        at: (106.3, 9.9),
    };
    let parens = format!(
        "{}n = 1{}",
        "(".repeat(limits::MAX_DEPTH),
        ")".repeat(limits::MAX_DEPTH)
    );
    assert!(check(&parens, &r));
    let nots = format!("{}n = 1", "NOT ".repeat(limits::MAX_DEPTH));
    assert!(check(&nots, &r), "an even number of NOTs");
    let minus = format!("n = {}1", "- ".repeat(limits::MAX_DEPTH));
    assert!(check(&minus, &r), "an even number of minus signs");
    for deeper in [
        format!("(({parens}))"),
        format!("NOT NOT {nots}"),
        format!("n = - - {}", &minus[4..]),
    ] {
        assert!(is_limit(parse(&deeper, FilterLang::Cql2Text)), "{deeper}");
    }
}

#[test]
fn long_and_chains_compile_flat_and_past_the_limit_are_refused() {
    let chain = |terms: usize| vec!["n = 1"; terms].join(" AND ");
    let f = parse(&chain(128), FilterLang::Cql2Text).unwrap();
    assert!(matches!(&f.0, Pred::And(v) if v.len() == 128));
    assert_eq!(depth(&f.0), 1);
    assert!(is_limit(parse(&chain(1000), FilterLang::Cql2Text)));
}

fn json_nest(op: &str, n: usize) -> String {
    let leaf = r#"{"op":"=","args":[{"property":"n"},1]}"#;
    let mut s = leaf.to_owned();
    for _ in 0..n {
        s = format!(r#"{{"op":"{op}","args":[{s}]}}"#);
    }
    s
}

#[test]
fn nested_json_conjunctions_are_flattened() {
    let f = parse(&json_nest("and", 30), FilterLang::Cql2Json).unwrap();
    assert_eq!(depth(&f.0), 1, "{:?}", f.0);
}

#[test]
fn json_deeper_than_the_limits_is_refused() {
    assert!(parse(&json_nest("not", limits::MAX_DEPTH), FilterLang::Cql2Json).is_ok());
    // Within the bracket limit, past the predicate depth: the compiler refuses.
    assert!(is_limit(parse(
        &json_nest("not", limits::MAX_DEPTH + 1),
        FilterLang::Cql2Json
    )));
    // Past the bracket limit: refused before parsing.
    let brackets = format!("{}1{}", "[".repeat(10_000), "]".repeat(10_000));
    assert!(is_limit(parse(&brackets[..8000], FilterLang::Cql2Json)));
}

#[test]
fn in_lists_and_like_patterns_have_limits() {
    let list = |n: usize| {
        let values = (0..n).map(|i| i.to_string()).collect::<Vec<_>>();
        format!("n IN ({})", values.join(","))
    };
    assert!(parse(&list(limits::MAX_IN_LIST), FilterLang::Cql2Text).is_ok());
    assert!(is_limit(parse(
        &list(limits::MAX_IN_LIST + 1),
        FilterLang::Cql2Text
    )));
    let pattern = |n: usize| format!("name LIKE '{}'", "%".repeat(n));
    assert!(parse(&pattern(limits::MAX_LIKE_PATTERN), FilterLang::Cql2Text).is_ok());
    assert!(is_limit(parse(
        &pattern(limits::MAX_LIKE_PATTERN + 1),
        FilterLang::Cql2Text
    )));
}

#[test]
fn geometries_have_bounded_positions_and_nesting() {
    let line = |n: usize| {
        let c = (0..n).map(|i| format!("106.{i} 9.{i}")).collect::<Vec<_>>();
        format!("S_INTERSECTS(geometry, LINESTRING({}))", c.join(","))
    };
    let at = line(limits::MAX_GEOMETRY_POSITIONS);
    // At the position limit the text is over the length limit: the WKT check is
    // the second line of defence, met by cql2-json's longer spelling never.
    assert!(is_limit(parse(&at, FilterLang::Cql2Text)));
    assert!(parse(&line(300), FilterLang::Cql2Text).is_ok());
    let nested = "S_INTERSECTS(geometry, GEOMETRYCOLLECTION(GEOMETRYCOLLECTION(POINT(1 2))))";
    assert!(parse(nested, FilterLang::Cql2Text).is_err());
    let json_gc = |n: usize| {
        let mut g = r#"{"type":"Point","coordinates":[106,9]}"#.to_owned();
        for _ in 0..n {
            g = format!(r#"{{"type":"GeometryCollection","geometries":[{g}]}}"#);
        }
        format!(r#"{{"op":"s_intersects","args":[{{"property":"geometry"}},{g}]}}"#)
    };
    assert!(parse(&json_gc(1), FilterLang::Cql2Json).is_ok());
    assert!(parse(&json_gc(limits::MAX_WKT_DEPTH + 1), FilterLang::Cql2Json).is_err());
}

#[test]
fn the_exponential_parenthesised_lists_stop_at_the_call_limit() {
    // Each level doubles pest's work: 30 levels would take hours unbounded.
    let mut s = "1".to_owned();
    for _ in 0..30 {
        s = format!("({s},1)");
    }
    assert!(is_limit(parse(&format!("n IN {s}"), FilterLang::Cql2Text)));
}

#[test]
fn syntax_errors_are_short_even_for_long_input() {
    let f = format!("name = '{}' AND", "x".repeat(8000));
    let e = parse(&f, FilterLang::Cql2Text).unwrap_err();
    assert!(matches!(e, FilterError::Syntax { .. }));
    assert!(e.to_string().len() < 400, "{e}");
}

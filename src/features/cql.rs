//! CQL2 filters (OGC API – Features Part 3): parsed by the maintained `cql2` crate
//! (cql2-text or cql2-json), then compiled against a collection's queryables into a
//! small predicate tree that is evaluated on the serving index's records directly.
//! Compiling first means an unknown property, a literal of the wrong type or an
//! unsupported operator is a clear error before any record is read.
//!
//! Supported: Basic CQL2 (`and`, `or`, `not`, `=`, `<>`, `<`, `<=`, `>`, `>=`,
//! `IS NULL`), the advanced comparison operators (`LIKE`, `BETWEEN`, `IN`) and
//! `S_INTERSECTS` of the collection's `geometry` with a literal geometry (WKT or
//! GeoJSON) or `BBOX(...)`. Logic is three-valued: a comparison with a null property is
//! unknown, and a record is selected only when the whole filter is true.
//!
//! Every filter is bounded before it is parsed, while it is compiled and by the shape
//! of what is evaluated: see [`limits`] for the limits and the measurements behind them.

mod like;
pub mod limits;

use std::cell::Cell;
use std::cmp::Ordering;
use std::sync::Once;

use cql2::Expr;

use super::value::{Field, FieldKind, Queryable, Scalar, parse_instant};
use like::LikePattern;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FilterLang {
    Cql2Text,
    Cql2Json,
}

impl FilterLang {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "cql2-text" => Some(Self::Cql2Text),
            "cql2-json" => Some(Self::Cql2Json),
            _ => None,
        }
    }
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum FilterError {
    #[error("not valid {lang}: {message}")]
    Syntax { lang: &'static str, message: String },
    #[error("unknown property {name:?}; queryables: {known}")]
    UnknownProperty { name: String, known: String },
    #[error("{0}")]
    Invalid(String),
    /// Over one of the [`limits`]; the message states the limit.
    #[error("{0}")]
    Limit(String),
}

/// A compiled filter.
#[derive(Debug, Clone)]
pub struct Filter(Pred);

#[derive(Debug, Clone, Copy, PartialEq)]
enum Cmp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

#[derive(Debug, Clone, PartialEq)]
enum Lit {
    Text(String),
    Number(f64),
    Boolean(bool),
    Time(i64),
}

impl Lit {
    fn as_scalar(&self) -> Scalar<'_> {
        match self {
            Lit::Text(s) => Scalar::Text(s),
            Lit::Number(n) => Scalar::Number(*n),
            Lit::Boolean(b) => Scalar::Boolean(*b),
            Lit::Time(t) => Scalar::Time(*t),
        }
    }
}

#[derive(Debug, Clone)]
enum Operand {
    Prop(&'static str),
    Lit(Lit),
}

impl Operand {
    fn value<'r, Q: Queryable>(&'r self, r: &'r Q) -> Scalar<'r> {
        match self {
            Operand::Prop(name) => r.get(name),
            Operand::Lit(l) => l.as_scalar(),
        }
    }
}

#[derive(Debug, Clone)]
enum Pred {
    Const(bool),
    And(Vec<Pred>),
    Or(Vec<Pred>),
    Not(Box<Pred>),
    Compare(Operand, Cmp, Operand),
    IsNull(&'static str),
    Like(&'static str, LikePattern),
    Between(&'static str, Lit, Lit),
    In(&'static str, Vec<Lit>),
    Intersects(geo::Geometry<f64>),
}

impl Filter {
    /// Parses and compiles `text` against the collection's queryables (`geometry` is
    /// the spatial property of every collection).
    pub fn parse(text: &str, lang: FilterLang, fields: &[Field]) -> Result<Self, FilterError> {
        let expr = match lang {
            FilterLang::Cql2Text => {
                limits::check_text(text)?;
                bound_pest();
                cql2::parse_text(text).map_err(text_error)?
            }
            FilterLang::Cql2Json => {
                limits::check_json(text)?;
                cql2::parse_json(text).map_err(|e| FilterError::Syntax {
                    lang: "cql2-json",
                    message: e.to_string(),
                })?
            }
        };
        Compiler {
            fields,
            predicates: Cell::new(0),
        }
        .pred(&expr, 0)
        .map(Filter)
    }

    pub fn matches<Q: Queryable>(&self, record: &Q) -> bool {
        eval(&self.0, record) == Some(true)
    }
}

fn eval<Q: Queryable>(p: &Pred, r: &Q) -> Option<bool> {
    match p {
        Pred::Const(b) => Some(*b),
        Pred::And(ps) => {
            // false wins over unknown; unknown over true.
            let mut acc = Some(true);
            for p in ps {
                match eval(p, r) {
                    Some(false) => return Some(false),
                    None => acc = None,
                    Some(true) => {}
                }
            }
            acc
        }
        Pred::Or(ps) => {
            let mut acc = Some(false);
            for p in ps {
                match eval(p, r) {
                    Some(true) => return Some(true),
                    None => acc = None,
                    Some(false) => {}
                }
            }
            acc
        }
        Pred::Not(p) => eval(p, r).map(|b| !b),
        Pred::Compare(left, op, right) => {
            let ord = left.value(r).compare(&right.value(r))?;
            Some(match op {
                Cmp::Eq => ord == Ordering::Equal,
                Cmp::Ne => ord != Ordering::Equal,
                Cmp::Lt => ord == Ordering::Less,
                Cmp::Le => ord != Ordering::Greater,
                Cmp::Gt => ord == Ordering::Greater,
                Cmp::Ge => ord != Ordering::Less,
            })
        }
        Pred::IsNull(name) => Some(r.get(name) == Scalar::Null),
        Pred::Like(name, pattern) => match r.get(name) {
            Scalar::Text(s) => Some(pattern.matches(s)),
            _ => None,
        },
        Pred::Between(name, lo, hi) => {
            let v = r.get(name);
            let a = v.compare(&lo.as_scalar())?;
            let b = v.compare(&hi.as_scalar())?;
            Some(a != Ordering::Less && b != Ordering::Greater)
        }
        Pred::In(name, lits) => {
            let v = r.get(name);
            if v == Scalar::Null {
                return None;
            }
            Some(
                lits.iter()
                    .any(|l| v.compare(&l.as_scalar()) == Some(Ordering::Equal)),
            )
        }
        Pred::Intersects(g) => Some(r.intersects(g)),
    }
}

/// pest's call limit is process-wide; cql2 is its only user here, so it is set once,
/// before the first parse.
fn bound_pest() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| pest::set_call_limit(std::num::NonZeroUsize::new(limits::PEST_CALL_LIMIT)));
}

/// A cql2-text syntax error, or the parser's own limits, as a short message: pest's
/// display repeats the whole input line, which may be 8 KiB.
fn text_error(e: cql2::Error) -> FilterError {
    let cql2::Error::Pest(p) = &e else {
        return FilterError::Syntax {
            lang: "cql2-text",
            message: clip(&e.to_string()),
        };
    };
    let message = p.variant.message();
    if message.contains("call limit reached") || message.contains("stack limit reached") {
        return FilterError::Limit(
            "the filter takes too much work to parse; nest fewer parentheses and lists".into(),
        );
    }
    let (line, column) = match p.line_col {
        pest::error::LineColLocation::Pos(at) | pest::error::LineColLocation::Span(at, _) => at,
    };
    FilterError::Syntax {
        lang: "cql2-text",
        message: clip(&format!("at line {line}, column {column}: {message}")),
    }
}

/// At most 300 characters of a message that may quote the input.
fn clip(s: &str) -> String {
    match s.char_indices().nth(300) {
        Some((at, _)) => format!("{}…", &s[..at]),
        None => s.to_owned(),
    }
}

struct Compiler<'f> {
    fields: &'f [Field],
    /// Predicates compiled so far, against [`limits::MAX_OPERATORS`].
    predicates: Cell<usize>,
}

impl Compiler<'_> {
    /// Compiles a predicate inside `depth` levels of AND, OR and NOT. The text scan already
    /// bounds cql2-text; cql2-json (and anything the scan misjudged) meets the same
    /// limits here, so the predicate tree is never deeper than [`limits::MAX_DEPTH`]
    /// and evaluating it recurses no further.
    fn pred(&self, e: &Expr, depth: usize) -> Result<Pred, FilterError> {
        if depth > limits::MAX_DEPTH {
            return Err(FilterError::Limit(format!(
                "the filter nests more than {} levels of AND, OR and NOT",
                limits::MAX_DEPTH
            )));
        }
        let count = self.predicates.get() + 1;
        self.predicates.set(count);
        if count > limits::MAX_OPERATORS {
            return Err(FilterError::Limit(format!(
                "the filter has more than {} predicates and operators",
                limits::MAX_OPERATORS
            )));
        }
        match e {
            Expr::Bool(b) => Ok(Pred::Const(*b)),
            Expr::Operation { op, args } => self.operation(op, args, depth),
            other => Err(FilterError::Invalid(format!(
                "expected a predicate, got {}",
                describe(other)
            ))),
        }
    }

    /// The operands of AND or OR; nested ones of the same kind are flattened (cql2
    /// already flattens chains it parsed; cql2-json may spell them nested).
    fn junction(
        &self,
        args: &[Box<Expr>],
        depth: usize,
        same: fn(Pred) -> Result<Vec<Pred>, Pred>,
    ) -> Result<Vec<Pred>, FilterError> {
        let mut out = Vec::with_capacity(args.len());
        for a in args {
            match same(self.pred(a, depth + 1)?) {
                Ok(inner) => out.extend(inner),
                Err(other) => out.push(other),
            }
        }
        Ok(out)
    }

    fn operation(&self, op: &str, args: &[Box<Expr>], depth: usize) -> Result<Pred, FilterError> {
        let arity = |n: usize| {
            if args.len() == n {
                Ok(())
            } else {
                Err(FilterError::Invalid(format!(
                    "{op} takes {n} arguments, got {}",
                    args.len()
                )))
            }
        };
        match op.to_ascii_lowercase().as_str() {
            "and" => self
                .junction(args, depth, |p| match p {
                    Pred::And(v) => Ok(v),
                    other => Err(other),
                })
                .map(Pred::And),
            "or" => self
                .junction(args, depth, |p| match p {
                    Pred::Or(v) => Ok(v),
                    other => Err(other),
                })
                .map(Pred::Or),
            "not" => {
                arity(1)?;
                Ok(Pred::Not(Box::new(self.pred(&args[0], depth + 1)?)))
            }
            "=" | "<>" | "<" | "<=" | ">" | ">=" => {
                arity(2)?;
                let cmp = match op {
                    "=" => Cmp::Eq,
                    "<>" => Cmp::Ne,
                    "<" => Cmp::Lt,
                    "<=" => Cmp::Le,
                    ">" => Cmp::Gt,
                    _ => Cmp::Ge,
                };
                let (a, b) = (args[0].as_ref(), args[1].as_ref());
                let (left, right) = match (self.property(a), self.property(b)) {
                    (Ok(fa), Ok(fb)) if fa.kind != fb.kind => {
                        return Err(FilterError::Invalid(format!(
                            "{} and {} have different types",
                            fa.name, fb.name
                        )));
                    }
                    (Ok(fa), Ok(fb)) => (Operand::Prop(fa.name), Operand::Prop(fb.name)),
                    (Ok(f), Err(_)) => (Operand::Prop(f.name), Operand::Lit(literal(f, b)?)),
                    (Err(_), Ok(f)) => (Operand::Lit(literal(f, a)?), Operand::Prop(f.name)),
                    (Err(e @ FilterError::UnknownProperty { .. }), _)
                    | (_, Err(e @ FilterError::UnknownProperty { .. })) => return Err(e),
                    (Err(_), Err(_)) => (Operand::Lit(untyped(a)?), Operand::Lit(untyped(b)?)),
                };
                Ok(Pred::Compare(left, cmp, right))
            }
            "isnull" => {
                arity(1)?;
                Ok(Pred::IsNull(self.property(&args[0])?.name))
            }
            "like" => {
                arity(2)?;
                let f = self.property(&args[0])?;
                match (f.kind, literal(f, &args[1])?) {
                    (FieldKind::Text, Lit::Text(p)) => {
                        Ok(Pred::Like(f.name, LikePattern::new(&p)?))
                    }
                    _ => Err(FilterError::Invalid(format!(
                        "LIKE needs a text property and a text pattern; {} is not text",
                        f.name
                    ))),
                }
            }
            "between" => {
                arity(3)?;
                let f = self.property(&args[0])?;
                Ok(Pred::Between(
                    f.name,
                    literal(f, &args[1])?,
                    literal(f, &args[2])?,
                ))
            }
            "in" => {
                arity(2)?;
                let f = self.property(&args[0])?;
                match args[1].as_ref() {
                    Expr::Array(items) if items.len() > limits::MAX_IN_LIST => {
                        Err(FilterError::Limit(format!(
                            "an IN list holds at most {} values, this one {}",
                            limits::MAX_IN_LIST,
                            items.len()
                        )))
                    }
                    Expr::Array(items) => Ok(Pred::In(
                        f.name,
                        items
                            .iter()
                            .map(|i| literal(f, i))
                            .collect::<Result<_, _>>()?,
                    )),
                    other => Err(FilterError::Invalid(format!(
                        "IN needs a list, got {}",
                        describe(other)
                    ))),
                }
            }
            "s_intersects" => {
                arity(2)?;
                let (geom_arg, other) = match (args[0].as_ref(), args[1].as_ref()) {
                    (Expr::Property { property }, g) => (property, g),
                    (g, Expr::Property { property }) => (property, g),
                    _ => {
                        return Err(FilterError::Invalid(
                            "S_INTERSECTS compares the property geometry with a literal geometry"
                                .into(),
                        ));
                    }
                };
                if geom_arg != "geometry" {
                    return Err(FilterError::Invalid(format!(
                        "the spatial property is \"geometry\", not {geom_arg:?}"
                    )));
                }
                Ok(Pred::Intersects(geometry(other)?))
            }
            other => Err(FilterError::Invalid(format!(
                "operator {other:?} is not supported; supported: AND, OR, NOT, =, <>, <, <=, >, >=, \
                 IS NULL, LIKE, BETWEEN, IN, S_INTERSECTS"
            ))),
        }
    }

    fn property(&self, e: &Expr) -> Result<&Field, FilterError> {
        match e {
            Expr::Property { property } => self
                .fields
                .iter()
                .find(|f| f.name == property)
                .ok_or_else(|| FilterError::UnknownProperty {
                    name: property.clone(),
                    known: self
                        .fields
                        .iter()
                        .map(|f| f.name)
                        .chain(["geometry"])
                        .collect::<Vec<_>>()
                        .join(", "),
                }),
            other => Err(FilterError::Invalid(format!(
                "comparisons need a property on one side, got {}",
                describe(other)
            ))),
        }
    }
}

/// A literal of the property's type.
fn literal(f: &Field, e: &Expr) -> Result<Lit, FilterError> {
    let wrong = |what: &str| {
        FilterError::Invalid(format!("{} is {what}; {} is not one", f.name, describe(e)))
    };
    let text_of = |e: &Expr| match e {
        Expr::Literal(s) => Some(s.clone()),
        _ => None,
    };
    match f.kind {
        FieldKind::Text => text_of(e).map(Lit::Text).ok_or_else(|| wrong("text")),
        FieldKind::Number => match e {
            Expr::Float(n) => Ok(Lit::Number(*n)),
            _ => Err(wrong("a number")),
        },
        FieldKind::Boolean => match e {
            Expr::Bool(b) => Ok(Lit::Boolean(*b)),
            _ => Err(wrong("a boolean (true or false)")),
        },
        FieldKind::Timestamp | FieldKind::Date => {
            let s = match e {
                Expr::Timestamp { timestamp } => text_of(timestamp),
                Expr::Date { date } => text_of(date),
                Expr::Literal(s) => Some(s.clone()),
                _ => None,
            };
            s.as_deref()
                .and_then(parse_instant)
                .map(Lit::Time)
                .ok_or_else(|| {
                    wrong("a time: TIMESTAMP('2025-07-01T00:00:00Z') or DATE('2025-07-01')")
                })
        }
    }
}

/// A literal compared with another literal: its own type.
fn untyped(e: &Expr) -> Result<Lit, FilterError> {
    match e {
        Expr::Literal(s) => Ok(Lit::Text(s.clone())),
        Expr::Float(n) => Ok(Lit::Number(*n)),
        Expr::Bool(b) => Ok(Lit::Boolean(*b)),
        Expr::Timestamp { timestamp: t } | Expr::Date { date: t } => match t.as_ref() {
            Expr::Literal(s) => parse_instant(s)
                .map(Lit::Time)
                .ok_or_else(|| FilterError::Invalid(format!("{s:?} is not a time"))),
            other => Err(FilterError::Invalid(format!(
                "{} is not a time",
                describe(other)
            ))),
        },
        other => Err(FilterError::Invalid(format!(
            "cannot compare {}",
            describe(other)
        ))),
    }
}

/// A literal geometry: `BBOX(minx, miny, maxx, maxy)`, WKT (`POINT(106.3 9.9)`) or
/// GeoJSON (cql2-json), in CRS84.
fn geometry(e: &Expr) -> Result<geo::Geometry<f64>, FilterError> {
    let bad = |m: String| FilterError::Invalid(format!("S_INTERSECTS: {m}"));
    let g: geo::Geometry<f64> = match e {
        Expr::BBox { bbox } => {
            let nums: Vec<f64> = bbox
                .iter()
                .map(|b| match b.as_ref() {
                    Expr::Float(n) => Ok(*n),
                    other => Err(bad(format!("BBOX takes numbers, got {}", describe(other)))),
                })
                .collect::<Result<_, _>>()?;
            let [a, b, c, d] = nums[..] else {
                return Err(bad(format!(
                    "BBOX takes 4 numbers (minLon, minLat, maxLon, maxLat), got {}",
                    nums.len()
                )));
            };
            let bbox = crate::model::Bbox::new(a, b, c, d).map_err(|e| bad(e.message))?;
            geo::Rect::new(
                geo::coord! {x: bbox.min.lon(), y: bbox.min.lat()},
                geo::coord! {x: bbox.max.lon(), y: bbox.max.lat()},
            )
            .into()
        }
        Expr::Geometry(cql2::Geometry::Wkt(wkt)) => {
            use std::str::FromStr;
            limits::check_wkt(wkt)?;
            let w = wkt::Wkt::<f64>::from_str(wkt).map_err(|e| bad(format!("bad WKT: {e}")))?;
            geo::Geometry::try_from(w).map_err(|e| bad(format!("unusable WKT: {e}")))?
        }
        Expr::Geometry(cql2::Geometry::GeoJSON(g)) => {
            let v = serde_json::to_value(g).map_err(|e| bad(e.to_string()))?;
            let g: geojson::Geometry =
                serde_json::from_value(v).map_err(|e| bad(format!("bad GeoJSON: {e}")))?;
            geo::Geometry::try_from(g).map_err(|e| bad(format!("unusable GeoJSON: {e}")))?
        }
        other => {
            return Err(bad(format!(
                "expected a geometry or BBOX, got {}",
                describe(other)
            )));
        }
    };
    use geo::CoordsIter;
    if collection_depth(&g) > limits::MAX_WKT_DEPTH {
        return Err(bad(format!(
            "geometry collections nest at most {} levels",
            limits::MAX_WKT_DEPTH
        )));
    }
    if g.coords_count() > limits::MAX_GEOMETRY_POSITIONS {
        return Err(limits::geometry_too_big());
    }
    if g.coords_iter()
        .any(|c| !(-180.0..=180.0).contains(&c.x) || !(-90.0..=90.0).contains(&c.y))
    {
        return Err(bad(
            "coordinates must be CRS84 longitude, latitude in range".into(),
        ));
    }
    Ok(g)
}

/// How deeply geometry collections nest in `g` (a plain geometry is 0). The JSON depth
/// limit already bounds the recursion.
fn collection_depth(g: &geo::Geometry<f64>) -> usize {
    match g {
        geo::Geometry::GeometryCollection(c) => {
            1 + c.iter().map(collection_depth).max().unwrap_or(0)
        }
        _ => 0,
    }
}

/// An expression for an error message, clipped: it may be most of the input.
fn describe(e: &Expr) -> String {
    clip(&e.to_text().unwrap_or_else(|_| format!("{e:?}")))
}

#[cfg(test)]
mod tests;

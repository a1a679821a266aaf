//! How big and how deep a filter may be, checked on its text before the `cql2` parser
//! sees it, because the parser cannot be trusted with hostile input:
//!
//! - **Stack.** `cql2` parses with pest and then folds the parse tree recursively, once
//!   per level of nesting, and nothing bounds that second phase: 2,000 `-` signs before
//!   a number overflowed a 2 MiB tokio worker and aborted the process. Measured per
//!   level (release, and debug with the crates optimised as Cargo.toml asks): a
//!   parenthesis 5.8 KiB, a comparison in a chain 2.2 KiB (they associate to the
//!   right, so `a = b = c` nests), a function call 1.8 KiB, a `-` or `NOT` 1.15 KiB,
//!   arithmetic 1 KiB, `AND` 0.55 KiB; pest keeps 64 KiB for itself. At the limits
//!   below the worst filter (32 nested parentheses around a chain of 254 comparisons)
//!   needs 0.75 MiB, measured: just over a third of the worker's 2 MiB, leaving the
//!   rest for everything above the parser. The limits do not rely on a bigger stack.
//! - **Time.** pest does not memoise, and the grammar tries `(…)` as a grouping before
//!   it tries it as a list, so each nested `((…),1)` doubles the work: an 86-byte filter
//!   20 levels deep took 8 s. pest's call limit ([`PEST_CALL_LIMIT`]) bounds that work
//!   whatever the shape, to some 30 ms.
//!
//! The scan is deliberately approximate in the safe direction: it may count a sign as
//! a prefix where the parser sees part of a number, never the other way round.

use super::FilterError;

/// The longest filter, in bytes (after URL decoding). A polygon of 300 vertices is
/// about 6 KiB of cql2-text; many proxies refuse URLs much past 8 KiB anyway.
pub const MAX_FILTER_BYTES: usize = 8 * 1024;
/// The deepest cql2-text nesting: parentheses (groups, function calls, lists,
/// geometries) plus prefix operators (`NOT`, `-`, `+`) one inside another. Hand-written
/// filters rarely pass 5; 32 parentheses cost 0.2 MiB of stack (see above).
pub const MAX_DEPTH: usize = 32;
/// The deepest cql2-json nesting of `[` and `{`. Each level of AND, OR or NOT takes two
/// (`{"op": …, "args": [ … ]}`), and the innermost predicate up to 10 more (a
/// collection of multipolygons); deeper predicates the compiler then refuses by
/// [`MAX_DEPTH`] itself.
pub const MAX_JSON_DEPTH: usize = 2 * MAX_DEPTH + 10;
/// Operators in one filter (`AND`, `OR`, `NOT`, comparisons, arithmetic, `LIKE`, `IN`,
/// `BETWEEN`, `IS NULL`, and in cql2-json every predicate). The parser first builds an
/// `AND` chain as a left-leaning tree as deep as the chain is long, so this bounds
/// depth as well as work.
pub const MAX_OPERATORS: usize = 256;
/// Values in one `IN` list.
pub const MAX_IN_LIST: usize = 1000;
/// Characters in one `LIKE` pattern.
pub const MAX_LIKE_PATTERN: usize = 256;
/// Positions (vertices) in the geometry of one `S_INTERSECTS`; every record is tested
/// against every edge, so this bounds the work of evaluating it.
pub const MAX_GEOMETRY_POSITIONS: usize = 1000;
/// Nesting of parentheses in a WKT geometry: a `MULTIPOLYGON` needs 3, inside a
/// `GEOMETRYCOLLECTION` 4.
pub const MAX_WKT_DEPTH: usize = 4;
/// pest "calls" (rule attempts) one parse may make. Measured on plausible filters of
/// 7-8 KiB: a chain of mixed predicates 118,000, 31 nested groups 117,000, a
/// 300-vertex polygon 56,000 (at 5.7 KiB), a list of 1,600 numbers 235,000 (numbers
/// are the costliest, about 34 per byte), so valid filters stay under a quarter of
/// this. A call takes 20-30 ns: the worst filter the fuzzer found (31 unclosed
/// parentheses) stops after about 30 ms.
pub const PEST_CALL_LIMIT: usize = 1_000_000;

fn too(what: String) -> FilterError {
    FilterError::Limit(what)
}

/// The length check shared by both languages.
pub fn check_length(text: &str) -> Result<(), FilterError> {
    if text.len() > MAX_FILTER_BYTES {
        return Err(too(format!(
            "the filter is {} bytes long; the limit is {MAX_FILTER_BYTES}",
            text.len()
        )));
    }
    Ok(())
}

/// Depth and operator count of cql2-text, from a lexical scan (strings and quoted
/// names skipped).
pub fn check_text(text: &str) -> Result<(), FilterError> {
    check_length(text)?;
    let mut scan = TextScan {
        expect_operand: true,
        ..TextScan::default()
    };
    let mut chars = text.char_indices().peekable();
    while let Some((at, c)) = chars.next() {
        match c {
            c if c.is_whitespace() => {}
            '\'' | '"' => {
                // A quoted string or name; a doubled quote is an escaped one. An
                // unclosed quote runs to the end, where the parser reports it.
                while let Some((_, d)) = chars.next() {
                    if d == c {
                        if chars.peek().is_some_and(|&(_, n)| n == c) {
                            chars.next();
                        } else {
                            break;
                        }
                    }
                }
                // A quoted name before `(` names a function: its call is the operand.
                let rest = chars.peek().map_or("", |&(i, _)| &text[i..]);
                if !(c == '"' && next_is_paren(rest)) {
                    scan.operand();
                }
            }
            '(' => scan.open()?,
            ')' => scan.close(),
            ',' => scan.expect_operand = true,
            '-' | '+' if scan.in_geometry() => {}
            '-' | '+' if scan.expect_operand => scan.prefix()?,
            c if c.is_ascii_digit() || c == '.' => {
                while chars
                    .peek()
                    .is_some_and(|&(_, d)| d.is_ascii_alphanumeric() || d == '.')
                {
                    // An exponent's sign belongs to the number: `1e-5`.
                    let (_, d) = chars.next().unwrap_or((0, ' '));
                    if matches!(d, 'e' | 'E')
                        && chars.peek().is_some_and(|&(_, s)| s == '-' || s == '+')
                    {
                        chars.next();
                    }
                }
                scan.operand();
            }
            c if c.is_alphabetic() || c == '_' => {
                let mut end = at + c.len_utf8();
                while let Some(&(i, d)) = chars.peek() {
                    if d.is_alphanumeric() || matches!(d, '_' | '.' | ':') {
                        end = i + d.len_utf8();
                        chars.next();
                    } else {
                        break;
                    }
                }
                scan.word(&text[at..end], next_is_paren(&text[end..]))?;
            }
            _ => {
                // Comparison and arithmetic operators; `<>`, `<=`, `>=`, `!=` are one.
                if matches!(c, '<' | '>' | '!')
                    && chars.peek().is_some_and(|&(_, n)| n == '=' || n == '>')
                {
                    chars.next();
                }
                if !scan.in_geometry() {
                    scan.operator()?;
                }
            }
        }
    }
    Ok(())
}

fn next_is_paren(rest: &str) -> bool {
    rest.trim_start().starts_with('(')
}

const GEOMETRY_KEYWORDS: [&str; 7] = [
    "POINT",
    "LINESTRING",
    "POLYGON",
    "MULTIPOINT",
    "MULTILINESTRING",
    "MULTIPOLYGON",
    "GEOMETRYCOLLECTION",
];

#[derive(Default)]
struct TextScan {
    /// Levels of nesting open now: parentheses plus prefix operators.
    depth: usize,
    /// Prefix operators in a row at the current parenthesis level, not yet closed by
    /// their operand.
    run: usize,
    /// Per open parenthesis: the prefix run outside it, and whether it holds a
    /// geometry's coordinates.
    open: Vec<(usize, bool)>,
    operators: usize,
    expect_operand: bool,
    /// A geometry keyword was read: the next `(` opens coordinates.
    geometry_pending: bool,
}

impl TextScan {
    fn in_geometry(&self) -> bool {
        self.open.last().is_some_and(|&(_, g)| g)
    }

    fn deeper(&mut self) -> Result<(), FilterError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(too(format!(
                "the filter nests more than {MAX_DEPTH} levels deep (parentheses and the \
                 prefix operators NOT, - and + count)"
            )));
        }
        Ok(())
    }

    fn prefix(&mut self) -> Result<(), FilterError> {
        self.run += 1;
        self.operator()?;
        self.deeper()
    }

    fn operator(&mut self) -> Result<(), FilterError> {
        self.operators += 1;
        self.expect_operand = true;
        if self.operators > MAX_OPERATORS {
            return Err(too(format!(
                "the filter has more than {MAX_OPERATORS} operators (AND, OR, NOT, \
                 comparisons, arithmetic, LIKE, IN, BETWEEN, IS NULL)"
            )));
        }
        Ok(())
    }

    /// The end of an operand closes the prefix operators applied to it.
    fn operand(&mut self) {
        self.depth -= self.run;
        self.run = 0;
        self.expect_operand = false;
    }

    fn open(&mut self) -> Result<(), FilterError> {
        let geometry = self.geometry_pending || self.in_geometry();
        self.open.push((self.run, geometry));
        self.run = 0;
        self.expect_operand = true;
        self.geometry_pending = false;
        self.deeper()
    }

    fn close(&mut self) {
        self.depth -= self.run;
        self.run = 0;
        // An unbalanced `)` is the parser's to report.
        if let Some((outer, _)) = self.open.pop() {
            self.depth -= 1;
            self.run = outer;
        }
        self.operand();
    }

    fn word(&mut self, word: &str, before_paren: bool) -> Result<(), FilterError> {
        let upper = word.to_ascii_uppercase();
        match upper.as_str() {
            "AND" | "OR" | "LIKE" | "IN" | "BETWEEN" | "IS" | "DIV" => self.operator(),
            // `NOT` before an operand is a prefix; after one it begins `NOT LIKE`,
            // `NOT IN` or `NOT BETWEEN`, whose second word counts.
            "NOT" if self.expect_operand => self.prefix(),
            "NOT" => Ok(()),
            "Z" | "M" | "ZM" if self.geometry_pending => Ok(()),
            k if GEOMETRY_KEYWORDS.contains(&k) => {
                self.geometry_pending = true;
                Ok(())
            }
            // A function's name: its call, closed by `)`, is the operand.
            _ if before_paren => Ok(()),
            _ => {
                // A name, a literal (`TRUE`, `NULL`) or `EMPTY`.
                self.geometry_pending = false;
                self.operand();
                Ok(())
            }
        }
    }
}

/// Depth of cql2-json, from a scan of `[` and `{` outside strings.
pub fn check_json(text: &str) -> Result<(), FilterError> {
    check_length(text)?;
    let (mut depth, mut in_string, mut escaped) = (0usize, false, false);
    for b in text.bytes() {
        if in_string {
            match b {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                if depth > MAX_JSON_DEPTH {
                    return Err(too(format!(
                        "the filter nests more than {MAX_JSON_DEPTH} levels of [ and {{"
                    )));
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    Ok(())
}

/// Nesting and positions of a WKT geometry, before the `wkt` crate (which recurses per
/// level and takes any number of coordinates) reads it.
pub fn check_wkt(wkt: &str) -> Result<(), FilterError> {
    let (mut depth, mut positions, mut has_digit) = (0usize, 0usize, false);
    for c in wkt.chars() {
        match c {
            '0'..='9' => has_digit = true,
            '(' | ')' | ',' => {
                // A position is what lies between separators, if it holds a number.
                positions += usize::from(has_digit);
                has_digit = false;
                if positions > MAX_GEOMETRY_POSITIONS {
                    return Err(geometry_too_big());
                }
                if c == '(' {
                    depth += 1;
                    if depth > MAX_WKT_DEPTH {
                        return Err(too(format!(
                            "S_INTERSECTS: a WKT geometry nests at most {MAX_WKT_DEPTH} levels \
                             of parentheses"
                        )));
                    }
                } else if c == ')' {
                    depth = depth.saturating_sub(1);
                }
            }
            _ => {}
        }
    }
    Ok(())
}

pub fn geometry_too_big() -> FilterError {
    too(format!(
        "S_INTERSECTS: a geometry has at most {MAX_GEOMETRY_POSITIONS} positions"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn is_limit(r: Result<(), FilterError>) -> bool {
        matches!(r, Err(FilterError::Limit(_)))
    }

    #[test]
    fn text_longer_than_the_limit_is_refused_before_parsing() {
        let at = format!("name = '{}'", "x".repeat(MAX_FILTER_BYTES - 9));
        assert_eq!(at.len(), MAX_FILTER_BYTES);
        assert!(check_text(&at).is_ok());
        assert!(is_limit(check_text(&format!("{at} "))));
        assert!(is_limit(check_json(&" ".repeat(MAX_FILTER_BYTES + 1))));
    }

    #[test]
    fn parentheses_and_prefix_operators_count_towards_the_depth() {
        let parens = |n: usize| format!("{}a = 1{}", "(".repeat(n), ")".repeat(n));
        assert!(check_text(&parens(MAX_DEPTH)).is_ok());
        assert!(is_limit(check_text(&parens(MAX_DEPTH + 1))));
        let minus = |n: usize| format!("a = {}1", "-".repeat(n));
        assert!(check_text(&minus(MAX_DEPTH)).is_ok());
        assert!(is_limit(check_text(&minus(MAX_DEPTH + 1))));
        let not = |n: usize| format!("{}a = 1", "NOT ".repeat(n));
        assert!(check_text(&not(MAX_DEPTH)).is_ok());
        assert!(is_limit(check_text(&not(MAX_DEPTH + 1))));
        // Mixed: NOT (NOT (...)) is two levels per step.
        let mixed = |n: usize| format!("{}a = 1{}", "NOT (".repeat(n), ")".repeat(n));
        assert!(check_text(&mixed(MAX_DEPTH / 2)).is_ok());
        assert!(is_limit(check_text(&mixed(MAX_DEPTH / 2 + 1))));
    }

    #[test]
    fn operators_side_by_side_do_not_nest() {
        // 60 NOTs, each closed by its operand, are one level deep.
        let wide = vec!["NOT a = 1"; 60].join(" AND ");
        assert!(check_text(&wide).is_ok());
        let calls = vec!["f(-a) = -1"; 60].join(" OR ");
        assert!(check_text(&calls).is_ok());
    }

    #[test]
    fn the_operator_count_is_bounded() {
        // "a = 1" is one operator, each AND another.
        let chain = |terms: usize| vec!["a = 1"; terms].join(" AND ");
        let at = MAX_OPERATORS.div_ceil(2);
        assert!(check_text(&chain(at)).is_ok());
        assert!(is_limit(check_text(&chain(at + 1))));
    }

    #[test]
    fn strings_names_and_coordinates_are_not_operators() {
        let s = format!("name = '{}'", "((((-- NOT ".repeat(200));
        assert!(check_text(&s).is_ok());
        assert!(check_text("\"a (((\" = 'it''s ((('").is_ok());
        let coords = (0..300)
            .map(|i| format!("-{i}.5 -9.25e-1"))
            .collect::<Vec<_>>()
            .join(", ");
        let wkt = format!("S_INTERSECTS(geometry, LINESTRING Z ({coords}))");
        assert!(check_text(&wkt).is_ok());
    }

    #[test]
    fn the_worst_filter_within_the_limits_parses_on_half_a_worker_stack() {
        // 32 parentheses around 254 right-associated comparisons: 0.75 MiB measured.
        let worst = format!(
            "{}n = {}1{}",
            "(".repeat(MAX_DEPTH),
            "a = ".repeat(MAX_OPERATORS - 2),
            ")".repeat(MAX_DEPTH)
        );
        assert!(check_text(&worst).is_ok());
        let parsed = std::thread::Builder::new()
            .stack_size(1024 * 1024)
            .spawn(move || cql2::parse_text(&worst).is_ok())
            .unwrap()
            .join()
            .unwrap();
        assert!(parsed);
    }

    #[test]
    fn json_depth_counts_brackets_outside_strings() {
        let deep = |n: usize| format!("{}1{}", "[".repeat(n), "]".repeat(n));
        assert!(check_json(&deep(MAX_JSON_DEPTH)).is_ok());
        assert!(is_limit(check_json(&deep(MAX_JSON_DEPTH + 1))));
        let quoted = format!("{{\"op\": \"{}\\\"\"}}", "[".repeat(500));
        assert!(check_json(&quoted).is_ok());
    }

    #[test]
    fn wkt_nesting_and_positions_are_bounded() {
        let gc = |n: usize| {
            format!(
                "{}POINT(1 2){}",
                "GEOMETRYCOLLECTION(".repeat(n),
                ")".repeat(n)
            )
        };
        assert!(check_wkt(&gc(MAX_WKT_DEPTH - 1)).is_ok());
        assert!(is_limit(check_wkt(&gc(MAX_WKT_DEPTH))));
        let line = |n: usize| {
            let c = vec!["-1.5 2e-3"; n].join(",");
            format!("LINESTRING({c})")
        };
        assert!(check_wkt(&line(MAX_GEOMETRY_POSITIONS)).is_ok());
        assert!(is_limit(check_wkt(&line(MAX_GEOMETRY_POSITIONS + 1))));
    }
}

//! `Accept-Encoding` (RFC 9110 §12.5.3) for responses that keep their own encodings
//! (tiles, compressed once and cached), and the marker that tells the compression layer
//! to leave such a response alone.
//!
//! A coding's weight is its own `q` when listed, else the `*` entry's, else 0, except
//! `identity`, which stays acceptable (as the last resort) unless listed or `*` gives it
//! `q=0`. The heaviest
//! offered coding wins; ties go to the order the server offers (best compression first).
//! `None` means nothing offered is acceptable: answer 406. This agrees with the
//! compression layer (tower-http), which answers 406 in the same cases.

use axum::http::{HeaderMap, header};
use smallvec::SmallVec;

/// A response extension: the body is already in its final content coding (or
/// deliberately identity); the compression layer must not encode it again.
#[derive(Debug, Clone, Copy)]
pub struct PreEncoded;

/// The offered coding to answer with (`offered` best first, `identity` included when the
/// response can be sent uncompressed).
pub fn negotiate_coding<'a>(headers: &HeaderMap, offered: &[&'a str]) -> Option<&'a str> {
    // At most one entry per offered coding: in place, not on the heap (this runs for
    // every tile request).
    let mut explicit: SmallVec<[(&str, u16); 4]> = SmallVec::new();
    let mut wildcard: Option<u16> = None;
    for value in headers.get_all(header::ACCEPT_ENCODING) {
        let Ok(value) = value.to_str() else { continue };
        // A header is short; a hostile one is bounded by the server's header limits, and
        // this keeps at most the codings that matter to us.
        for entry in value.split(',') {
            let mut parts = entry.split(';');
            let coding = parts.next().unwrap_or("").trim();
            if coding.is_empty() {
                continue;
            }
            let mut q = Some(1000);
            for p in parts {
                let p = p.trim();
                if let Some(v) = p.strip_prefix("q=").or_else(|| p.strip_prefix("Q=")) {
                    q = parse_q(v.trim());
                }
            }
            // An unreadable weight makes the entry unreadable: ignored, as tower does.
            let Some(q) = q else { continue };
            if coding == "*" {
                wildcard.get_or_insert(q);
            } else if let Some(name) = offered.iter().find(|o| same_coding(o, coding))
                && !explicit.iter().any(|(n, _)| n == name)
            {
                explicit.push((name, q));
            }
        }
    }
    let weight = |name: &str| -> u16 {
        explicit
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, q)| *q)
            .or(wildcard)
            // Unlisted identity is the fallback: acceptable, below any listed coding.
            .unwrap_or(if name == "identity" { 1 } else { 0 })
    };
    let mut best: Option<(&'a str, u16)> = None;
    for &name in offered {
        let q = weight(name);
        if q > 0 && best.is_none_or(|(_, b)| q > b) {
            best = Some((name, q));
        }
    }
    best.map(|(name, _)| name)
}

fn same_coding(offered: &str, asked: &str) -> bool {
    asked.eq_ignore_ascii_case(offered)
        || (offered == "gzip" && asked.eq_ignore_ascii_case("x-gzip"))
}

/// A `qvalue` (RFC 9110 §12.4.2) in thousandths: `0`, `1`, `0.x` to `0.xxx`, `1.0`..`1.000`.
fn parse_q(s: &str) -> Option<u16> {
    let (int, frac) = s.split_once('.').unwrap_or((s, ""));
    if frac.len() > 3 || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let mut thousandths: u16 = 0;
    for (i, b) in frac.bytes().enumerate() {
        thousandths += u16::from(b - b'0') * [100, 10, 1][i];
    }
    match int {
        "0" => Some(thousandths),
        "1" if thousandths == 0 => Some(1000),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    const OFFERED: &[&str] = &["br", "gzip", "identity"];

    fn pick(values: &[&str]) -> Option<&'static str> {
        let mut h = HeaderMap::new();
        for v in values {
            h.append(header::ACCEPT_ENCODING, HeaderValue::from_str(v).unwrap());
        }
        negotiate_coding(&h, OFFERED)
    }

    #[test]
    fn no_header_or_nothing_offered_means_identity() {
        assert_eq!(pick(&[]), Some("identity"));
        assert_eq!(pick(&[""]), Some("identity"));
        assert_eq!(pick(&["deflate, zstd"]), Some("identity"));
    }

    #[test]
    fn the_heaviest_coding_wins_and_ties_go_to_the_best_compression() {
        assert_eq!(pick(&["gzip, deflate, br"]), Some("br"));
        assert_eq!(pick(&["gzip"]), Some("gzip"));
        assert_eq!(pick(&["X-GZIP"]), Some("gzip"));
        assert_eq!(pick(&["br;q=0.5, gzip;q=0.8"]), Some("gzip"));
        assert_eq!(pick(&["gzip;q=0.5", "br; q=0.6"]), Some("br"));
        assert_eq!(pick(&["br;q=0.2, identity"]), Some("identity"));
        assert_eq!(pick(&["*"]), Some("br"));
        assert_eq!(pick(&["*;q=0.5, gzip"]), Some("gzip"));
    }

    #[test]
    fn q_zero_refuses_a_coding_identity_included() {
        assert_eq!(pick(&["br;q=0"]), Some("identity"));
        assert_eq!(pick(&["br;q=0, gzip;q=0.000"]), Some("identity"));
        assert_eq!(pick(&["identity;q=0"]), None);
        assert_eq!(pick(&["identity;q=0, gzip"]), Some("gzip"));
        assert_eq!(pick(&["*;q=0"]), None);
        assert_eq!(pick(&["*;q=0, identity"]), Some("identity"));
        assert_eq!(pick(&["br, *;q=0"]), Some("br"));
    }

    #[test]
    fn unreadable_weights_are_ignored() {
        assert_eq!(pick(&["br;q=2"]), Some("identity"));
        assert_eq!(pick(&["br;q=0.1234"]), Some("identity"));
        assert_eq!(pick(&["gzip;q=abc, br;q=1.000"]), Some("br"));
        assert_eq!(parse_q("1.0"), Some(1000));
        assert_eq!(parse_q("0.5"), Some(500));
        assert_eq!(parse_q("1.5"), None);
    }
}

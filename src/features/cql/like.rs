//! SQL `LIKE` for CQL2: compiled once, matched in at most (text × pattern) steps.

use super::{FilterError, limits};

/// A compiled SQL LIKE pattern: `%` any run of characters, `_` one character, `\`
/// escapes.
#[derive(Debug, Clone)]
pub(super) struct LikePattern(Vec<(char, bool)>); // (char, is wildcard)

impl LikePattern {
    pub(super) fn new(pattern: &str) -> Result<Self, FilterError> {
        let n = pattern.chars().count();
        if n > limits::MAX_LIKE_PATTERN {
            return Err(FilterError::Limit(format!(
                "a LIKE pattern has at most {} characters, this one {n}",
                limits::MAX_LIKE_PATTERN
            )));
        }
        let mut p = Vec::with_capacity(n);
        let mut chars = pattern.chars();
        while let Some(c) = chars.next() {
            match c {
                '\\' => p.push((chars.next().unwrap_or('\\'), false)),
                '%' | '_' => p.push((c, true)),
                _ => p.push((c, false)),
            }
        }
        Ok(Self(p))
    }

    /// Wildcard matching that backtracks only to the last `%`: a `%` matches any run, so
    /// an earlier `%` never needs to take back what the last one can. Each step moves
    /// the text or pattern position forward or restarts after the last `%` one character
    /// further on, so the work is at most (text × pattern) steps, never exponential.
    pub(super) fn matches(&self, s: &str) -> bool {
        let p = &self.0;
        let (mut si, mut pi) = (0, 0);
        let mut star: Option<(usize, usize)> = None;
        // The text is walked by index; property values are short.
        let s: Vec<char> = s.chars().collect();
        while si < s.len() {
            match p.get(pi) {
                Some(('%', true)) => {
                    star = Some((pi, si));
                    pi += 1;
                }
                Some(('_', true)) => {
                    si += 1;
                    pi += 1;
                }
                Some((c, false)) if *c == s[si] => {
                    si += 1;
                    pi += 1;
                }
                _ => match star {
                    Some((sp, ss)) => {
                        pi = sp + 1;
                        si = ss + 1;
                        star = Some((sp, ss + 1));
                    }
                    None => return false,
                },
            }
        }
        p[pi..].iter().all(|&(c, w)| w && c == '%')
    }
}

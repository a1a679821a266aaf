//! Property values as queries see them: a small scalar type that both collections map
//! their records onto, so one filter, sort and time-range implementation serves both.

use std::cmp::Ordering;

use chrono::{DateTime, NaiveDate, Utc};

/// The type of a queryable property, as published at `/collections/{id}/queryables`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldKind {
    Text,
    Number,
    Boolean,
    Timestamp,
    Date,
}

/// One queryable (filterable, sortable) property of a collection.
#[derive(Debug, Clone, Copy)]
pub struct Field {
    pub name: &'static str,
    pub kind: FieldKind,
    pub title: &'static str,
    /// The closed vocabulary, space-separated, when there is one.
    pub values: Option<&'static str>,
}

impl Field {
    pub const fn new(name: &'static str, kind: FieldKind, title: &'static str) -> Self {
        Self {
            name,
            kind,
            title,
            values: None,
        }
    }

    pub const fn one_of(mut self, values: &'static str) -> Self {
        self.values = Some(values);
        self
    }
}

/// A property value. Times are milliseconds since the Unix epoch (dates at midnight UTC)
/// so that timestamps and dates compare with each other.
#[derive(Debug, Clone, PartialEq)]
pub enum Scalar<'a> {
    Null,
    Text(&'a str),
    Number(f64),
    Boolean(bool),
    Time(i64),
}

impl Scalar<'_> {
    /// SQL-style comparison: `None` when either side is null or the types differ.
    pub fn compare(&self, other: &Scalar<'_>) -> Option<Ordering> {
        match (self, other) {
            (Scalar::Text(a), Scalar::Text(b)) => Some(a.cmp(b)),
            (Scalar::Number(a), Scalar::Number(b)) => a.partial_cmp(b),
            (Scalar::Boolean(a), Scalar::Boolean(b)) => Some(a.cmp(b)),
            (Scalar::Time(a), Scalar::Time(b)) => Some(a.cmp(b)),
            _ => None,
        }
    }

    pub fn opt_text(v: Option<&str>) -> Scalar<'_> {
        v.map_or(Scalar::Null, Scalar::Text)
    }

    pub fn opt_bool(v: Option<bool>) -> Scalar<'static> {
        v.map_or(Scalar::Null, Scalar::Boolean)
    }

    pub fn opt_date(v: Option<NaiveDate>) -> Scalar<'static> {
        v.map_or(Scalar::Null, |d| Scalar::Time(date_millis(d)))
    }

    pub fn time(t: DateTime<Utc>) -> Scalar<'static> {
        Scalar::Time(t.timestamp_millis())
    }
}

pub fn date_millis(d: NaiveDate) -> i64 {
    d.and_hms_opt(0, 0, 0)
        .map(|t| t.and_utc().timestamp_millis())
        .unwrap_or(0)
}

/// A record that queries can read: properties by name (names come from the collection's
/// [`Field`] list) and a spatial test.
pub trait Queryable {
    fn get(&self, name: &str) -> Scalar<'_>;
    /// Whether the record's geometry intersects `g` (false without a geometry).
    fn intersects(&self, g: &geo::Geometry<f64>) -> bool;
}

/// Parses an RFC 3339 timestamp or a `YYYY-MM-DD` date into epoch milliseconds.
pub fn parse_instant(s: &str) -> Option<i64> {
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t.timestamp_millis());
    }
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .ok()
        .map(date_millis)
}

/// The `datetime` parameter: an instant or a closed or half-bounded interval
/// (`a/b`, `../b`, `a/..`), bounds included.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TimeRange {
    pub start: Option<i64>,
    pub end: Option<i64>,
}

impl TimeRange {
    pub fn parse(s: &str) -> Result<Self, String> {
        let bound = |p: &str| -> Result<Option<i64>, String> {
            match p {
                ".." | "" => Ok(None),
                _ => parse_instant(p).map(Some).ok_or_else(|| {
                    format!("{p:?} is not an RFC 3339 timestamp or a YYYY-MM-DD date")
                }),
            }
        };
        let (start, end) = match s.split_once('/') {
            Some((a, b)) => (bound(a)?, bound(b)?),
            None => {
                let t = bound(s)?.ok_or("an instant or an interval a/b is expected")?;
                (Some(t), Some(t))
            }
        };
        if let (Some(a), Some(b)) = (start, end)
            && a > b
        {
            return Err("the interval ends before it starts".into());
        }
        Ok(Self { start, end })
    }

    /// Whether the period `[from, to)` (either end open when `None`) meets this range.
    pub fn overlaps(&self, from: Option<i64>, to: Option<i64>) -> bool {
        let starts_before_end = match (from, self.end) {
            (Some(f), Some(e)) => f <= e,
            _ => true,
        };
        let ends_after_start = match (to, self.start) {
            (Some(t), Some(s)) => t > s,
            _ => true,
        };
        starts_before_end && ends_after_start
    }

    pub fn contains(&self, t: i64) -> bool {
        self.start.is_none_or(|s| t >= s) && self.end.is_none_or(|e| t <= e)
    }
}

/// One `sortby` key: a queryable name, ascending unless prefixed by `-`.
#[derive(Debug, Clone, PartialEq)]
pub struct SortKey {
    pub field: &'static str,
    pub descending: bool,
}

/// The most `sortby` keys: every comparison of the sort walks them all.
pub const MAX_SORT_KEYS: usize = 8;

impl SortKey {
    /// Parses `sortby` (`name,-updated_at`, `+` allowed) against the collection's fields:
    /// at most [`MAX_SORT_KEYS`] keys, each field once.
    pub fn parse_list(s: &str, fields: &[Field]) -> Result<Vec<SortKey>, String> {
        let mut keys: Vec<SortKey> = Vec::new();
        for k in s.split(',') {
            if keys.len() == MAX_SORT_KEYS {
                return Err(format!("sortby takes at most {MAX_SORT_KEYS} keys"));
            }
            let k = k.trim();
            let (descending, name) = match k.as_bytes().first() {
                Some(b'-') => (true, &k[1..]),
                Some(b'+') => (false, &k[1..]),
                _ => (false, k),
            };
            let field = fields.iter().find(|f| f.name == name).ok_or_else(|| {
                let shown: String = name.chars().take(40).collect();
                format!(
                    "cannot sort by {shown:?}; sortable: {}",
                    fields.iter().map(|f| f.name).collect::<Vec<_>>().join(", ")
                )
            })?;
            if keys.iter().any(|k| k.field == field.name) {
                return Err(format!("sortby names {} more than once", field.name));
            }
            keys.push(SortKey {
                field: field.name,
                descending,
            });
        }
        Ok(keys)
    }
}

/// Sorts positions by the keys (nulls last in either direction); ties keep their order,
/// which is the index's (id) order, so paging over a sorted result is stable too.
pub fn sort_by_keys<'a, T: Queryable + 'a>(
    positions: &mut [usize],
    keys: &[SortKey],
    record: impl Fn(usize) -> &'a T,
) {
    if keys.is_empty() {
        return;
    }
    positions.sort_by(|&a, &b| compare_by_keys(keys, a, b, &record));
}

/// The order `sortby` makes: the keys (nulls last in either direction), then the
/// position, so it is total and paging over it is stable.
pub fn compare_by_keys<'a, T: Queryable + 'a>(
    keys: &[SortKey],
    a: usize,
    b: usize,
    record: impl Fn(usize) -> &'a T,
) -> Ordering {
    let (ra, rb) = (record(a), record(b));
    for k in keys {
        let (va, vb) = (ra.get(k.field), rb.get(k.field));
        let ord = match (&va, &vb) {
            (Scalar::Null, Scalar::Null) => Ordering::Equal,
            (Scalar::Null, _) => Ordering::Greater,
            (_, Scalar::Null) => Ordering::Less,
            _ => {
                let o = va.compare(&vb).unwrap_or(Ordering::Equal);
                if k.descending { o.reverse() } else { o }
            }
        };
        if ord != Ordering::Equal {
            return ord;
        }
    }
    a.cmp(&b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_ranges_parse_instants_and_open_intervals() {
        let r = TimeRange::parse("2025-07-01/..").unwrap();
        assert!(r.contains(parse_instant("2026-01-01T00:00:00Z").unwrap()));
        assert!(!r.contains(parse_instant("2025-06-30").unwrap()));
        assert!(TimeRange::parse("2026-01-01/2025-01-01").is_err());
        assert!(TimeRange::parse("yesterday").is_err());
        let day = TimeRange::parse("2025-07-01").unwrap();
        // An area valid until 2025-07-01 (exclusive) does not overlap that instant.
        assert!(!day.overlaps(None, parse_instant("2025-07-01")));
        assert!(day.overlaps(parse_instant("2025-07-01"), None));
    }

    #[test]
    fn sortby_takes_each_field_once_and_at_most_eight_keys() {
        let fields: Vec<Field> = ["a", "b", "c", "d", "e", "f", "g", "h", "i"]
            .into_iter()
            .map(|n| Field::new(n, FieldKind::Text, n))
            .collect();
        let keys = SortKey::parse_list("a,-b,+c,d,e,f,g,h", &fields).unwrap();
        assert_eq!(keys.len(), MAX_SORT_KEYS);
        assert!(keys[1].descending && !keys[2].descending);
        let e = SortKey::parse_list("a,b,c,d,e,f,g,h,i", &fields).unwrap_err();
        assert!(e.contains("at most 8"), "{e}");
        assert!(SortKey::parse_list("a,-a", &fields).is_err());
        let many = vec!["a"; 100_000].join(",");
        assert!(SortKey::parse_list(&many, &fields).is_err());
    }
}

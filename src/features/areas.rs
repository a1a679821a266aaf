//! The `admin-areas` collection: pre-2025 and 2025 administrative units in one
//! collection, told apart by `scheme` (feature ids are `{scheme}-{code}`, since a bare
//! code means different territory in the two schemes).

use serde_json::{Map, Value};

use super::cql::Filter;
use super::value::{
    Field, FieldKind, Queryable, Scalar, SortKey, TimeRange, compare_by_keys, date_millis,
    sort_by_keys,
};
use super::{Matches, Page, page};
use crate::index::ServingIndex;
use crate::model::{AdminArea, AdminLevel, Bbox, Scheme};
use crate::search::fold;

use FieldKind::{Date, Text};

pub const FIELDS: &[Field] = &[
    Field::new("scheme", Text, "Coding scheme / Hệ mã (pre2025, 2025)").one_of(Scheme::ALLOWED),
    Field::new("code", Text, "GSO code / Mã đơn vị hành chính"),
    Field::new("name", Text, "Name / Tên"),
    Field::new("level", Text, "Level / Cấp").one_of(AdminLevel::ALLOWED),
    Field::new("parent_code", Text, "Parent unit's code (same scheme)"),
    Field::new("valid_from", Date, "First day of validity"),
    Field::new("valid_to", Date, "First day no longer valid (exclusive)"),
    Field::new("geometry_source", Text, "How the geometry was made"),
];

impl Queryable for AdminArea {
    fn get(&self, name: &str) -> Scalar<'_> {
        match name {
            "scheme" => Scalar::Text(self.scheme.as_str()),
            "code" => Scalar::Text(&self.code),
            "name" => Scalar::Text(&self.name),
            "level" => Scalar::Text(self.level.as_str()),
            "parent_code" => Scalar::opt_text(self.parent_code.as_deref()),
            "valid_from" => Scalar::opt_date(self.valid_from),
            "valid_to" => Scalar::opt_date(self.valid_to),
            "geometry_source" => Scalar::opt_text(self.geometry_source.as_deref()),
            _ => Scalar::Null,
        }
    }

    fn intersects(&self, g: &geo::Geometry<f64>) -> bool {
        use geo::Intersects;
        self.geometry.as_ref().is_some_and(|mp| g.intersects(mp))
    }
}

/// The feature id of an area.
pub fn feature_id(a: &AdminArea) -> String {
    format!("{}-{}", a.scheme.as_str(), a.code)
}

/// The area a feature id names, if any.
pub fn by_feature_id<'a>(index: &'a ServingIndex, id: &str) -> Option<&'a AdminArea> {
    let (scheme, code) = id.split_once('-')?;
    index.area(scheme.parse().ok()?, code)
}

#[derive(Debug, Default)]
pub struct AreaQuery {
    pub bbox: Option<Bbox>,
    pub scheme: Option<Scheme>,
    pub levels: Vec<AdminLevel>,
    pub parent: Option<String>,
    pub q: Vec<String>,
    /// Units valid at some time in this range.
    pub datetime: Option<TimeRange>,
    pub filter: Option<Filter>,
    pub sortby: Vec<SortKey>,
}

impl AreaQuery {
    fn matches(&self, a: &AdminArea) -> bool {
        self.scheme.is_none_or(|s| a.scheme == s)
            && (self.levels.is_empty() || self.levels.contains(&a.level))
            && self
                .parent
                .as_ref()
                .is_none_or(|p| a.parent_code.as_ref() == Some(p))
            && self.bbox.is_none_or(|b| {
                let rect: geo::Geometry<f64> = geo::Rect::new(
                    geo::coord! {x: b.min.lon(), y: b.min.lat()},
                    geo::coord! {x: b.max.lon(), y: b.max.lat()},
                )
                .into();
                a.intersects(&rect)
            })
            && self.datetime.is_none_or(|r| {
                r.overlaps(a.valid_from.map(date_millis), a.valid_to.map(date_millis))
            })
            && (self.q.is_empty() || {
                let name = fold(&a.name);
                self.q.iter().all(|w| name.contains(w.as_str()))
            })
            && self.filter.as_ref().is_none_or(|f| f.matches(a))
    }
}

/// One page of the matches and how many matched, in (scheme, code) or `sortby` order:
/// [`select`] then slicing, without sorting every match.
pub fn select_page(index: &ServingIndex, query: &AreaQuery, offset: usize, limit: usize) -> Page {
    let all = index.areas();
    let matches = (0..all.len()).filter(|&n| query.matches(&all[n]));
    if query.sortby.is_empty() {
        return page::smallest(matches, offset, limit);
    }
    page::by(matches.collect(), offset, limit, |&a, &b| {
        compare_by_keys(&query.sortby, a, b, |n| &all[n])
    })
}

/// Positions in `index.areas()` of the matches, in (scheme, code) or `sortby` order.
pub fn select(index: &ServingIndex, query: &AreaQuery) -> Matches {
    let all = index.areas();
    let mut out: Vec<usize> = (0..all.len()).filter(|&n| query.matches(&all[n])).collect();
    sort_by_keys(&mut out, &query.sortby, |n| &all[n]);
    Matches::Only(out)
}

pub fn properties(a: &AdminArea) -> Map<String, Value> {
    a.to_flat()
}

pub fn property_names() -> Vec<&'static str> {
    FIELDS.iter().map(|f| f.name).collect()
}

//! The `institutions` collection: queryables, the selection a query makes from the
//! serving index, and each institution's GeoJSON properties.

use serde::ser::{Serialize, SerializeMap, Serializer};

use super::cql::Filter;
use super::value::{
    Field, FieldKind, Queryable, Scalar, SortKey, TimeRange, compare_by_keys, sort_by_keys,
};
use super::{Matches, Page, page};
use crate::index::ServingIndex;
use crate::model::{Bbox, Institution, InstitutionKind, Level, OccupationCode, Ownership};
use crate::search::fold;

use FieldKind::{Boolean, Number, Text, Timestamp};

/// The digital-readiness indicators that can be filtered on as `name=true|false`.
pub const READINESS_FLAGS: &[&str] = &[
    "digital_infrastructure",
    "connected_national_platform",
    "digitised_learning_records",
    "digitised_diplomas",
    "high_quality_school",
    "digital_school",
];

/// Scalar properties: filterable with CQL2, sortable, selectable with `properties=`.
pub const FIELDS: &[Field] = &[
    Field::new("id", Text, "Identifier (slug) / Mã định danh"),
    Field::new("code", Text, "Official institution code / Mã cơ sở GDNN"),
    Field::new("name_vi", Text, "Tên (tiếng Việt)"),
    Field::new("name_en", Text, "Name (English)"),
    Field::new("kind", Text, "Kind / Loại hình").one_of(InstitutionKind::ALLOWED),
    Field::new("ownership", Text, "Ownership / Loại hình sở hữu").one_of(Ownership::ALLOWED),
    Field::new(
        "position_accuracy",
        Text,
        "Position accuracy / Độ chính xác vị trí",
    )
    .one_of(crate::model::PositionAccuracy::ALLOWED),
    Field::new("address", Text, "Address / Địa chỉ"),
    Field::new("province_pre2025", Text, "Province code before 1 July 2025"),
    Field::new("district_pre2025", Text, "District code before 1 July 2025"),
    Field::new("commune_pre2025", Text, "Commune code before 1 July 2025"),
    Field::new("province_2025", Text, "Province code from 1 July 2025"),
    Field::new("commune_2025", Text, "Commune code from 1 July 2025"),
    Field::new("phone", Text, "Phone / Điện thoại"),
    Field::new("email", Text, "E-mail"),
    Field::new("website", Text, "Website"),
    Field::new(
        "digital_infrastructure",
        Boolean,
        "Has digital infrastructure",
    ),
    Field::new(
        "connected_national_platform",
        Boolean,
        "Connected to the national GDNN platform",
    ),
    Field::new(
        "digitised_learning_records",
        Boolean,
        "Learning records digitised",
    ),
    Field::new("digitised_diplomas", Boolean, "Diplomas digitised"),
    Field::new(
        "teachers_digital_trained_pct",
        Number,
        "% teachers and managers trained in digital competence",
    ),
    Field::new("high_quality_school", Boolean, "High-quality school"),
    Field::new("digital_school", Boolean, "Digital school"),
    Field::new(
        "readiness_source",
        Text,
        "Source of the readiness indicators",
    ),
    Field::new(
        "programme_count",
        Number,
        "Number of programmes / Số chương trình",
    ),
    Field::new("source", Text, "Source of the record / Nguồn"),
    Field::new("updated_at", Timestamp, "Last update / Cập nhật"),
];

/// Properties beyond the scalar ones: lists, selectable with `properties=`.
pub const LIST_PROPERTIES: &[&str] = &["levels", "occupations", "programmes"];

impl Queryable for Institution {
    fn get(&self, name: &str) -> Scalar<'_> {
        let a = &self.admin;
        let r = &self.readiness;
        match name {
            "id" => Scalar::Text(self.id.as_str()),
            "code" => Scalar::opt_text(self.code()),
            "name_vi" => Scalar::Text(self.name_vi()),
            "name_en" => Scalar::opt_text(self.name_en()),
            "kind" => Scalar::Text(self.kind.as_str()),
            "ownership" => Scalar::Text(self.ownership.as_str()),
            "position_accuracy" => Scalar::Text(self.position_accuracy.as_str()),
            "address" => Scalar::opt_text(self.address()),
            "province_pre2025" => Scalar::opt_text(a.province_pre2025.as_deref()),
            "district_pre2025" => Scalar::opt_text(a.district_pre2025.as_deref()),
            "commune_pre2025" => Scalar::opt_text(a.commune_pre2025.as_deref()),
            "province_2025" => Scalar::opt_text(a.province_2025.as_deref()),
            "commune_2025" => Scalar::opt_text(a.commune_2025.as_deref()),
            "phone" => Scalar::opt_text(self.phone()),
            "email" => Scalar::opt_text(self.email()),
            "website" => Scalar::opt_text(self.website()),
            "digital_infrastructure" => Scalar::opt_bool(r.digital_infrastructure),
            "connected_national_platform" => Scalar::opt_bool(r.connected_national_platform),
            "digitised_learning_records" => Scalar::opt_bool(r.digitised_learning_records),
            "digitised_diplomas" => Scalar::opt_bool(r.digitised_diplomas),
            "teachers_digital_trained_pct" => r
                .teachers_digital_trained_pct
                .map_or(Scalar::Null, Scalar::Number),
            "high_quality_school" => Scalar::opt_bool(r.high_quality_school),
            "digital_school" => Scalar::opt_bool(r.digital_school),
            "readiness_source" => Scalar::opt_text(r.source.as_deref()),
            "programme_count" => Scalar::Number(self.programmes.len() as f64),
            "source" => Scalar::Text(&self.source),
            "updated_at" => Scalar::time(self.updated_at),
            _ => Scalar::Null,
        }
    }

    fn intersects(&self, g: &geo::Geometry<f64>) -> bool {
        use geo::Intersects;
        g.intersects(&self.location.to_point())
    }
}

/// What a request on `/collections/institutions/items` asks for; every part optional,
/// all of them must hold (lists inside one part are alternatives).
#[derive(Debug, Default)]
pub struct InstitutionQuery {
    pub bbox: Option<Bbox>,
    pub kinds: Vec<InstitutionKind>,
    pub ownerships: Vec<Ownership>,
    /// Pre-2025 district code (only the pre-2025 scheme has districts).
    pub district: Option<String>,
    /// 2025 commune code.
    pub commune: Option<String>,
    pub commune_pre2025: Option<String>,
    /// Has a programme in this occupation (7-digit catalogue code).
    pub occupation: Option<OccupationCode>,
    /// Has a programme at one of these levels (and in `occupation`, when both are given).
    pub levels: Vec<Level>,
    /// Readiness indicators that must have this value (unknown matches neither).
    pub flags: Vec<(&'static str, bool)>,
    /// Folded words that must all occur in the institution's text.
    pub q: Vec<String>,
    /// `updated_at` in this range.
    pub datetime: Option<TimeRange>,
    pub filter: Option<Filter>,
    pub sortby: Vec<SortKey>,
}

impl InstitutionQuery {
    /// Whether answering looks at every record (a CQL2 filter or free text, or no box
    /// to narrow it to), which at national scale is heavy work.
    pub fn looks_at_everything(&self) -> bool {
        !self.is_everything()
            && (self.filter.is_some() || !self.q.is_empty() || self.bbox.is_none())
    }

    fn matches(&self, i: &Institution) -> bool {
        in_list(&self.kinds, i.kind)
            && in_list(&self.ownerships, i.ownership)
            && eq_opt(&self.district, &i.admin.district_pre2025)
            && eq_opt(&self.commune, &i.admin.commune_2025)
            && eq_opt(&self.commune_pre2025, &i.admin.commune_pre2025)
            && self.matches_programmes(i)
            && self
                .flags
                .iter()
                .all(|(name, want)| i.get(name) == Scalar::Boolean(*want))
            && self
                .datetime
                .is_none_or(|r| r.contains(i.updated_at.timestamp_millis()))
            && (self.q.is_empty() || matches_text(i, &self.q))
            && self.filter.as_ref().is_none_or(|f| f.matches(i))
    }

    fn matches_programmes(&self, i: &Institution) -> bool {
        if self.occupation.is_none() && self.levels.is_empty() {
            return true;
        }
        i.programmes.iter().any(|p| {
            self.occupation
                .as_ref()
                .is_none_or(|o| p.occupation_code() == *o)
                && (self.levels.is_empty() || self.levels.contains(&p.level()))
        })
    }
}

fn in_list<T: PartialEq>(list: &[T], v: T) -> bool {
    list.is_empty() || list.contains(&v)
}

fn eq_opt(want: &Option<String>, have: &Option<crate::model::SharedText>) -> bool {
    want.as_deref().is_none_or(|w| have.as_deref() == Some(w))
}

/// Every word occurs in the folded names, address, code or programme names.
fn matches_text(i: &Institution, words: &[String]) -> bool {
    let mut text = fold(i.name_vi());
    for part in [i.name_en(), i.address(), i.code()].into_iter().flatten() {
        text.push(' ');
        text.push_str(&fold(part));
    }
    for p in &i.programmes {
        text.push(' ');
        text.push_str(&fold(p.occupation_name()));
    }
    words.iter().all(|w| text.contains(w.as_str()))
}

/// Splits and folds a free-text query into words.
pub fn query_words(q: &str) -> Vec<String> {
    fold(q).split_whitespace().map(str::to_owned).collect()
}

impl InstitutionQuery {
    /// Whether the query selects everything in id order.
    pub fn is_everything(&self) -> bool {
        self.bbox.is_none() && self.filters_nothing_but_the_box() && self.sortby.is_empty()
    }

    /// Whether no criterion but the box narrows the selection (the order aside).
    fn filters_nothing_but_the_box(&self) -> bool {
        self.kinds.is_empty()
            && self.ownerships.is_empty()
            && self.district.is_none()
            && self.commune.is_none()
            && self.commune_pre2025.is_none()
            && self.occupation.is_none()
            && self.levels.is_empty()
            && self.flags.is_empty()
            && self.q.is_empty()
            && self.datetime.is_none()
            && self.filter.is_none()
    }
}

impl InstitutionQuery {
    /// Whether the query asks for nothing but a box: then every point the R-tree finds
    /// matches, and no record needs to be read to count or page them.
    fn is_only_bbox(&self) -> bool {
        self.bbox.is_some() && self.filters_nothing_but_the_box()
    }
}

/// One page of the matches (from `offset`, at most `limit`), in id order or `sortby`
/// order, and how many matched: the same as [`select`] then slicing, without sorting
/// every match. A box alone is counted and paged from the R-tree's per-node counts and
/// least positions, without reading a record or visiting every point in the box.
pub fn select_page(
    index: &ServingIndex,
    query: &InstitutionQuery,
    offset: usize,
    limit: usize,
) -> Page {
    let all = index.institutions();
    if query.is_everything() {
        return Page::of_all(all.len(), offset, limit);
    }
    let envelope = |b: &Bbox| {
        rstar::AABB::from_corners([b.min.lon(), b.min.lat()], [b.max.lon(), b.max.lat()])
    };
    let in_box = |b: &Bbox| {
        index
            .points()
            .locate_in_envelope(envelope(b))
            .map(|e| e.data as usize)
    };
    let keep = |&n: &usize| query.matches(&all[n]);
    if query.sortby.is_empty() {
        return match &query.bbox {
            Some(b) if query.is_only_bbox() => {
                let (points, env) = (index.points(), envelope(b));
                Page {
                    matched: points.count_in_envelope(env),
                    positions: points
                        .least_in_envelope(env, offset.saturating_add(limit))
                        .into_iter()
                        .skip(offset)
                        .map(|n| n as usize)
                        .collect(),
                }
            }
            Some(b) => page::smallest(in_box(b).filter(keep), offset, limit),
            None => page::smallest((0..all.len()).filter(keep), offset, limit),
        };
    }
    let matches: Vec<usize> = match &query.bbox {
        Some(b) => in_box(b).filter(keep).collect(),
        None => (0..all.len()).filter(keep).collect(),
    };
    page::by(matches, offset, limit, |&a, &b| {
        compare_by_keys(&query.sortby, a, b, |n| &all[n])
    })
}

/// Every match, in id order or `sortby` order (the reference [`select_page`] is tested
/// against).
pub fn select(index: &ServingIndex, query: &InstitutionQuery) -> Matches {
    let all = index.institutions();
    if query.is_everything() {
        return Matches::All(all.len());
    }
    let mut out: Vec<usize> = match &query.bbox {
        Some(b) => index
            .in_bbox(b)
            .into_iter()
            .filter(|&n| query.matches(&all[n]))
            .collect(),
        None => (0..all.len()).filter(|&n| query.matches(&all[n])).collect(),
    };
    sort_by_keys(&mut out, &query.sortby, |n| &all[n]);
    Matches::Only(out)
}

/// The GeoJSON properties of an institution, serialised straight from the record (no
/// `serde_json::Value` per property): the flat record without `lon`/`lat` (they are the
/// geometry), then the programmes and what they add up to. With `wanted` (`properties=`),
/// only the properties named, in the same order.
pub struct Properties<'a> {
    pub institution: &'a Institution,
    pub wanted: Option<&'a [String]>,
}

impl Serialize for Properties<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let i = self.institution;
        let (a, r) = (&i.admin, &i.readiness);
        let mut m = Selected {
            map: s.serialize_map(None)?,
            wanted: self.wanted,
        };
        m.entry("id", i.id.as_str())?;
        m.entry("code", &i.code())?;
        m.entry("name_vi", &i.name_vi())?;
        m.entry("name_en", &i.name_en())?;
        m.entry("kind", &i.kind)?;
        m.entry("ownership", &i.ownership)?;
        m.entry("position_accuracy", &i.position_accuracy)?;
        m.entry("address", &i.address())?;
        m.entry("province_pre2025", &a.province_pre2025)?;
        m.entry("district_pre2025", &a.district_pre2025)?;
        m.entry("commune_pre2025", &a.commune_pre2025)?;
        m.entry("province_2025", &a.province_2025)?;
        m.entry("commune_2025", &a.commune_2025)?;
        m.entry("phone", &i.phone())?;
        m.entry("email", &i.email())?;
        m.entry("website", &i.website())?;
        m.entry("digital_infrastructure", &r.digital_infrastructure)?;
        m.entry(
            "connected_national_platform",
            &r.connected_national_platform,
        )?;
        m.entry("digitised_learning_records", &r.digitised_learning_records)?;
        m.entry("digitised_diplomas", &r.digitised_diplomas)?;
        m.entry(
            "teachers_digital_trained_pct",
            &r.teachers_digital_trained_pct,
        )?;
        m.entry("high_quality_school", &r.high_quality_school)?;
        m.entry("digital_school", &r.digital_school)?;
        m.entry("readiness_source", &r.source)?;
        m.entry("source", &i.source)?;
        if m.wants("updated_at") {
            m.entry(
                "updated_at",
                &i.updated_at
                    .to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true),
            )?;
        }
        m.entry("programme_count", &i.programmes.len())?;
        if m.wants("levels") {
            m.entry("levels", &i.levels())?;
        }
        if m.wants("occupations") {
            let mut occupations: Vec<OccupationCode> =
                i.programmes.iter().map(|p| p.occupation_code()).collect();
            occupations.sort_unstable();
            occupations.dedup();
            m.entry("occupations", &occupations)?;
        }
        m.entry("programmes", &i.programmes)?;
        m.map.end()
    }
}

/// A map that writes only the entries `wanted` names (all of them without a list).
struct Selected<'a, M> {
    map: M,
    wanted: Option<&'a [String]>,
}

impl<M: SerializeMap> Selected<'_, M> {
    fn wants(&self, key: &str) -> bool {
        self.wanted.is_none_or(|w| w.iter().any(|n| n == key))
    }

    fn entry<V: Serialize + ?Sized>(&mut self, key: &str, value: &V) -> Result<(), M::Error> {
        if self.wants(key) {
            self.map.serialize_entry(key, value)?;
        }
        Ok(())
    }
}

/// Every property name a feature has, for validating `properties=`.
pub fn property_names() -> Vec<&'static str> {
    FIELDS
        .iter()
        .map(|f| f.name)
        .chain(LIST_PROPERTIES.iter().copied())
        .collect()
}

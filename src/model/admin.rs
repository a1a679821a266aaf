//! Administrative areas as versioned records: a GSO code means nothing without its
//! scheme, because the 2025 reform reused codes for different territory (29254 was
//! Phường 7 before 1 July 2025 and is Phường Nguyệt Hóa after).

use chrono::NaiveDate;
use geo::MultiPolygon;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{FieldError, Record, RecordErrors};

/// Which coding a code belongs to.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    strum::Display,
    strum::EnumString,
    strum::IntoStaticStr,
    strum::EnumIter,
    utoipa::ToSchema,
)]
pub enum Scheme {
    /// Three tiers (province, district, commune), valid until 30 June 2025.
    #[serde(rename = "pre2025")]
    #[strum(serialize = "pre2025")]
    Pre2025,
    /// Two tiers (province, commune), from 1 July 2025.
    #[serde(rename = "2025")]
    #[strum(serialize = "2025")]
    Y2025,
}

impl super::enums::Vocabulary for Scheme {
    const ALLOWED: &'static str = Self::ALLOWED;
}

impl Scheme {
    pub const ALLOWED: &'static str = "pre2025 2025";
    pub fn as_str(&self) -> &'static str {
        self.into()
    }
}

#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    strum::Display,
    strum::EnumString,
    strum::IntoStaticStr,
    utoipa::ToSchema,
)]
#[serde(rename_all = "lowercase")]
#[strum(serialize_all = "lowercase")]
pub enum AdminLevel {
    Province,
    District,
    Commune,
}

impl super::enums::Vocabulary for AdminLevel {
    const ALLOWED: &'static str = Self::ALLOWED;
}

impl AdminLevel {
    pub const ALLOWED: &'static str = "province district commune";
    pub fn as_str(&self) -> &'static str {
        self.into()
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AdminArea {
    pub scheme: Scheme,
    pub code: String,
    pub name: String,
    pub level: AdminLevel,
    pub parent_code: Option<String>,
    pub valid_from: Option<NaiveDate>,
    /// First day on which the unit no longer exists (exclusive).
    pub valid_to: Option<NaiveDate>,
    #[serde(skip)]
    pub geometry: Option<MultiPolygon<f64>>,
    /// How the geometry was made; "schematic" when it is not an official boundary.
    pub geometry_source: Option<String>,
}

pub const AREA_FIELDS: &[&str] = &[
    "scheme",
    "code",
    "name",
    "level",
    "parent_code",
    "valid_from",
    "valid_to",
    "geometry_source",
];

impl AdminArea {
    /// Parses the flat record and its geometry (GeoJSON Polygon or MultiPolygon).
    pub fn from_record(r: &Record, geometry: Option<&Value>) -> Result<Self, RecordErrors> {
        let mut e = RecordErrors::default();
        let scheme = e.take(r.req_parse::<Scheme>("scheme", Scheme::ALLOWED));
        let level = e.take(r.req_parse::<AdminLevel>("level", AdminLevel::ALLOWED));
        let code = e.take(r.req_str("code"));
        if let (Some(c), Some(l)) = (&code, level) {
            let digits = match l {
                AdminLevel::Province => 2,
                AdminLevel::District => 3,
                AdminLevel::Commune => 5,
            };
            if c.len() != digits || !c.bytes().all(|b| b.is_ascii_digit()) {
                e.push("code", format!("a {l} code has {digits} digits, got {c:?}"));
            }
            if scheme == Some(Scheme::Y2025) && l == AdminLevel::District {
                e.push("level", "the 2025 scheme has no districts");
            }
        }
        let name = e.take(r.req_str("name"));
        let parent_code = e.take(r.opt_str("parent_code")).flatten();
        if level.is_some_and(|l| l != AdminLevel::Province) && parent_code.is_none() {
            e.push("parent_code", "is required below province level");
        }
        let valid_from = e.take(opt_date(r, "valid_from")).flatten();
        let valid_to = e.take(opt_date(r, "valid_to")).flatten();
        if let (Some(f), Some(t)) = (valid_from, valid_to)
            && f >= t
        {
            e.push("valid_to", format!("{t} is not after valid_from {f}"));
        }
        let geometry_source = e.take(r.opt_str("geometry_source")).flatten();
        let geometry = geometry.and_then(|g| e.take(parse_multipolygon(g)));
        r.check_unknown(&mut e);
        match (scheme, code, name, level) {
            (Some(scheme), Some(code), Some(name), Some(level)) if e.is_empty() => Ok(AdminArea {
                scheme,
                code,
                name,
                level,
                parent_code,
                valid_from,
                valid_to,
                geometry,
                geometry_source,
            }),
            _ => Err(e),
        }
    }

    pub fn key(&self) -> (Scheme, &str) {
        (self.scheme, &self.code)
    }

    pub fn to_flat(&self) -> serde_json::Map<String, Value> {
        let v = serde_json::json!({
            "scheme": self.scheme,
            "code": self.code,
            "name": self.name,
            "level": self.level,
            "parent_code": self.parent_code,
            "valid_from": self.valid_from,
            "valid_to": self.valid_to,
            "geometry_source": self.geometry_source,
        });
        match v {
            Value::Object(m) => m,
            _ => unreachable!("json! of an object literal is an object"),
        }
    }

    /// The geometry as a GeoJSON value, if any.
    pub fn geometry_geojson(&self) -> Option<Value> {
        self.geometry
            .as_ref()
            .map(|g| serde_json::to_value(geojson::Geometry::from(g)).unwrap_or(Value::Null))
    }
}

/// Which 2025 commune each pre-2025 commune went into (many-to-one in Trà Vinh; a
/// split commune would appear in several rows).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommuneMapping {
    pub old_code: String,
    pub old_name: String,
    pub new_code: String,
    pub new_name: String,
}

impl CommuneMapping {
    pub const FIELDS: &'static [&'static str] = &["old_code", "old_name", "new_code", "new_name"];

    pub fn from_record(r: &Record) -> Result<Self, RecordErrors> {
        let mut e = RecordErrors::default();
        let old_code = e.take(r.req_str("old_code"));
        let old_name = e.take(r.req_str("old_name"));
        let new_code = e.take(r.req_str("new_code"));
        let new_name = e.take(r.req_str("new_name"));
        r.check_unknown(&mut e);
        match (old_code, old_name, new_code, new_name) {
            (Some(old_code), Some(old_name), Some(new_code), Some(new_name)) if e.is_empty() => {
                Ok(Self {
                    old_code,
                    old_name,
                    new_code,
                    new_name,
                })
            }
            _ => Err(e),
        }
    }

    pub fn to_row(&self) -> Vec<String> {
        vec![
            self.old_code.clone(),
            self.old_name.clone(),
            self.new_code.clone(),
            self.new_name.clone(),
        ]
    }
}

pub(crate) fn opt_date(r: &Record, field: &str) -> Result<Option<NaiveDate>, FieldError> {
    match r.opt_str(field)? {
        None => Ok(None),
        Some(s) => NaiveDate::parse_from_str(&s, "%Y-%m-%d")
            .map(Some)
            .map_err(|_| FieldError::new(field, format!("{s:?} is not a date (YYYY-MM-DD)"))),
    }
}

fn parse_multipolygon(g: &Value) -> Result<MultiPolygon<f64>, FieldError> {
    let bad = |m: String| FieldError::new("geometry", m);
    let geom: geojson::Geometry =
        serde_json::from_value(g.clone()).map_err(|e| bad(format!("not GeoJSON: {e}")))?;
    let mp: MultiPolygon<f64> = match geo::Geometry::<f64>::try_from(geom)
        .map_err(|e| bad(format!("unreadable geometry: {e}")))?
    {
        geo::Geometry::Polygon(p) => MultiPolygon::new(vec![p]),
        geo::Geometry::MultiPolygon(mp) => mp,
        _ => {
            return Err(bad(
                "an area's geometry must be a Polygon or MultiPolygon".into()
            ));
        }
    };
    use geo::CoordsIter;
    if mp
        .coords_iter()
        .any(|c| !(-180.0..=180.0).contains(&c.x) || !(-90.0..=90.0).contains(&c.y))
    {
        return Err(bad("coordinates out of WGS84 range".into()));
    }
    Ok(mp)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn rec(v: Value) -> Record {
        match v {
            Value::Object(m) => Record::new(m),
            _ => unreachable!(),
        }
    }

    #[test]
    fn the_same_code_in_two_schemes_is_two_areas() {
        let a = AdminArea::from_record(
            &rec(json!({"scheme":"pre2025","code":"29254","name":"Phường 7","level":"commune","parent_code":"842"})),
            None,
        )
        .unwrap();
        let b = AdminArea::from_record(
            &rec(json!({"scheme":"2025","code":"29254","name":"Phường Nguyệt Hóa","level":"commune","parent_code":"86"})),
            None,
        )
        .unwrap();
        assert_ne!(a.key(), b.key());
    }

    #[test]
    fn rejects_districts_in_the_2025_scheme_and_bad_codes() {
        let err = AdminArea::from_record(
            &rec(json!({"scheme":"2025","code":"8421","name":"x","level":"district","parent_code":"86"})),
            None,
        )
        .unwrap_err();
        let fields: Vec<_> = err.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, vec!["code", "level"]);
    }
}

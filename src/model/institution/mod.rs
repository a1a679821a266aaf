//! A GDNN institution: identity, place, programmes and the Plan's readiness indicators.

use std::fmt;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

mod programme;
mod text;
mod wire;

pub use programme::Programme;
pub use text::{InstitutionText, MAX_TEXT_BYTES, TextFields};
pub use wire::InstitutionFields;

use super::Scheme;
use super::SharedText;
use super::occupation::rename;
use super::{
    FieldError, InstitutionKind, Level, LonLat, OccupationCode, Ownership, PositionAccuracy,
    Record, RecordErrors,
};

/// A stable, URL-safe identifier (a slug such as `cd-nghe-tra-vinh`): lower-case ASCII
/// letters and digits in groups joined by single hyphens, 2 to 80 characters.
///
/// Held as [`SharedText`]: 8 bytes in each of millions of records, and the copies the
/// index keeps as keys share the record's allocation. That allocation is the record's
/// text block (`text.rs`): its first byte is the id's length, the id follows, and the
/// record's text after it; an id parsed alone is the length and the id. Compared,
/// hashed and ordered as the id alone. A copy kept apart from its record keeps the
/// record's text block alive with it (a few hundred bytes), not only the id.
#[derive(Clone, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct InstitutionId(SharedText);

impl PartialEq for InstitutionId {
    fn eq(&self, other: &Self) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for InstitutionId {}

impl std::hash::Hash for InstitutionId {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.as_str().hash(state);
    }
}

impl PartialOrd for InstitutionId {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for InstitutionId {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.as_str().cmp(other.as_str())
    }
}

impl fmt::Debug for InstitutionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("InstitutionId")
            .field(&self.as_str())
            .finish()
    }
}

/// A slug in the OpenAPI document, as [`InstitutionId::parse`] admits it.
impl utoipa::PartialSchema for InstitutionId {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::Type::String)
            .min_length(Some(2))
            .max_length(Some(80))
            .pattern(Some("^[a-z0-9]+(-[a-z0-9]+)*$"))
            .description(Some(
                "Institution id: a slug (lower-case letters or digits, groups joined by '-')",
            ))
            .into()
    }
}

impl utoipa::ToSchema for InstitutionId {}

impl InstitutionId {
    pub fn parse(s: &str) -> Result<Self, FieldError> {
        Self::check(s)?;
        Ok(Self(text::id_alone(s)))
    }

    /// Whether `s` is an id, without making one.
    pub fn check(s: &str) -> Result<(), FieldError> {
        let ok = (2..=80).contains(&s.len())
            && s.split('-').all(|part| {
                !part.is_empty()
                    && part
                        .bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
            });
        if ok {
            Ok(())
        } else {
            Err(FieldError::new(
                "id",
                format!(
                    "{s:?} is not a slug (2-80 lower-case letters or digits, groups joined by '-')"
                ),
            ))
        }
    }

    /// An id held in a text block that starts with its length (`text.rs`).
    pub(super) fn sharing(block: SharedText) -> Self {
        Self(block)
    }

    pub fn as_str(&self) -> &str {
        text::id_in_front(&self.0)
    }
}

impl fmt::Display for InstitutionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl TryFrom<String> for InstitutionId {
    type Error = FieldError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}

impl From<InstitutionId> for String {
    fn from(id: InstitutionId) -> Self {
        id.as_str().to_owned()
    }
}

/// Administrative codes in both schemes. Before the 2025 reform an institution sat in a
/// province, district and commune; after it, in a province and a commune. Codes are GSO
/// codes and only mean something together with their scheme. Thousands of institutions
/// share each code, so loaders share one allocation per code (see
/// [`crate::model::Interner`]).
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AdminCodes {
    #[schema(value_type = Option<String>)]
    pub province_pre2025: Option<SharedText>,
    #[schema(value_type = Option<String>)]
    pub district_pre2025: Option<SharedText>,
    #[schema(value_type = Option<String>)]
    pub commune_pre2025: Option<SharedText>,
    #[schema(value_type = Option<String>)]
    pub province_2025: Option<SharedText>,
    #[schema(value_type = Option<String>)]
    pub commune_2025: Option<SharedText>,
}

impl AdminCodes {
    /// Every code with its field name and scheme, in file order.
    pub fn with_schemes(&self) -> [(&'static str, Scheme, Option<&str>); 5] {
        [
            (
                "province_pre2025",
                Scheme::Pre2025,
                self.province_pre2025.as_deref(),
            ),
            (
                "district_pre2025",
                Scheme::Pre2025,
                self.district_pre2025.as_deref(),
            ),
            (
                "commune_pre2025",
                Scheme::Pre2025,
                self.commune_pre2025.as_deref(),
            ),
            (
                "province_2025",
                Scheme::Y2025,
                self.province_2025.as_deref(),
            ),
            ("commune_2025", Scheme::Y2025, self.commune_2025.as_deref()),
        ]
    }

    /// Every code, mutably, for sharing repeated ones.
    pub fn codes_mut(&mut self) -> [&mut Option<SharedText>; 5] {
        [
            &mut self.province_pre2025,
            &mut self.district_pre2025,
            &mut self.commune_pre2025,
            &mut self.province_2025,
            &mut self.commune_2025,
        ]
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Contacts {
    pub phone: Option<Box<str>>,
    pub email: Option<Box<str>>,
    pub website: Option<Box<str>>,
}

/// The digital-readiness indicators of the Plan (Decision 2104/QĐ-UBND). `None` means
/// unknown, which indicators report as such rather than as "no".
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Readiness {
    pub digital_infrastructure: Option<bool>,
    pub connected_national_platform: Option<bool>,
    pub digitised_learning_records: Option<bool>,
    pub digitised_diplomas: Option<bool>,
    /// Share of teachers and managers trained in digital competence, 0 to 100.
    pub teachers_digital_trained_pct: Option<f64>,
    pub high_quality_school: Option<bool>,
    pub digital_school: Option<bool>,
    /// Where these figures come from (and whether they are illustrative).
    #[schema(value_type = Option<String>)]
    pub source: Option<SharedText>,
}

/// What makes two [`Readiness`] equal, hashable: the percentage by its bits.
pub type ReadinessKey = ([Option<bool>; 6], Option<u64>, Option<SharedText>);

impl Readiness {
    pub fn key(&self) -> ReadinessKey {
        (
            [
                self.digital_infrastructure,
                self.connected_national_platform,
                self.digitised_learning_records,
                self.digitised_diplomas,
                self.high_quality_school,
                self.digital_school,
            ],
            self.teachers_digital_trained_pct.map(f64::to_bits),
            self.source.clone(),
        )
    }
}

/// An institution as the index holds it: millions are kept in memory, so its own
/// text lives in one [`InstitutionText`] (read it with [`Institution::name_vi`] and
/// its siblings). JSON and the OpenAPI schema keep the exchanged shape of
/// [`InstitutionFields`] (see `wire.rs`).
#[derive(Debug, Clone, PartialEq)]
pub struct Institution {
    pub id: InstitutionId,
    /// Code, names, address and contacts.
    pub text: InstitutionText,
    pub kind: InstitutionKind,
    pub ownership: Ownership,
    pub location: LonLat,
    pub position_accuracy: PositionAccuracy,
    /// Shared by every institution in the same places: a few thousand distinct sets
    /// of codes serve millions of records (see [`crate::model::Interner::share_admin`]),
    /// 8 bytes in each record instead of 40.
    pub admin: Arc<AdminCodes>,
    /// Exactly as many as there are: a boxed slice has no spare capacity.
    pub programmes: Box<[Programme]>,
    /// Shared like `admin`: institutions that report the same figures hold one copy
    /// (see [`crate::model::Interner::share_readiness`]), 8 bytes instead of 32.
    pub readiness: Arc<Readiness>,
    /// Where the record comes from, in words a reader can check.
    pub source: SharedText,
    pub updated_at: DateTime<Utc>,
    /// Moves on with every change in the system of record (1 for files): the ETag an
    /// edit must name (`If-Match`), so that two officials cannot overwrite each other.
    /// Not part of the exchanged record: the database keeps it.
    pub version: i64,
}

/// The flat field names of an institution, in file order (CSV columns and GeoJSON
/// properties; GeoJSON carries `lon`/`lat` in its geometry and adds `programmes`).
pub const INSTITUTION_FIELDS: &[&str] = &[
    "id",
    "code",
    "name_vi",
    "name_en",
    "kind",
    "ownership",
    "lon",
    "lat",
    "position_accuracy",
    "address",
    "province_pre2025",
    "district_pre2025",
    "commune_pre2025",
    "province_2025",
    "commune_2025",
    "phone",
    "email",
    "website",
    "digital_infrastructure",
    "connected_national_platform",
    "digitised_learning_records",
    "digitised_diplomas",
    "teachers_digital_trained_pct",
    "high_quality_school",
    "digital_school",
    "readiness_source",
    "source",
    "updated_at",
];

pub const PROGRAMME_FIELDS: &[&str] = &[
    "institution_id",
    "occupation_code",
    "occupation_name",
    "level",
    "annual_quota",
];

impl Institution {
    /// Official code (mã cơ sở GDNN) where one is known.
    pub fn code(&self) -> Option<&str> {
        self.text.get(text::CODE)
    }

    pub fn name_vi(&self) -> &str {
        self.text.get(text::NAME_VI).unwrap_or_default()
    }

    pub fn name_en(&self) -> Option<&str> {
        self.text.get(text::NAME_EN)
    }

    pub fn address(&self) -> Option<&str> {
        self.text.get(text::ADDRESS)
    }

    pub fn phone(&self) -> Option<&str> {
        self.text.get(text::PHONE)
    }

    pub fn email(&self) -> Option<&str> {
        self.text.get(text::EMAIL)
    }

    pub fn website(&self) -> Option<&str> {
        self.text.get(text::WEBSITE)
    }

    /// Renames the institution, keeping its other text (edits in tests and benches;
    /// officials' edits arrive as whole records).
    pub fn set_name_vi(&mut self, name_vi: &str) -> Result<(), FieldError> {
        let (id, text) = InstitutionText::with_id(
            self.id.as_str(),
            TextFields {
                name_vi,
                ..self.text.fields()
            },
        )?;
        (self.id, self.text) = (id, text);
        Ok(())
    }

    /// Parses a flat record. Programmes come from a `programmes` list when the record
    /// has one (GeoJSON); CSV files carry them in a separate file.
    pub fn from_record(r: &Record) -> Result<Self, RecordErrors> {
        let mut e = RecordErrors::default();
        let id = e.take(
            r.req_str("id")
                .and_then(|s| InstitutionId::parse(&s).map_err(|x| rename(x, "id"))),
        );
        let code = e.take(r.opt_str("code")).flatten();
        let name_vi = e.take(r.req_str("name_vi"));
        let name_en = e.take(r.opt_str("name_en")).flatten();
        let kind = e.take(r.req_parse("kind", InstitutionKind::ALLOWED));
        let ownership = e.take(r.req_parse("ownership", Ownership::ALLOWED));
        let location = match (e.take(r.req_f64("lon")), e.take(r.req_f64("lat"))) {
            (Some(lon), Some(lat)) => e.take(LonLat::new(lon, lat)),
            _ => None,
        };
        let position_accuracy = e.take(r.req_parse("position_accuracy", PositionAccuracy::ALLOWED));
        let address = e.take(r.opt_str("address")).flatten();
        let admin = AdminCodes {
            province_pre2025: admin_code(r, &mut e, "province_pre2025", 2),
            district_pre2025: admin_code(r, &mut e, "district_pre2025", 3),
            commune_pre2025: admin_code(r, &mut e, "commune_pre2025", 5),
            province_2025: admin_code(r, &mut e, "province_2025", 2),
            commune_2025: admin_code(r, &mut e, "commune_2025", 5),
        };
        let phone = e.take(r.opt_str("phone")).flatten();
        let email = e.take(r.opt_str("email").and_then(check_email)).flatten();
        let website = e
            .take(r.opt_str("website").and_then(check_website))
            .flatten();
        // The id goes in front of the text, in its block; a refused id (reported above)
        // still lets the text be checked for its own errors.
        let text = name_vi.as_deref().and_then(|name_vi| {
            let fields = TextFields {
                code: code.as_deref(),
                name_vi,
                name_en: name_en.as_deref(),
                address: address.as_deref(),
                phone: phone.as_deref(),
                email: email.as_deref(),
                website: website.as_deref(),
            };
            match &id {
                Some(id) => e
                    .take(InstitutionText::with_id(id.as_str(), fields))
                    .map(|(id, text)| (Some(id), text)),
                None => e
                    .take(InstitutionText::new(fields))
                    .map(|text| (None, text)),
            }
        });
        let readiness = Readiness {
            digital_infrastructure: e.take(r.opt_bool("digital_infrastructure")).flatten(),
            connected_national_platform: e
                .take(r.opt_bool("connected_national_platform"))
                .flatten(),
            digitised_learning_records: e.take(r.opt_bool("digitised_learning_records")).flatten(),
            digitised_diplomas: e.take(r.opt_bool("digitised_diplomas")).flatten(),
            teachers_digital_trained_pct: e
                .take(
                    r.opt_f64("teachers_digital_trained_pct")
                        .and_then(|v| match v {
                            Some(p) if !(0.0..=100.0).contains(&p) => Err(FieldError::new(
                                "teachers_digital_trained_pct",
                                format!("must be a percentage from 0 to 100, got {p}"),
                            )),
                            other => Ok(other),
                        }),
                )
                .flatten(),
            high_quality_school: e.take(r.opt_bool("high_quality_school")).flatten(),
            digital_school: e.take(r.opt_bool("digital_school")).flatten(),
            source: e
                .take(r.opt_str("readiness_source"))
                .flatten()
                .map(SharedText::from),
        };
        let source = e.take(r.req_str("source"));
        let updated_at = e.take(r.req_str("updated_at").and_then(|s| {
            DateTime::parse_from_rfc3339(&s)
                .map(|d| d.with_timezone(&Utc))
                .map_err(|_| {
                    FieldError::new("updated_at", format!("{s:?} is not an RFC 3339 timestamp"))
                })
        }));
        let programmes = match r.value("programmes") {
            None => Vec::new(),
            Some(Value::Array(items)) => items
                .iter()
                .enumerate()
                .filter_map(|(i, item)| match item {
                    Value::Object(m) => {
                        match Programme::from_record(&Record::new(m.clone()), false) {
                            Ok(p) => Some(p),
                            Err(errs) => {
                                for fe in errs.0 {
                                    e.push(format!("programmes[{i}].{}", fe.field), fe.message);
                                }
                                None
                            }
                        }
                    }
                    _ => {
                        e.push(format!("programmes[{i}]"), "expected an object");
                        None
                    }
                })
                .collect(),
            Some(_) => {
                e.push("programmes", "expected a list of programmes");
                Vec::new()
            }
        };
        r.check_unknown(&mut e);
        match (
            text,
            kind,
            ownership,
            location,
            position_accuracy,
            source,
            updated_at,
        ) {
            (
                Some((Some(id), text)),
                Some(kind),
                Some(ownership),
                Some(location),
                Some(position_accuracy),
                Some(source),
                Some(updated_at),
            ) if e.is_empty() => Ok(Institution {
                id,
                text,
                kind,
                ownership,
                location,
                position_accuracy,
                admin: Arc::new(admin),
                programmes: programmes.into(),
                readiness: Arc::new(readiness),
                source: source.into(),
                updated_at,
                version: 1,
            }),
            _ => Err(e),
        }
    }

    /// The flat record (without `programmes`), typed as JSON: GeoJSON properties and,
    /// turned to text, a CSV row.
    pub fn to_flat(&self) -> Map<String, Value> {
        let a = &self.admin;
        let t = self.text.fields();
        let rd = &self.readiness;
        let v = json!({
            "id": self.id,
            "code": t.code,
            "name_vi": t.name_vi,
            "name_en": t.name_en,
            "kind": self.kind,
            "ownership": self.ownership,
            "lon": self.location.lon(),
            "lat": self.location.lat(),
            "position_accuracy": self.position_accuracy,
            "address": t.address,
            "province_pre2025": a.province_pre2025,
            "district_pre2025": a.district_pre2025,
            "commune_pre2025": a.commune_pre2025,
            "province_2025": a.province_2025,
            "commune_2025": a.commune_2025,
            "phone": t.phone,
            "email": t.email,
            "website": t.website,
            "digital_infrastructure": rd.digital_infrastructure,
            "connected_national_platform": rd.connected_national_platform,
            "digitised_learning_records": rd.digitised_learning_records,
            "digitised_diplomas": rd.digitised_diplomas,
            "teachers_digital_trained_pct": rd.teachers_digital_trained_pct,
            "high_quality_school": rd.high_quality_school,
            "digital_school": rd.digital_school,
            "readiness_source": rd.source,
            "source": self.source,
            "updated_at": self.updated_at.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true),
        });
        match v {
            Value::Object(m) => m,
            _ => unreachable!("json! of an object literal is an object"),
        }
    }

    /// Levels at which the institution has at least one programme, lowest first.
    pub fn levels(&self) -> Vec<Level> {
        let mut v: Vec<Level> = self.programmes.iter().map(|p| p.level()).collect();
        v.sort();
        v.dedup();
        v
    }
}

impl Programme {
    /// `with_institution` asks for the `institution_id` column of a programmes CSV.
    pub fn from_record(r: &Record, with_institution: bool) -> Result<Self, RecordErrors> {
        let mut e = RecordErrors::default();
        if with_institution {
            // Read so it is not flagged unknown; the caller groups rows by it.
            let _ = r.opt_str("institution_id");
        }
        let code = e.take(
            r.req_str("occupation_code")
                .and_then(|s| OccupationCode::parse(&s)),
        );
        let name = e.take(r.req_str("occupation_name"));
        let level: Option<Level> = e.take(r.req_parse("level", Level::ALLOWED));
        let annual_quota = e.take(r.opt_u32("annual_quota")).flatten();
        if let (Some(c), Some(l)) = (&code, level)
            && !c.fits_level(l)
        {
            e.push(
                "occupation_code",
                format!(
                    "{c} starts with {} but a {l} programme's code starts with {}",
                    c.level_digit(),
                    l.catalogue_digit().unwrap_or('?')
                ),
            );
        }
        r.check_unknown(&mut e);
        match (code, name, level) {
            (Some(occupation_code), Some(occupation_name), Some(level)) if e.is_empty() => Ok(
                Programme::new(occupation_code, occupation_name.into(), level, annual_quota),
            ),
            _ => Err(e),
        }
    }

    pub fn to_json(&self) -> Value {
        json!({
            "occupation_code": self.occupation_code(),
            "occupation_name": self.occupation_name(),
            "level": self.level(),
            "annual_quota": self.annual_quota(),
        })
    }
}

fn admin_code(r: &Record, e: &mut RecordErrors, field: &str, digits: usize) -> Option<SharedText> {
    let v = e.take(r.opt_str(field)).flatten()?;
    if v.len() == digits && v.bytes().all(|b| b.is_ascii_digit()) {
        Some(SharedText::from(v))
    } else {
        e.push(field, format!("{v:?} is not a {digits}-digit GSO code"));
        None
    }
}

fn check_email(v: Option<String>) -> Result<Option<String>, FieldError> {
    match v {
        Some(s) if !s.contains('@') || s.contains(char::is_whitespace) => Err(FieldError::new(
            "email",
            format!("{s:?} is not an e-mail address"),
        )),
        other => Ok(other),
    }
}

fn check_website(v: Option<String>) -> Result<Option<String>, FieldError> {
    match v {
        Some(s) if !(s.starts_with("https://") || s.starts_with("http://")) => {
            Err(FieldError::new(
                "website",
                format!("{s:?} must start with http:// or https://"),
            ))
        }
        other => Ok(other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Map<String, Value> {
        match json!({
            "id": "cd-nghe-tra-vinh", "name_vi": "Trường Cao đẳng Nghề Trà Vinh",
            "kind": "college", "ownership": "public", "lon": 106.34, "lat": 9.93,
            "position_accuracy": "approximate", "district_pre2025": "842",
            "source": "test", "updated_at": "2026-01-01T00:00:00Z",
            "programmes": [{"occupation_code": "6520123", "occupation_name": "Hàn",
                            "level": "college", "annual_quota": 35}]
        }) {
            Value::Object(m) => m,
            _ => unreachable!(),
        }
    }

    #[test]
    fn parses_a_valid_record_and_flattens_it_back() {
        let i = Institution::from_record(&Record::new(sample())).unwrap();
        assert_eq!(i.name_vi(), "Trường Cao đẳng Nghề Trà Vinh");
        assert_eq!(i.programmes.len(), 1);
        let mut flat = i.to_flat();
        flat.insert(
            "programmes".into(),
            Value::Array(i.programmes.iter().map(Programme::to_json).collect()),
        );
        assert_eq!(Institution::from_record(&Record::new(flat)).unwrap(), i);
    }

    #[test]
    fn reports_every_bad_field_by_name() {
        let mut m = sample();
        m.insert("kind".into(), json!("castle"));
        m.insert("lat".into(), json!(95));
        m.insert("district_pre2025".into(), json!("84"));
        m.insert("colour".into(), json!("red"));
        m["programmes"][0]["level"] = json!("intermediate");
        let err = Institution::from_record(&Record::new(m)).unwrap_err();
        let fields: Vec<&str> = err.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            vec![
                "kind",
                "lat",
                "district_pre2025",
                "programmes[0].occupation_code",
                "colour"
            ],
            "{err}"
        );
    }

    #[test]
    fn slugs_are_strict() {
        assert!(InstitutionId::parse("cd-nghe-tra-vinh").is_ok());
        assert!(InstitutionId::parse("CD-Nghe").is_err());
        assert!(InstitutionId::parse("a--b").is_err());
        assert!(InstitutionId::parse("-ab").is_err());
        assert!(InstitutionId::parse("trường").is_err());
    }

    /// Millions of records are held in memory: a field that grows these (a `String`
    /// where `Box<str>` serves, an `Arc<str>` where the thin `SharedText` serves) costs
    /// megabytes per million institutions. The sizes as of stop 26 (the record's own
    /// text joined into one [`InstitutionText`], administrative codes and readiness
    /// figures shared); grow them knowingly.
    #[test]
    fn records_stay_compact() {
        let (institution, programme) = (size_of::<Institution>(), size_of::<Programme>());
        assert!(institution <= 112, "Institution is {institution} bytes");
        assert!(programme <= 16, "Programme is {programme} bytes");
    }
}

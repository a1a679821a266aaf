//! An institution as JSON and in the OpenAPI document. The exchanged shape predates
//! [`InstitutionText`]: seven text fields, contacts nested. [`InstitutionFields`] is
//! that shape, owned, for reading and for the schema; writing borrows from the record.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize, Serializer};

use super::super::{FieldError, InstitutionKind, LonLat, Ownership, PositionAccuracy, SharedText};
use super::{
    AdminCodes, Contacts, Institution, InstitutionId, InstitutionText, Programme, Readiness,
    TextFields,
};

// An institution as exchanged. No doc comment: it would become the schema's
// description, and the document predates this type.
#[derive(Deserialize, utoipa::ToSchema)]
#[schema(as = Institution)]
pub struct InstitutionFields {
    pub id: InstitutionId,
    /// Official code (mã cơ sở GDNN) where one is known.
    pub code: Option<Box<str>>,
    pub name_vi: Box<str>,
    pub name_en: Option<Box<str>>,
    pub kind: InstitutionKind,
    pub ownership: Ownership,
    pub location: LonLat,
    pub position_accuracy: PositionAccuracy,
    pub address: Option<Box<str>>,
    pub admin: AdminCodes,
    pub contacts: Contacts,
    pub programmes: Vec<Programme>,
    pub readiness: Readiness,
    /// Where the record comes from, in words a reader can check.
    #[schema(value_type = String)]
    pub source: SharedText,
    pub updated_at: DateTime<Utc>,
    /// Moves on with every change in the system of record (1 for files): the ETag an
    /// edit must name (`If-Match`), so that two officials cannot overwrite each other.
    /// Not part of the exchanged record: the database keeps it.
    #[serde(skip_serializing, default = "first_version")]
    pub version: i64,
}

fn first_version() -> i64 {
    1
}

impl TryFrom<InstitutionFields> for Institution {
    type Error = FieldError;

    fn try_from(f: InstitutionFields) -> Result<Self, FieldError> {
        let (id, text) = InstitutionText::with_id(
            f.id.as_str(),
            TextFields {
                code: f.code.as_deref(),
                name_vi: &f.name_vi,
                name_en: f.name_en.as_deref(),
                address: f.address.as_deref(),
                phone: f.contacts.phone.as_deref(),
                email: f.contacts.email.as_deref(),
                website: f.contacts.website.as_deref(),
            },
        )?;
        Ok(Institution {
            id,
            text,
            kind: f.kind,
            ownership: f.ownership,
            location: f.location,
            position_accuracy: f.position_accuracy,
            admin: Arc::new(f.admin),
            programmes: f.programmes.into(),
            readiness: Arc::new(f.readiness),
            source: f.source,
            updated_at: f.updated_at,
            version: f.version,
        })
    }
}

impl<'de> Deserialize<'de> for Institution {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let fields = InstitutionFields::deserialize(d)?;
        Institution::try_from(fields).map_err(serde::de::Error::custom)
    }
}

/// [`InstitutionFields`]' shape, borrowed, so writing a record allocates nothing.
#[derive(Serialize)]
struct InstitutionOut<'a> {
    id: &'a InstitutionId,
    code: Option<&'a str>,
    name_vi: &'a str,
    name_en: Option<&'a str>,
    kind: InstitutionKind,
    ownership: Ownership,
    location: LonLat,
    position_accuracy: PositionAccuracy,
    address: Option<&'a str>,
    admin: &'a AdminCodes,
    contacts: ContactsOut<'a>,
    programmes: &'a [Programme],
    readiness: &'a Readiness,
    source: &'a SharedText,
    updated_at: &'a DateTime<Utc>,
}

#[derive(Serialize)]
struct ContactsOut<'a> {
    phone: Option<&'a str>,
    email: Option<&'a str>,
    website: Option<&'a str>,
}

impl Serialize for Institution {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let t = self.text.fields();
        InstitutionOut {
            id: &self.id,
            code: t.code,
            name_vi: t.name_vi,
            name_en: t.name_en,
            kind: self.kind,
            ownership: self.ownership,
            location: self.location,
            position_accuracy: self.position_accuracy,
            address: t.address,
            admin: &self.admin,
            contacts: ContactsOut {
                phone: t.phone,
                email: t.email,
                website: t.website,
            },
            programmes: &self.programmes,
            readiness: &self.readiness,
            source: &self.source,
            updated_at: &self.updated_at,
        }
        .serialize(s)
    }
}

/// The schema is [`InstitutionFields`]' (named `Institution`).
impl utoipa::PartialSchema for Institution {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        <InstitutionFields as utoipa::PartialSchema>::schema()
    }
}

impl utoipa::ToSchema for Institution {
    fn name() -> std::borrow::Cow<'static, str> {
        <InstitutionFields as utoipa::ToSchema>::name()
    }

    fn schemas(
        schemas: &mut Vec<(
            String,
            utoipa::openapi::RefOr<utoipa::openapi::schema::Schema>,
        )>,
    ) {
        <InstitutionFields as utoipa::ToSchema>::schemas(schemas)
    }
}

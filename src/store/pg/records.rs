//! Institutions and programmes made from their rows, whichever way the rows were read:
//! a binary copy at start-up ([`super::binary_copy`]), ordinary queries for a few rows
//! (one institution, the changed ones). Both read the same columns in the same order,
//! by position, through [`Fields`].

use chrono::{DateTime, Utc};
use sqlx::Row;
use sqlx::postgres::PgRow;

use super::binary_copy::Columns;
use crate::model::institution::INSTITUTION_FIELDS as EXCHANGED;
pub(super) use crate::model::institution::PROGRAMME_FIELDS;
use crate::model::{
    AdminCodes, Institution, InstitutionText, Interner, LonLat, OccupationCode, Programme,
    Readiness, TextFields,
};
use crate::store::StoreError;

/// A row's fields by position, from a binary copy (`binary_copy::CopiedRow`) or a
/// query's row. `name` is the column's, for errors.
pub(super) trait Fields {
    fn text(&self, i: usize, name: &str) -> Result<Option<&str>, StoreError>;
    fn float8(&self, i: usize, name: &str) -> Result<Option<f64>, StoreError>;
    fn boolean(&self, i: usize, name: &str) -> Result<Option<bool>, StoreError>;
    fn int4(&self, i: usize, name: &str) -> Result<Option<i32>, StoreError>;
    fn int8(&self, i: usize, name: &str) -> Result<Option<i64>, StoreError>;
    fn timestamptz(&self, i: usize, name: &str) -> Result<Option<DateTime<Utc>>, StoreError>;
}

fn field<'r, T>(row: &'r PgRow, i: usize, name: &str) -> Result<Option<T>, StoreError>
where
    T: sqlx::Decode<'r, sqlx::Postgres> + sqlx::Type<sqlx::Postgres>,
{
    row.try_get(i)
        .map_err(|e| StoreError::Corrupt(format!("{name}: {e}")))
}

impl Fields for PgRow {
    fn text(&self, i: usize, name: &str) -> Result<Option<&str>, StoreError> {
        field(self, i, name)
    }
    fn float8(&self, i: usize, name: &str) -> Result<Option<f64>, StoreError> {
        field(self, i, name)
    }
    fn boolean(&self, i: usize, name: &str) -> Result<Option<bool>, StoreError> {
        field(self, i, name)
    }
    fn int4(&self, i: usize, name: &str) -> Result<Option<i32>, StoreError> {
        field(self, i, name)
    }
    fn int8(&self, i: usize, name: &str) -> Result<Option<i64>, StoreError> {
        field(self, i, name)
    }
    fn timestamptz(&self, i: usize, name: &str) -> Result<Option<DateTime<Utc>>, StoreError> {
        field(self, i, name)
    }
}

/// What an institution is read from, in this order; [`INSTITUTION_FIELDS`] names them.
pub(super) const INSTITUTION_COLUMNS: &str = "id, code, name_vi, name_en, kind, ownership,
    ST_X(geom) AS lon, ST_Y(geom) AS lat, position_accuracy, address, province_pre2025,
    district_pre2025, commune_pre2025, province_2025, commune_2025, phone, email, website,
    digital_infrastructure, connected_national_platform, digitised_learning_records,
    digitised_diplomas, teachers_digital_trained_pct, high_quality_school, digital_school,
    readiness_source, source, updated_at, version";

/// The exchanged fields in file order, and the version the database keeps.
pub(super) const INSTITUTION_FIELDS: [&str; EXCHANGED.len() + 1] = {
    let mut out = [""; EXCHANGED.len() + 1];
    let mut i = 0;
    while i < EXCHANGED.len() {
        out[i] = EXCHANGED[i];
        i += 1;
    }
    out[i] = "version";
    out
};

/// What a programme is read from, in this order ([`PROGRAMME_FIELDS`]).
pub(super) const PROGRAMME_COLUMNS: &str =
    "institution_id, occupation_code, occupation_name, level, annual_quota";

/// The text columns of [`INSTITUTION_COLUMNS`], checked as UTF-8 together per row of a
/// copy (`binary_copy.rs`).
pub(super) const INSTITUTION_COPY: Columns = Columns {
    names: &INSTITUTION_FIELDS,
    text: places(
        &INSTITUTION_FIELDS,
        &[
            "id",
            "code",
            "name_vi",
            "name_en",
            "kind",
            "ownership",
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
            "readiness_source",
            "source",
        ],
    ),
};

/// The text columns of [`PROGRAMME_COLUMNS`], as [`INSTITUTION_COPY`].
pub(super) const PROGRAMME_COPY: Columns = Columns {
    names: PROGRAMME_FIELDS,
    text: places(
        PROGRAMME_FIELDS,
        &[
            "institution_id",
            "occupation_code",
            "occupation_name",
            "level",
        ],
    ),
};

/// The places of `named` in `names`, as a mask (bit `i` for place `i`).
const fn places(names: &[&str], named: &[&str]) -> u32 {
    let mut mask = 0;
    let mut i = 0;
    while i < named.len() {
        mask |= 1 << place(names, named[i]);
        i += 1;
    }
    mask
}

/// The place of `name` in `names`, found when compiling (`const { place(..) }`).
const fn place(names: &[&str], name: &str) -> usize {
    let mut i = 0;
    while i < names.len() {
        if names[i].len() == name.len() {
            let (a, b) = (names[i].as_bytes(), name.as_bytes());
            let mut j = 0;
            while j < a.len() && a[j] == b[j] {
                j += 1;
            }
            if j == a.len() {
                return i;
            }
        }
        i += 1;
    }
    panic!("no such column")
}

/// Reads the fields of one row by column name, the places fixed when compiling.
struct Named<'r, R> {
    row: &'r R,
    names: &'static [&'static str],
}

macro_rules! column {
    ($names:expr, $name:literal) => {
        const { place($names, $name) }
    };
}

impl<'r, R: Fields> Named<'r, R> {
    fn text(&self, i: usize) -> Result<Option<&'r str>, StoreError> {
        self.row.text(i, self.names[i])
    }
    fn required_text(&self, i: usize) -> Result<&'r str, StoreError> {
        self.required(i, Self::text)
    }
    /// A value read with `read` at `i`, which may not be NULL.
    fn required<T>(
        &self,
        i: usize,
        read: impl Fn(&Self, usize) -> Result<Option<T>, StoreError>,
    ) -> Result<T, StoreError> {
        read(self, i)?.ok_or_else(|| null(self.names[i]))
    }
    fn boolean(&self, i: usize) -> Result<Option<bool>, StoreError> {
        self.row.boolean(i, self.names[i])
    }
    fn float8(&self, i: usize) -> Result<Option<f64>, StoreError> {
        self.row.float8(i, self.names[i])
    }
    fn int4(&self, i: usize) -> Result<Option<i32>, StoreError> {
        self.row.int4(i, self.names[i])
    }
    fn int8(&self, i: usize) -> Result<Option<i64>, StoreError> {
        self.row.int8(i, self.names[i])
    }
    fn timestamptz(&self, i: usize) -> Result<Option<DateTime<Utc>>, StoreError> {
        self.row.timestamptz(i, self.names[i])
    }
}

/// An institution from a row of [`INSTITUTION_COLUMNS`], without its programmes.
/// `sources` shares repeated text between rows: data sources and administrative codes.
pub(super) fn institution_from_fields<R: Fields>(
    row: &R,
    sources: &mut Interner,
) -> Result<Institution, StoreError> {
    let r = Named {
        row,
        names: &INSTITUTION_FIELDS,
    };
    macro_rules! at {
        ($name:literal) => {
            column!(&INSTITUTION_FIELDS, $name)
        };
    }
    let mut shared =
        |i: usize| -> Result<_, StoreError> { Ok(r.text(i)?.map(|c| sources.intern(c))) };
    let admin = AdminCodes {
        province_pre2025: shared(at!("province_pre2025"))?,
        district_pre2025: shared(at!("district_pre2025"))?,
        commune_pre2025: shared(at!("commune_pre2025"))?,
        province_2025: shared(at!("province_2025"))?,
        commune_2025: shared(at!("commune_2025"))?,
    };
    let readiness = Readiness {
        digital_infrastructure: r.boolean(at!("digital_infrastructure"))?,
        connected_national_platform: r.boolean(at!("connected_national_platform"))?,
        digitised_learning_records: r.boolean(at!("digitised_learning_records"))?,
        digitised_diplomas: r.boolean(at!("digitised_diplomas"))?,
        teachers_digital_trained_pct: r.float8(at!("teachers_digital_trained_pct"))?,
        high_quality_school: r.boolean(at!("high_quality_school"))?,
        digital_school: r.boolean(at!("digital_school"))?,
        source: shared(at!("readiness_source"))?,
    };
    let (id, text) = InstitutionText::with_id(
        r.required_text(at!("id"))?,
        TextFields {
            code: r.text(at!("code"))?,
            name_vi: r.required_text(at!("name_vi"))?,
            name_en: r.text(at!("name_en"))?,
            address: r.text(at!("address"))?,
            phone: r.text(at!("phone"))?,
            email: r.text(at!("email"))?,
            website: r.text(at!("website"))?,
        },
    )
    .map_err(corrupt)?;
    let lon = r.required(at!("lon"), Named::float8)?;
    let lat = r.required(at!("lat"), Named::float8)?;
    let source = r.required_text(at!("source"))?;
    Ok(Institution {
        id,
        text,
        kind: parsed(&r, at!("kind"))?,
        ownership: parsed(&r, at!("ownership"))?,
        location: LonLat::new(lon, lat).map_err(corrupt)?,
        position_accuracy: parsed(&r, at!("position_accuracy"))?,
        admin: sources.share_admin(&admin),
        programmes: Box::default(),
        readiness: sources.share_readiness(&readiness),
        source: sources.intern(source),
        updated_at: r.required(at!("updated_at"), Named::timestamptz)?,
        version: r.required(at!("version"), Named::int8)?,
    })
}

/// A programme from a row of [`PROGRAMME_COLUMNS`], and the id of its institution.
/// Repeated occupation names share one allocation through `names`.
pub(super) fn programme_from_fields<'r, R: Fields>(
    row: &'r R,
    names: &mut Interner,
) -> Result<(&'r str, Programme), StoreError> {
    let r = Named {
        row,
        names: PROGRAMME_FIELDS,
    };
    macro_rules! at {
        ($name:literal) => {
            column!(PROGRAMME_FIELDS, $name)
        };
    }
    let quota = r.int4(at!("annual_quota"))?;
    let programme = Programme::new(
        OccupationCode::parse(r.required_text(at!("occupation_code"))?).map_err(corrupt)?,
        names.intern(r.required_text(at!("occupation_name"))?),
        parsed(&r, at!("level"))?,
        quota.map(|q| q.max(0) as u32),
    );
    Ok((r.required_text(at!("institution_id"))?, programme))
}

fn parsed<R: Fields, T: std::str::FromStr>(r: &Named<'_, R>, i: usize) -> Result<T, StoreError> {
    let text = r.required_text(i)?;
    text.parse().map_err(|_| corrupt_text(r.names[i], text))
}

pub(super) fn corrupt(e: crate::model::FieldError) -> StoreError {
    StoreError::Corrupt(e.to_string())
}

pub(super) fn corrupt_text(field: &str, value: &str) -> StoreError {
    StoreError::Corrupt(format!("{field}: unexpected value {value:?}"))
}

fn null(field: &str) -> StoreError {
    StoreError::Corrupt(format!("{field}: NULL where a value is required"))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The names the fields are read by are the columns' own, in the query's order.
    #[test]
    fn the_field_names_are_the_selected_columns_in_order() {
        let selected = |columns: &str| -> Vec<String> {
            columns
                .split(',')
                .map(|c| c.split_whitespace().last().unwrap_or_default().to_owned())
                .collect()
        };
        assert_eq!(selected(INSTITUTION_COLUMNS), INSTITUTION_FIELDS);
        assert_eq!(selected(PROGRAMME_COLUMNS), PROGRAMME_FIELDS);
    }

    #[test]
    fn a_column_is_found_at_its_place() {
        assert_eq!(column!(&INSTITUTION_FIELDS, "id"), 0);
        assert_eq!(column!(&INSTITUTION_FIELDS, "version"), 28);
        assert_eq!(column!(PROGRAMME_FIELDS, "level"), 3);
    }
}

//! Vocational credentials (diplomas and certificates). Holder data is personal: it
//! lives only in the database (or the bundled fictitious file) and never reaches map
//! layers, search, logs or bulk exports.

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use super::admin::opt_date;
use super::occupation::rename;
use super::{FieldError, InstitutionId, Level, OccupationCode, Record, RecordErrors};

#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    strum::Display,
    strum::EnumString,
    strum::IntoStaticStr,
    utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum CredentialKind {
    /// Bằng tốt nghiệp cao đẳng.
    CollegeDiploma,
    /// Bằng tốt nghiệp trung cấp.
    IntermediateDiploma,
    /// Chứng chỉ sơ cấp.
    ElementaryCertificate,
}

impl super::enums::Vocabulary for CredentialKind {
    const ALLOWED: &'static str = Self::ALLOWED;
}

impl CredentialKind {
    pub const ALLOWED: &'static str = "college_diploma intermediate_diploma elementary_certificate";

    pub fn as_str(&self) -> &'static str {
        self.into()
    }

    pub fn level(self) -> Level {
        match self {
            CredentialKind::CollegeDiploma => Level::College,
            CredentialKind::IntermediateDiploma => Level::Intermediate,
            CredentialKind::ElementaryCertificate => Level::Elementary,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum CredentialStatus {
    Valid,
    Revoked { on: NaiveDate, reason: String },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Credential {
    /// Số hiệu: the serial printed on the document, upper-case, single spaces.
    pub serial: String,
    /// Số vào sổ cấp: the entry in the institution's issuance register.
    pub register_no: String,
    pub kind: CredentialKind,
    pub holder_name: String,
    pub holder_birth_date: NaiveDate,
    pub occupation_code: OccupationCode,
    pub occupation_name: String,
    pub institution_id: InstitutionId,
    pub graduation_year: i32,
    pub issue_date: NaiveDate,
    pub status: CredentialStatus,
}

pub const CREDENTIAL_FIELDS: &[&str] = &[
    "serial",
    "register_no",
    "kind",
    "holder_name",
    "holder_birth_date",
    "occupation_code",
    "occupation_name",
    "institution_id",
    "graduation_year",
    "issue_date",
    "status",
    "revoked_on",
    "revocation_reason",
];

/// Normalises a serial as printed (`"cd  001234"` → `"CD 001234"`) and checks its form:
/// 3 to 32 characters of letters, digits, spaces, `-` and `/`.
pub fn normalise_serial(s: &str) -> Result<String, FieldError> {
    let n = s
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_uppercase();
    let ok = (3..=32).contains(&n.chars().count())
        && n.chars()
            .all(|c| c.is_alphanumeric() || matches!(c, ' ' | '-' | '/'));
    if ok {
        Ok(n)
    } else {
        Err(FieldError::new(
            "serial",
            "must be 3 to 32 letters, digits, spaces, '-' or '/'",
        ))
    }
}

impl Credential {
    pub fn from_record(r: &Record) -> Result<Self, RecordErrors> {
        let mut e = RecordErrors::default();
        let serial = e.take(r.req_str("serial").and_then(|s| normalise_serial(&s)));
        let register_no = e.take(r.req_str("register_no"));
        let kind: Option<CredentialKind> = e.take(r.req_parse("kind", CredentialKind::ALLOWED));
        let holder_name = e.take(r.req_str("holder_name"));
        let holder_birth_date = e.take(req_date(r, "holder_birth_date"));
        let occupation_code = e.take(
            r.req_str("occupation_code")
                .and_then(|s| OccupationCode::parse(&s)),
        );
        let occupation_name = e.take(r.req_str("occupation_name"));
        let institution_id = e.take(
            r.req_str("institution_id")
                .and_then(|s| InstitutionId::parse(&s).map_err(|x| rename(x, "institution_id"))),
        );
        let graduation_year = e.take(r.req_f64("graduation_year").and_then(|y| {
            if y.fract() == 0.0 && (1950.0..=2100.0).contains(&y) {
                Ok(y as i32)
            } else {
                Err(FieldError::new(
                    "graduation_year",
                    format!("{y} is not a year"),
                ))
            }
        }));
        let issue_date = e.take(req_date(r, "issue_date"));
        let status = match e.take(r.req_str("status")).as_deref() {
            Some("valid") => Some(CredentialStatus::Valid),
            Some("revoked") => {
                let on = e.take(req_date(r, "revoked_on"));
                let reason = e.take(r.req_str("revocation_reason"));
                on.zip(reason)
                    .map(|(on, reason)| CredentialStatus::Revoked { on, reason })
            }
            Some(other) => {
                e.push("status", format!("{other:?} is not one of: valid revoked"));
                None
            }
            None => None,
        };
        if let (Some(k), Some(c)) = (kind, &occupation_code)
            && !c.fits_level(k.level())
        {
            e.push(
                "occupation_code",
                format!("{c} is not a code at the level of a {k}"),
            );
        }
        if let (Some(b), Some(i)) = (holder_birth_date, issue_date)
            && b >= i
        {
            e.push("issue_date", "must be after the holder's date of birth");
        }
        if let (Some(y), Some(i)) = (graduation_year, issue_date)
            && i.year() < y
        {
            e.push("issue_date", format!("is before the graduation year {y}"));
        }
        if let (Some(CredentialStatus::Revoked { on, .. }), Some(i)) = (&status, issue_date)
            && *on < i
        {
            e.push("revoked_on", "is before the issue date");
        }
        if status == Some(CredentialStatus::Valid) {
            // Read so a valid row with empty revocation columns is not "unknown".
            let _ = r.opt_str("revoked_on");
            let _ = r.opt_str("revocation_reason");
        }
        r.check_unknown(&mut e);
        match (
            serial,
            register_no,
            kind,
            holder_name,
            holder_birth_date,
            occupation_code,
            occupation_name,
            institution_id,
            graduation_year,
            issue_date,
            status,
        ) {
            (
                Some(serial),
                Some(register_no),
                Some(kind),
                Some(holder_name),
                Some(holder_birth_date),
                Some(occupation_code),
                Some(occupation_name),
                Some(institution_id),
                Some(graduation_year),
                Some(issue_date),
                Some(status),
            ) if e.is_empty() => Ok(Credential {
                serial,
                register_no,
                kind,
                holder_name,
                holder_birth_date,
                occupation_code,
                occupation_name,
                institution_id,
                graduation_year,
                issue_date,
                status,
            }),
            _ => Err(e),
        }
    }

    pub fn level(&self) -> Level {
        self.kind.level()
    }
}

fn req_date(r: &Record, field: &str) -> Result<NaiveDate, FieldError> {
    opt_date(r, field)?.ok_or_else(|| FieldError::new(field, "is required"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serials_are_normalised_and_checked() {
        assert_eq!(normalise_serial("  cd  0012 ").unwrap(), "CD 0012");
        assert!(normalise_serial("a;drop").is_err());
        assert!(normalise_serial("ab").is_err());
    }
}

//! Matching a verification request against the records that carry its serial, doing the
//! same work whether the serial is unknown or the second factor is wrong, so that neither
//! the answer nor its timing tells the two apart.

use chrono::NaiveDate;
use serde::Serialize;
use sha2::{Digest, Sha256};
use subtle::{Choice, ConstantTimeEq};

use crate::model::credential::normalise_serial;
use crate::model::{Credential, CredentialKind, CredentialStatus, FieldError, OccupationCode};
use crate::search::fold::words;

/// A record as stored, with the bit it owns in the revocation status lists.
#[derive(Debug, Clone)]
pub struct StoredCredential {
    pub credential: Credential,
    pub status_index: u64,
}

/// What a verifier sends: the serial and what the holder knows.
#[derive(Debug, Clone)]
pub struct VerifyRequest {
    pub serial: String,
    pub birth_date: NaiveDate,
    pub holder_name: Option<String>,
}

impl VerifyRequest {
    pub fn parse(
        serial: &str,
        birth_date: &str,
        holder_name: Option<&str>,
    ) -> Result<Self, FieldError> {
        let serial = normalise_serial(serial)?;
        let birth_date = NaiveDate::parse_from_str(birth_date.trim(), "%Y-%m-%d")
            .map_err(|_| FieldError::new("birth_date", "must be a date as YYYY-MM-DD"))?;
        let holder_name = match holder_name.map(str::trim) {
            None | Some("") => None,
            Some(n) if n.chars().count() > 100 => {
                return Err(FieldError::new(
                    "holder_name",
                    "is longer than 100 characters",
                ));
            }
            Some(n) => Some(n.to_owned()),
        };
        Ok(VerifyRequest {
            serial,
            birth_date,
            holder_name,
        })
    }
}

/// Finds the record among `candidates` (the records with the request's serial) whose
/// holder matches. Every candidate, or a stand-in when there is none, goes through the
/// same comparisons, and the comparisons themselves take constant time.
pub fn find_match<'a>(
    candidates: &'a [StoredCredential],
    request: &VerifyRequest,
) -> Option<&'a StoredCredential> {
    let stand_in = [stand_in(&request.serial)];
    let (pool, real) = if candidates.is_empty() {
        (&stand_in[..], Choice::from(0))
    } else {
        (candidates, Choice::from(1))
    };
    let asked_date = request.birth_date.to_string();
    let asked_name = request.holder_name.as_deref().map(name_digest);
    let mut found = None;
    for (i, c) in pool.iter().enumerate() {
        let date_ok = c
            .credential
            .holder_birth_date
            .to_string()
            .as_bytes()
            .ct_eq(asked_date.as_bytes());
        let held_name = name_digest(&c.credential.holder_name);
        let name_ok = match &asked_name {
            Some(asked) => held_name.ct_eq(asked),
            None => Choice::from(1),
        };
        let serial_ok = c
            .credential
            .serial
            .as_bytes()
            .ct_eq(request.serial.as_bytes());
        if bool::from(date_ok & name_ok & serial_ok & real) && found.is_none() {
            found = Some(i);
        }
    }
    found.and_then(|i| candidates.get(i))
}

/// The name's folded words, single-spaced: "NGUYỄN  Văn-Thử" and "nguyen van thu" agree.
fn name_digest(name: &str) -> [u8; 32] {
    let words: Vec<String> = words(name).collect();
    Sha256::digest(words.join(" ").as_bytes()).into()
}

/// Compared against when no record has the serial, so an unknown serial costs the same:
/// its serial and date have the lengths of a real record's (a constant-time comparison
/// of unequal lengths stops at once).
fn stand_in(serial: &str) -> StoredCredential {
    StoredCredential {
        credential: Credential {
            serial: serial.into(),
            register_no: "-".into(),
            kind: CredentialKind::ElementaryCertificate,
            holder_name: "Nguyễn Văn Không Có".into(),
            holder_birth_date: NaiveDate::from_ymd_opt(1, 1, 1).unwrap_or_default(),
            occupation_code: OccupationCode::parse("5000000").unwrap_or_else(|_| unreachable!()),
            occupation_name: "-".into(),
            institution_id: crate::model::InstitutionId::parse("none")
                .unwrap_or_else(|_| unreachable!()),
            graduation_year: 1950,
            issue_date: NaiveDate::MIN,
            status: CredentialStatus::Valid,
        },
        status_index: u64::MAX,
    }
}

/// A record for other modules' tests: the stand-in, owning bit `status_index`.
#[cfg(test)]
pub(crate) fn stored_for_tests(status_index: u64) -> StoredCredential {
    StoredCredential {
        status_index,
        ..stand_in("DEMO 1")
    }
}

/// "Nguyễn Văn Thử" → "N*** V*** T***": enough for a verifier to compare with the
/// document in front of them, not enough to learn the name. Every word masks to the same
/// length so the mask does not reveal word lengths either.
pub fn mask_name(name: &str) -> String {
    name.split_whitespace()
        .filter_map(|w| w.chars().next())
        .map(|c| format!("{c}***"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// What a verifier learns about a matched record: no register number, no birth date, no
/// full name.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Disclosure {
    pub kind: CredentialKind,
    pub level: crate::model::Level,
    pub occupation_code: String,
    pub occupation_name: String,
    pub graduation_year: i32,
    pub issue_date: NaiveDate,
    pub holder_name_masked: String,
}

impl Disclosure {
    pub fn of(c: &Credential) -> Self {
        Disclosure {
            kind: c.kind,
            level: c.level(),
            occupation_code: c.occupation_code.to_string(),
            occupation_name: c.occupation_name.clone(),
            graduation_year: c.graduation_year,
            issue_date: c.issue_date,
            holder_name_masked: mask_name(&c.holder_name),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stored(serial: &str, name: &str, born: &str) -> StoredCredential {
        let mut c = stand_in(serial);
        c.credential.holder_name = name.into();
        c.credential.holder_birth_date = born.parse().unwrap();
        c.status_index = 0;
        c
    }

    #[test]
    fn the_birth_date_and_the_folded_name_must_both_match() {
        let records = [stored("CD 1", "Nguyễn Văn Thử", "2002-03-14")];
        let ask = |born: &str, name: Option<&str>| {
            find_match(
                &records,
                &VerifyRequest::parse("cd  1", born, name).unwrap(),
            )
            .is_some()
        };
        assert!(ask("2002-03-14", None));
        assert!(ask("2002-03-14", Some("nguyen  van THU")));
        assert!(!ask("2002-03-15", None));
        assert!(!ask("2002-03-14", Some("Nguyễn Văn Thu Hà")));
    }

    #[test]
    fn an_unknown_serial_matches_nothing() {
        let r = VerifyRequest::parse("CD 1", "2002-03-14", None).unwrap();
        assert!(find_match(&[], &r).is_none());
    }

    #[test]
    fn malformed_requests_name_the_field() {
        assert_eq!(
            VerifyRequest::parse("x;", "2000-01-01", None)
                .unwrap_err()
                .field,
            "serial"
        );
        assert_eq!(
            VerifyRequest::parse("CD 1", "14/03/2002", None)
                .unwrap_err()
                .field,
            "birth_date"
        );
    }

    #[test]
    fn names_are_masked_to_initials() {
        assert_eq!(mask_name("Nguyễn Văn Thử"), "N*** V*** T***");
        assert_eq!(mask_name("Đỗ An"), "Đ*** A***");
    }
}

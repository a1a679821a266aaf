//! Revoking a credential, and undoing a mistaken revocation: what an official's request
//! must say before anything is looked up. A revocation's reason is published (every
//! verification of the credential shows it) and both reasons are kept in the audit log,
//! so neither may name the holder or give their date of birth.

use chrono::{DateTime, FixedOffset, NaiveDate, Utc};
use unicode_normalization::UnicodeNormalization;

use crate::model::credential::normalise_serial;
use crate::model::{Credential, CredentialKind, FieldError, InstitutionId};
use crate::search::fold::words;

/// Longest reason, in characters: a sentence or two, not a file.
pub const MAX_REASON_CHARS: usize = 500;

/// Which credential: the primary key of a stored record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CredentialKey {
    pub institution_id: InstitutionId,
    pub kind: CredentialKind,
    /// Normalised as imports store it (upper case, single spaces).
    pub serial: String,
}

impl CredentialKey {
    pub fn parse(institution_id: &str, kind: &str, serial: &str) -> Result<Self, FieldError> {
        let institution_id =
            InstitutionId::parse(institution_id.trim()).map_err(|e| FieldError {
                field: "institution_id".into(),
                ..e
            })?;
        let kind = kind.trim().parse().map_err(|_| {
            FieldError::new(
                "kind",
                format!("must be one of: {}", CredentialKind::ALLOWED),
            )
        })?;
        // The serial's own error never repeats the value.
        let serial = normalise_serial(serial)?;
        Ok(Self {
            institution_id,
            kind,
            serial,
        })
    }
}

/// Why, in 1 to 500 characters.
fn parse_reason(field: &str, reason: Option<&str>, what: &str) -> Result<String, FieldError> {
    let reason = reason.map(str::trim).unwrap_or_default();
    if reason.is_empty() || reason.chars().count() > MAX_REASON_CHARS {
        return Err(FieldError::new(
            field,
            format!("say why the credential is {what} (1 to {MAX_REASON_CHARS} characters)"),
        ));
    }
    // Stored like imported text (NFC), so a re-upload of the same revocation matches it.
    Ok(reason.nfc().collect())
}

/// Today in Viet Nam (UTC+7 all year): a revocation made at 06:00 in Trà Vinh is dated
/// that day, although in UTC it is still the day before.
pub fn today_in_viet_nam(now: DateTime<Utc>) -> NaiveDate {
    let offset = FixedOffset::east_opt(7 * 3600).unwrap_or_else(|| unreachable!());
    now.with_timezone(&offset).date_naive()
}

/// A request to revoke one credential.
#[derive(Debug, Clone)]
pub struct Revocation {
    pub key: CredentialKey,
    pub on: NaiveDate,
    pub reason: String,
}

impl Revocation {
    /// `revoked_on` defaults to `today` and may not be after it.
    pub fn parse(
        key: CredentialKey,
        reason: Option<&str>,
        revoked_on: Option<&str>,
        today: NaiveDate,
    ) -> Result<Self, FieldError> {
        let reason = parse_reason("reason", reason, "revoked")?;
        let on = match revoked_on.map(str::trim) {
            None | Some("") => today,
            Some(d) => NaiveDate::parse_from_str(d, "%Y-%m-%d")
                .map_err(|_| FieldError::new("revoked_on", "must be a date as YYYY-MM-DD"))?,
        };
        if on > today {
            return Err(FieldError::new(
                "revoked_on",
                format!("is in the future (today is {today} in Viet Nam)"),
            ));
        }
        Ok(Self { key, on, reason })
    }

    /// Why this revocation cannot be made of the stored record, if it cannot. The
    /// messages name the field, never the record's values.
    pub fn refusal(&self, stored: &Credential) -> Option<FieldError> {
        if self.on < stored.issue_date {
            return Some(FieldError::new(
                "revoked_on",
                "is before the credential's issue date",
            ));
        }
        mentions_holder("reason", &self.reason, stored)
    }
}

/// A request to undo a mistaken revocation.
#[derive(Debug, Clone)]
pub struct Reinstatement {
    pub key: CredentialKey,
    pub reason: String,
}

impl Reinstatement {
    pub fn parse(key: CredentialKey, reason: Option<&str>) -> Result<Self, FieldError> {
        Ok(Self {
            key,
            reason: parse_reason("reason", reason, "reinstated")?,
        })
    }

    pub fn refusal(&self, stored: &Credential) -> Option<FieldError> {
        mentions_holder("reason", &self.reason, stored)
    }
}

/// A refusal when `text` carries the holder's full name (compared without case or
/// diacritics) or their date of birth in a usual spelling. The message says which kind
/// of data, never the data.
fn mentions_holder(field: &str, text: &str, c: &Credential) -> Option<FieldError> {
    let name: Vec<String> = words(&c.holder_name).collect();
    let said: Vec<String> = words(text).collect();
    let names = !name.is_empty() && said.windows(name.len()).any(|w| w == name.as_slice());
    let b = c.holder_birth_date;
    let dates = [
        b.format("%Y-%m-%d").to_string(),
        b.format("%d/%m/%Y").to_string(),
        b.format("%-d/%-m/%Y").to_string(),
        b.format("%d-%m-%Y").to_string(),
        b.format("%d.%m.%Y").to_string(),
    ];
    let dated = dates.iter().any(|d| text.contains(d.as_str()));
    (names || dated).then(|| {
        FieldError::new(
            field,
            "must not name the holder or give their date of birth: reasons are kept in the \
             audit log, and a revocation's reason is shown to everyone who verifies the credential",
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{CredentialStatus, OccupationCode};

    fn key() -> CredentialKey {
        CredentialKey::parse("cd-nghe-tra-vinh", "college_diploma", " demo-cd  000101 ").unwrap()
    }

    fn stored() -> Credential {
        Credential {
            serial: "DEMO-CD 000101".into(),
            register_no: "R1".into(),
            kind: CredentialKind::CollegeDiploma,
            holder_name: "Nguyễn Văn Thử".into(),
            holder_birth_date: NaiveDate::from_ymd_opt(2002, 3, 14).unwrap(),
            occupation_code: OccupationCode::parse("6480201").unwrap(),
            occupation_name: "Công nghệ thông tin".into(),
            institution_id: InstitutionId::parse("cd-nghe-tra-vinh").unwrap(),
            graduation_year: 2024,
            issue_date: NaiveDate::from_ymd_opt(2024, 7, 15).unwrap(),
            status: CredentialStatus::Valid,
        }
    }

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn a_key_is_normalised_like_an_import_and_its_errors_name_the_field() {
        assert_eq!(key().serial, "DEMO-CD 000101");
        let e = CredentialKey::parse("Not A Slug", "college_diploma", "X 1").unwrap_err();
        assert_eq!(e.field, "institution_id");
        let e = CredentialKey::parse("cd-x", "diploma", "X 1").unwrap_err();
        assert_eq!(e.field, "kind");
        let e = CredentialKey::parse("cd-x", "college_diploma", "a;b").unwrap_err();
        assert_eq!(e.field, "serial");
        assert!(!e.message.contains("a;b"));
    }

    #[test]
    fn a_revocation_needs_a_reason_of_at_most_500_characters_and_no_future_date() {
        let today = day("2026-03-01");
        for reason in [None, Some(""), Some("   ")] {
            let e = Revocation::parse(key(), reason, None, today).unwrap_err();
            assert_eq!(e.field, "reason");
        }
        let long = "x".repeat(501);
        assert_eq!(
            Revocation::parse(key(), Some(&long), None, today)
                .unwrap_err()
                .field,
            "reason"
        );
        let ok = Revocation::parse(key(), Some(&"ừ".repeat(500)), None, today).unwrap();
        assert_eq!(ok.on, today, "dated today by default");
        let e = Revocation::parse(key(), Some("cấp nhầm"), Some("2026-03-02"), today).unwrap_err();
        assert_eq!(e.field, "revoked_on");
        let e = Revocation::parse(key(), Some("cấp nhầm"), Some("1/3/2026"), today).unwrap_err();
        assert_eq!(e.field, "revoked_on");
        let past = Revocation::parse(key(), Some(" cấp nhầm "), Some("2025-01-10"), today).unwrap();
        assert_eq!(
            (past.on, past.reason.as_str()),
            (day("2025-01-10"), "cấp nhầm")
        );
    }

    #[test]
    fn today_is_the_date_in_viet_nam() {
        let at = |s: &str| s.parse::<DateTime<Utc>>().unwrap();
        assert_eq!(
            today_in_viet_nam(at("2026-03-01T16:59:59Z")),
            day("2026-03-01")
        );
        assert_eq!(
            today_in_viet_nam(at("2026-03-01T17:00:00Z")),
            day("2026-03-02")
        );
    }

    #[test]
    fn a_revocation_is_not_dated_before_the_issue() {
        let r = Revocation::parse(
            key(),
            Some("cấp nhầm"),
            Some("2024-07-14"),
            day("2026-01-01"),
        )
        .unwrap();
        assert_eq!(r.refusal(&stored()).unwrap().field, "revoked_on");
        let r = Revocation::parse(
            key(),
            Some("cấp nhầm"),
            Some("2024-07-15"),
            day("2026-01-01"),
        )
        .unwrap();
        assert_eq!(r.refusal(&stored()), None);
    }

    #[test]
    fn reasons_that_name_the_holder_or_their_birth_date_are_refused_without_repeating_them() {
        let today = day("2026-01-01");
        for reason in [
            "cấp nhầm cho NGUYEN van thu",
            "Nguyễn Văn Thử nhờ cấp lại",
            "sinh ngày 14/03/2002",
            "sinh 14/3/2002",
            "born 2002-03-14",
        ] {
            let r = Revocation::parse(key(), Some(reason), None, today).unwrap();
            let e = r.refusal(&stored()).unwrap_or_else(|| panic!("{reason}"));
            assert_eq!(e.field, "reason");
            assert!(!e.message.contains("Nguy") && !e.message.contains("2002"));
            let again = Reinstatement::parse(key(), Some(reason)).unwrap();
            assert!(again.refusal(&stored()).is_some(), "{reason}");
        }
        // A given name alone is an ordinary word ("thử" is "try").
        let r = Revocation::parse(key(), Some("thử lại: số hiệu in sai"), None, today).unwrap();
        assert_eq!(r.refusal(&stored()), None);
        assert!(Reinstatement::parse(key(), None).is_err());
    }
}

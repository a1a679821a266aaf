//! Officials' batch uploads: whose credentials an account may upload, and what an
//! upload may not do. Every row is checked, and one row of an institution outside the
//! account's scope refuses the whole batch (all or nothing, like every import). An
//! upload creates credentials; it never revokes or reinstates one that is stored, which
//! takes its own request with a reason (and, to reinstate, a province official).

use std::collections::BTreeMap;

use crate::auth::Account;
use crate::model::{Credential, CredentialStatus, FieldError};
use crate::store::Location;

/// How many institutions, and lines of each, a refusal names; the rest are counted, so
/// that a refusal of a million-row batch stays a short message.
const NAMED: usize = 10;

/// Why the account may not upload this batch, naming the rows (by institution and
/// line) outside its scope; `None` when every row is within it.
pub fn scope_refusal(account: &Account, rows: &[(Location, Credential)]) -> Option<String> {
    let mut outside: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (location, c) in rows {
        if !account.may_manage_credentials_of(&c.institution_id) {
            outside
                .entry(c.institution_id.as_str())
                .or_default()
                .push(location.position.as_str());
        }
    }
    if outside.is_empty() {
        return None;
    }
    let mut named: Vec<String> = outside
        .iter()
        .take(NAMED)
        .map(|(id, lines)| format!("{id:?} ({})", listed(lines)))
        .collect();
    if outside.len() > NAMED {
        named.push(format!("{} more institutions", outside.len() - NAMED));
    }
    Some(format!(
        "your account may not upload credentials of institution {}; nothing was written \
         (an institution's own account, or a province official, uploads them)",
        named.join(", ")
    ))
}

/// The refusal of an uploaded row whose record is stored with another revocation status
/// (or another revocation); `None` when the statuses are the same, so an identical
/// re-upload is a no-op. Names the field, not the stored values.
pub fn status_refusal(
    stored: &CredentialStatus,
    uploaded: &CredentialStatus,
) -> Option<FieldError> {
    let message = match (stored, uploaded) {
        _ if stored == uploaded => return None,
        (CredentialStatus::Valid, CredentialStatus::Revoked { .. }) => {
            "this credential is already stored as valid, and an upload does not revoke one: \
             revoke it with POST /api/v1/credentials/revocations (with a reason)"
        }
        (CredentialStatus::Revoked { .. }, CredentialStatus::Valid) => {
            "this credential is stored as revoked, and an upload does not undo a revocation: \
             a province official reinstates it with POST /api/v1/credentials/reinstatements"
        }
        (CredentialStatus::Revoked { .. }, CredentialStatus::Revoked { .. }) => {
            "this credential is stored as revoked on another date or for another reason, and \
             an upload does not change a revocation (see POST /api/v1/credentials/revocations \
             and /reinstatements)"
        }
        (CredentialStatus::Valid, CredentialStatus::Valid) => return None,
    };
    Some(FieldError::new("status", message))
}

fn listed(lines: &[&str]) -> String {
    let mut s = lines
        .iter()
        .take(NAMED)
        .copied()
        .collect::<Vec<_>>()
        .join(", ");
    if lines.len() > NAMED {
        s.push_str(&format!(" and {} more lines", lines.len() - NAMED));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::Role;
    use crate::model::{CredentialKind, CredentialStatus, InstitutionId, OccupationCode};

    fn row(line: usize, institution: &str) -> (Location, Credential) {
        (
            Location {
                file: "upload.csv".into(),
                position: format!("line {line}"),
            },
            Credential {
                serial: format!("X {line}"),
                register_no: "R".into(),
                kind: CredentialKind::CollegeDiploma,
                holder_name: "Trần Thị Riêng".into(),
                holder_birth_date: "2000-01-01".parse().unwrap(),
                occupation_code: OccupationCode::parse("6480201").unwrap(),
                occupation_name: "CNTT".into(),
                institution_id: InstitutionId::parse(institution).unwrap(),
                graduation_year: 2024,
                issue_date: "2024-07-01".parse().unwrap(),
                status: CredentialStatus::Valid,
            },
        )
    }

    fn account(role: Role) -> Account {
        Account {
            id: 1,
            login: "cd-nghe".into(),
            display_name: "X".into(),
            role,
            areas: vec![],
            institutions: vec![InstitutionId::parse("mine").unwrap()],
        }
    }

    #[test]
    fn a_batch_within_the_scope_passes_and_one_row_outside_refuses_it_by_line() {
        let mut rows = vec![row(2, "mine"), row(3, "mine")];
        assert_eq!(scope_refusal(&account(Role::Institution), &rows), None);
        rows.push(row(4, "other"));
        rows.push(row(5, "mine"));
        rows.push(row(6, "other"));
        let said = scope_refusal(&account(Role::Institution), &rows).unwrap();
        assert!(said.contains("\"other\" (line 4, line 6)"), "{said}");
        assert!(
            !said.contains("line 5") && !said.contains("Riêng"),
            "{said}"
        );
        assert_eq!(scope_refusal(&account(Role::Province), &rows), None);
        assert!(scope_refusal(&account(Role::District), &rows[..1]).is_some());
    }

    #[test]
    fn an_upload_repeats_a_status_but_never_changes_one() {
        let revoked = |reason: &str| CredentialStatus::Revoked {
            on: "2025-01-10".parse().unwrap(),
            reason: reason.into(),
        };
        let valid = CredentialStatus::Valid;
        assert_eq!(status_refusal(&valid, &valid), None);
        assert_eq!(status_refusal(&revoked("x"), &revoked("x")), None);
        fn said(s: &CredentialStatus, u: &CredentialStatus) -> String {
            status_refusal(s, u).unwrap().message
        }
        assert!(said(&valid, &revoked("x")).contains("/api/v1/credentials/revocations"));
        assert!(said(&revoked("x"), &valid).contains("/api/v1/credentials/reinstatements"));
        assert!(!said(&revoked("secret"), &revoked("y")).contains("secret"));
    }

    #[test]
    fn a_refusal_of_a_huge_batch_stays_short() {
        let rows: Vec<_> = (2..10_000)
            .map(|n| row(n, &format!("school-{}", n % 50)))
            .collect();
        let said = scope_refusal(&account(Role::Institution), &rows).unwrap();
        assert!(said.len() < 2_000, "{} bytes", said.len());
        assert!(said.contains("40 more institutions"), "{said}");
        assert!(said.contains("more lines"), "{said}");
    }
}

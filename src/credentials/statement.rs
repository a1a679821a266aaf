//! Signed verification statements: W3C Verifiable Credentials 2.0 secured with JOSE
//! (VC-JOSE-COSE: the credential is the payload of a compact JWS, `typ: vc+jwt`), signed
//! with Ed25519. Revocation is a `BitstringStatusListEntry` pointing into a status-list
//! credential secured the same way. Anyone holding the JWKS can check both offline.

use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;
use serde_json::{Value, json};

use super::check::{Disclosure, StoredCredential};
use super::demonstration::{NOTICE_EN, NOTICE_VI, is_demonstration};
use super::jws::{self, Jwks};
use super::{CredentialError, status_list};
use crate::model::Institution;

pub const TYP: &str = "vc+jwt";
pub const MEDIA_TYPE: &str = "application/vc+jwt";
const VC_CONTEXT: &str = "https://www.w3.org/ns/credentials/v2";

/// Where the status list `list` lives.
pub fn status_list_url(base: &str, list: u64) -> String {
    format!("{base}/api/v1/credentials/status/{list}")
}

fn timestamp(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// The statement about one valid record: what a verifier needs, nothing more. A
/// demonstration record's statement says so in a claim of its subject
/// (`"demonstration": true`, with a notice) and in its name, so that nobody holding the
/// signed statement alone can take it for a real credential.
pub fn statement(
    base: &str,
    stored: &StoredCredential,
    institution: Option<&Institution>,
    now: DateTime<Utc>,
) -> Value {
    let c = &stored.credential;
    let (list, bit) = status_list::position(stored.status_index);
    let list_url = status_list_url(base, list);
    let id = c.institution_id.as_str();
    let demonstration = is_demonstration(c);
    let name = if demonstration {
        "BẢN GHI MINH HỌA, không phải văn bằng thật / DEMONSTRATION RECORD, not a real credential"
    } else {
        "Xác thực văn bằng, chứng chỉ GDNN / Vocational credential verification"
    };
    let mut vc = json!({
        "@context": [VC_CONTEXT],
        "type": ["VerifiableCredential", "VocationalCredentialVerification"],
        "issuer": base,
        "validFrom": timestamp(now),
        "name": name,
        "credentialSubject": {
            "type": "VocationalCredential",
            "demonstration": demonstration,
            "credential": Disclosure::of(c),
            "issuingInstitution": {
                "id": format!("{base}/institutions/{id}"),
                "identifier": id,
                "name_vi": institution.map(|i| i.name_vi()),
                "name_en": institution.and_then(|i| i.name_en()),
                "map": format!("{base}/?institution={id}"),
            },
        },
        "credentialStatus": {
            "id": format!("{list_url}#{bit}"),
            "type": "BitstringStatusListEntry",
            "statusPurpose": "revocation",
            "statusListIndex": bit.to_string(),
            "statusListCredential": list_url,
        },
    });
    if demonstration {
        vc["description"] = json!(format!("{NOTICE_VI} / {NOTICE_EN}"));
    }
    vc
}

/// The status-list credential for list `list` with `encoded_list` from
/// [`status_list::encode`]. Verifiers should fetch it again after `validUntil`.
pub fn status_list_credential(
    base: &str,
    list: u64,
    encoded_list: String,
    now: DateTime<Utc>,
) -> Value {
    let url = status_list_url(base, list);
    json!({
        "@context": [VC_CONTEXT],
        "id": url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": base,
        "validFrom": timestamp(now),
        "validUntil": timestamp(now + chrono::Duration::days(1)),
        "credentialSubject": {
            "id": format!("{url}#list"),
            "type": "BitstringStatusList",
            "statusPurpose": "revocation",
            "encodedList": encoded_list,
        },
    })
}

/// What an offline check found.
#[derive(Debug, Clone, Serialize)]
pub struct OfflineReport {
    /// The signed statement's credential, as signed.
    pub credential: Value,
    pub revocation: RevocationCheck,
    /// What the statement's subject claims: a demonstration record, not a real one.
    pub demonstration: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RevocationCheck {
    /// No status list was given: the signature is genuine, revocation unknown.
    NotChecked,
    NotRevoked,
    Revoked,
}

/// Checks a statement with only the public keys: its signature, its shape and, when the
/// status-list credential is given, whether its bit is set. A tampered or foreign
/// statement is an error.
pub fn verify_offline(
    statement_jws: &str,
    keys: &Jwks,
    status_list_jws: Option<&str>,
) -> Result<OfflineReport, CredentialError> {
    let bad = |why: &str| CredentialError::BadStatement(why.to_owned());
    let verified = jws::verify(statement_jws, keys)?;
    if verified.header["typ"] != TYP {
        return Err(bad("typ must be vc+jwt"));
    }
    let vc = verified.payload;
    if !has_type(&vc, "VocationalCredentialVerification") {
        return Err(bad("not a vetmap credential verification"));
    }
    let entry = &vc["credentialStatus"];
    let revocation = match status_list_jws {
        None => RevocationCheck::NotChecked,
        Some(list_jws) => {
            let list = jws::verify(list_jws, keys)?;
            if list.header["typ"] != TYP {
                return Err(bad("the status list's typ must be vc+jwt"));
            }
            let list = list.payload;
            if !has_type(&list, "BitstringStatusListCredential") {
                return Err(bad(
                    "the status list is not a BitstringStatusListCredential",
                ));
            }
            if list["id"] != entry["statusListCredential"] {
                return Err(bad(
                    "the status list given is not the one the statement names",
                ));
            }
            // Only a list from the statement's own issuer can say it is revoked.
            if list["issuer"] != vc["issuer"] {
                return Err(bad("the status list comes from another issuer"));
            }
            let purpose = &list["credentialSubject"]["statusPurpose"];
            if purpose != "revocation" || entry["statusPurpose"] != *purpose {
                return Err(bad(
                    "the statement's status entry and the list are not both for revocation",
                ));
            }
            if let Some(until) = list["validUntil"].as_str() {
                let until = DateTime::parse_from_rfc3339(until)
                    .map_err(|_| bad("the status list's validUntil is not a date-time"))?;
                if until < Utc::now() {
                    return Err(bad(
                        "the status list has expired (validUntil passed): fetch it again",
                    ));
                }
            }
            let index: u64 = entry["statusListIndex"]
                .as_str()
                .and_then(|s| s.parse().ok())
                .ok_or_else(|| bad("statusListIndex is not a number"))?;
            let encoded = list["credentialSubject"]["encodedList"]
                .as_str()
                .ok_or_else(|| bad("the status list has no encodedList"))?;
            if status_list::is_set(encoded, index)? {
                RevocationCheck::Revoked
            } else {
                RevocationCheck::NotRevoked
            }
        }
    };
    Ok(OfflineReport {
        demonstration: vc["credentialSubject"]["demonstration"] == true,
        credential: vc,
        revocation,
    })
}

fn has_type(vc: &Value, t: &str) -> bool {
    vc["type"]
        .as_array()
        .is_some_and(|ts| ts.iter().any(|x| x == t))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::credentials::check::stored_for_tests;
    use crate::credentials::keys::Keys;

    const BASE: &str = "https://map.example.vn";

    fn signed(keys: &Keys, payload: &Value) -> String {
        keys.sign(TYP, payload)
    }

    /// A statement for status index 9 and the list it points to, with bit 9 set.
    fn statement_and_list(keys: &Keys, now: DateTime<Utc>) -> (String, Value) {
        let stored = stored_for_tests(9);
        let vc = statement(BASE, &stored, None, now);
        let list = status_list_credential(BASE, 0, status_list::encode([9]), now);
        (signed(keys, &vc), list)
    }

    #[test]
    fn a_fresh_list_from_the_issuer_reports_the_revocation() {
        let keys = Keys::ephemeral().unwrap();
        let (vc, list) = statement_and_list(&keys, Utc::now());
        let report = verify_offline(&vc, keys.jwks(), Some(&signed(&keys, &list))).unwrap();
        assert_eq!(report.revocation, RevocationCheck::Revoked);
    }

    #[test]
    fn a_demonstration_records_statement_says_so_in_a_signed_claim() {
        let keys = Keys::ephemeral().unwrap();
        let mut demo = stored_for_tests(3);
        demo.credential.serial = "DEMO-CD 000101".into();
        let vc = statement(BASE, &demo, None, Utc::now());
        assert_eq!(vc["credentialSubject"]["demonstration"], true);
        assert!(vc["name"].as_str().unwrap().contains("DEMONSTRATION"));
        assert!(vc["description"].as_str().unwrap().contains("minh họa"));
        let report = verify_offline(&signed(&keys, &vc), keys.jwks(), None).unwrap();
        assert!(report.demonstration);

        let mut real = stored_for_tests(4);
        real.credential.serial = "CD 000101".into();
        let vc = statement(BASE, &real, None, Utc::now());
        assert_eq!(vc["credentialSubject"]["demonstration"], false);
        assert!(vc.get("description").is_none());
        let report = verify_offline(&signed(&keys, &vc), keys.jwks(), None).unwrap();
        assert!(!report.demonstration);
    }

    #[test]
    fn a_list_from_another_issuer_for_another_purpose_or_expired_is_refused() {
        let keys = Keys::ephemeral().unwrap();
        let (vc, list) = statement_and_list(&keys, Utc::now());
        let mut foreign = list.clone();
        foreign["issuer"] = json!("https://evil.example");
        let mut suspension = list.clone();
        suspension["credentialSubject"]["statusPurpose"] = json!("suspension");
        let (_, expired) = statement_and_list(&keys, Utc::now() - chrono::Duration::days(2));
        let mut expired = expired;
        expired["id"] = list["id"].clone();
        for (what, bad) in [
            ("issuer", foreign),
            ("revocation", suspension),
            ("expired", expired),
        ] {
            let e = verify_offline(&vc, keys.jwks(), Some(&signed(&keys, &bad)))
                .expect_err(what)
                .to_string();
            assert!(e.contains(what), "{what}: {e}");
        }
    }
}

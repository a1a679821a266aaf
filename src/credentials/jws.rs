//! Compact JWS (RFC 7515) signed with Ed25519 (`alg: EdDSA`, RFC 8037), and the public
//! keys as a JWK Set (RFC 7517) whose `kid` is the key's RFC 7638 thumbprint.
//!
//! Small enough to write out rather than pull in a JOSE crate: one algorithm, compact
//! serialisation only, no unprotected header, no `crit` extensions accepted.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::CredentialError;

/// An Ed25519 public key as a JWK (`kty: OKP`, `crv: Ed25519`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Jwk {
    pub kty: String,
    pub crv: String,
    pub x: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kid: Option<String>,
    #[serde(rename = "use", default, skip_serializing_if = "Option::is_none")]
    pub use_: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alg: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Jwks {
    pub keys: Vec<Jwk>,
}

impl Jwk {
    pub fn from_key(key: &VerifyingKey) -> Self {
        let x = B64.encode(key.as_bytes());
        Jwk {
            kid: Some(thumbprint(&x)),
            kty: "OKP".into(),
            crv: "Ed25519".into(),
            x,
            use_: Some("sig".into()),
            alg: Some("EdDSA".into()),
        }
    }

    fn verifying_key(&self) -> Result<VerifyingKey, CredentialError> {
        let bad = || CredentialError::BadKey("not an Ed25519 OKP key".into());
        if self.kty != "OKP" || self.crv != "Ed25519" {
            return Err(bad());
        }
        let bytes: [u8; 32] = B64
            .decode(&self.x)
            .ok()
            .and_then(|b| b.try_into().ok())
            .ok_or_else(bad)?;
        VerifyingKey::from_bytes(&bytes).map_err(|_| bad())
    }
}

/// RFC 7638 thumbprint: SHA-256 of the required members in lexicographic order.
fn thumbprint(x: &str) -> String {
    let canonical = format!(r#"{{"crv":"Ed25519","kty":"OKP","x":"{x}"}}"#);
    B64.encode(Sha256::digest(canonical.as_bytes()))
}

/// Signs `payload` with the protected header `{alg, kid, typ}`.
pub fn sign(key: &SigningKey, kid: &str, typ: &str, payload: &Value) -> String {
    let header = json!({"alg": "EdDSA", "kid": kid, "typ": typ});
    let signing_input = format!(
        "{}.{}",
        B64.encode(header.to_string()),
        B64.encode(payload.to_string())
    );
    let signature = key.sign(signing_input.as_bytes());
    format!("{signing_input}.{}", B64.encode(signature.to_bytes()))
}

/// A JWS whose signature checked out.
#[derive(Debug, Clone)]
pub struct Verified {
    pub header: Value,
    pub payload: Value,
}

/// Checks a compact JWS against the key set: the `kid` must name one of its keys, `alg`
/// must be EdDSA, the signature must cover the exact bytes received.
pub fn verify(jws: &str, keys: &Jwks) -> Result<Verified, CredentialError> {
    let bad = |why: &str| CredentialError::BadStatement(why.to_owned());
    let jws = jws.trim();
    let mut parts = jws.split('.');
    let (Some(h), Some(p), Some(s), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(bad("not a compact JWS (three base64url parts)"));
    };
    let decode = |part: &str, what: &str| B64.decode(part).map_err(|_| bad(what));
    let header: Value = serde_json::from_slice(&decode(h, "header is not base64url")?)
        .map_err(|_| bad("header is not JSON"))?;
    if header["alg"] != "EdDSA" {
        return Err(bad("alg must be EdDSA"));
    }
    if header.get("crit").is_some() {
        return Err(bad("crit extensions are not supported"));
    }
    let kid = header["kid"]
        .as_str()
        .ok_or_else(|| bad("header has no kid"))?;
    let jwk = keys
        .keys
        .iter()
        .find(|k| k.kid.as_deref() == Some(kid))
        .ok_or_else(|| bad("signed by a key that is not in the key set"))?;
    let signature: [u8; 64] = decode(s, "signature is not base64url")?
        .try_into()
        .map_err(|_| bad("signature is not 64 bytes"))?;
    // Strict: refuses small-order keys and non-canonical signatures (RFC 8032 §5.1.7
    // as the Ed25519 validation criteria paper recommends), so a statement has exactly
    // one valid signature.
    jwk.verifying_key()?
        .verify_strict(
            format!("{h}.{p}").as_bytes(),
            &Signature::from_bytes(&signature),
        )
        .map_err(|_| bad("the signature does not match: the statement was altered or forged"))?;
    let payload = serde_json::from_slice(&decode(p, "payload is not base64url")?)
        .map_err(|_| bad("payload is not JSON"))?;
    Ok(Verified { header, payload })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> SigningKey {
        SigningKey::from_bytes(&[7u8; 32])
    }

    #[test]
    fn a_signed_payload_verifies_and_a_changed_one_does_not() {
        let k = key();
        let jwk = Jwk::from_key(&k.verifying_key());
        let keys = Jwks {
            keys: vec![jwk.clone()],
        };
        let jws = sign(&k, jwk.kid.as_deref().unwrap(), "vc+jwt", &json!({"a": 1}));
        assert_eq!(verify(&jws, &keys).unwrap().payload, json!({"a": 1}));

        let (head, rest) = jws.split_once('.').unwrap();
        let (_, sig) = rest.split_once('.').unwrap();
        let forged = format!("{head}.{}.{sig}", B64.encode(r#"{"a":2}"#));
        assert!(verify(&forged, &keys).is_err());
    }

    #[test]
    fn thumbprint_matches_rfc_8037_example() {
        // RFC 8037 appendix A.3.
        assert_eq!(
            thumbprint("11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"),
            "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k"
        );
    }
}

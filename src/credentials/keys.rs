//! The service's signing key: loaded from a PKCS#8 PEM file (`openssl genpkey -algorithm
//! ed25519`), or generated at start when none is configured. An ephemeral key makes every
//! statement signed before a restart unverifiable afterwards, hence the warning.

use std::path::Path;

use ed25519_dalek::SigningKey;
use ed25519_dalek::pkcs8::DecodePrivateKey;
use hmac::{Hmac, KeyInit, Mac};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use super::CredentialError;
use super::jws::{Jwk, Jwks};

pub struct Keys {
    signing: SigningKey,
    jwk: Jwk,
    /// Derived from the signing key: opaque statement tokens are MACed with it, so they
    /// stay valid as long as the key does and cannot be made up without it.
    token_secret: [u8; 32],
}

type HmacSha256 = Hmac<Sha256>;

impl Keys {
    pub fn from_signing_key(signing: SigningKey) -> Self {
        let mut h = Sha256::new();
        h.update(b"vetmap statement token v1");
        h.update(signing.to_bytes());
        let token_secret = h.finalize().into();
        let jwk = Jwk::from_key(&signing.verifying_key());
        Keys {
            signing,
            jwk,
            token_secret,
        }
    }

    pub fn load(path: &Path) -> Result<Self, CredentialError> {
        let pem = std::fs::read_to_string(path)
            .map_err(|e| CredentialError::BadKey(format!("cannot read {}: {e}", path.display())))?;
        let key = SigningKey::from_pkcs8_pem(&pem).map_err(|e| {
            CredentialError::BadKey(format!(
                "{} is not an Ed25519 PKCS#8 PEM private key: {e}",
                path.display()
            ))
        })?;
        Ok(Self::from_signing_key(key))
    }

    pub fn ephemeral() -> Result<Self, CredentialError> {
        let mut seed = [0u8; 32];
        getrandom::fill(&mut seed)
            .map_err(|e| CredentialError::BadKey(format!("no randomness for a key: {e}")))?;
        Ok(Self::from_signing_key(SigningKey::from_bytes(&seed)))
    }

    pub fn signing(&self) -> &SigningKey {
        &self.signing
    }

    pub fn kid(&self) -> &str {
        self.jwk.kid.as_deref().unwrap_or_default()
    }

    pub fn jwks(&self) -> Jwks {
        Jwks {
            keys: vec![self.jwk.clone()],
        }
    }

    fn mac(&self, index: u64) -> [u8; 16] {
        let mut mac = <HmacSha256 as KeyInit>::new_from_slice(&self.token_secret)
            .expect("HMAC takes keys of any length");
        mac.update(b"statement");
        mac.update(&index.to_be_bytes());
        let full = mac.finalize().into_bytes();
        let mut out = [0u8; 16];
        out.copy_from_slice(&full[..16]);
        out
    }

    /// An opaque, unguessable token naming one record (by its status-list index): the
    /// statement URL carries this, never the serial.
    pub fn token_for(&self, index: u64) -> String {
        use base64::Engine;
        let mut bytes = index.to_be_bytes().to_vec();
        bytes.extend_from_slice(&self.mac(index));
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    }

    /// The record index a token names, if this server made it.
    pub fn index_of(&self, token: &str) -> Option<u64> {
        use base64::Engine;
        let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(token)
            .ok()?;
        if bytes.len() != 24 {
            return None;
        }
        let index = u64::from_be_bytes(bytes[..8].try_into().ok()?);
        bool::from(self.mac(index).ct_eq(&bytes[8..])).then_some(index)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_name_their_index_and_cannot_be_made_up() {
        let keys = Keys::from_signing_key(SigningKey::from_bytes(&[1u8; 32]));
        let t = keys.token_for(42);
        assert_eq!(keys.index_of(&t), Some(42));
        let other = Keys::from_signing_key(SigningKey::from_bytes(&[2u8; 32]));
        assert_eq!(other.index_of(&t), None);
        assert_eq!(keys.index_of("AAAAAAAAACo"), None);
    }
}

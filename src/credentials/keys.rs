//! The signing keys a running server holds: the current key signs statements and status
//! lists with its `kid` in the header, every key of the ring is published in the JWKS
//! (so what an earlier key signed still verifies), and statement tokens are MACed with a
//! secret derived from the ring's FIRST key, so that rotating never invalidates a token
//! printed in a QR code. Where the keys are kept: [`super::key_ring`].

use ed25519_dalek::SigningKey;
use hmac::{Hmac, KeyInit, Mac};
use serde_json::Value;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use super::CredentialError;
use super::jws::{self, Jwk, Jwks};
use super::key_ring::{KeyRing, RingKey};

pub struct Keys {
    signing: SigningKey,
    kid: String,
    /// The current key first, then the earlier ones, newest first.
    jwks: Jwks,
    /// Derived from the ring's first key: opaque statement tokens are MACed with it, so
    /// they stay valid as long as that key stays in the ring and cannot be made up
    /// without it.
    token_secret: [u8; 32],
}

type HmacSha256 = Hmac<Sha256>;

impl Keys {
    pub fn from_ring(ring: &KeyRing) -> Self {
        let keys = ring.keys();
        let current = ring.current();
        let mut h = Sha256::new();
        // Unchanged since single keys: a server upgraded with its old key as the ring's
        // first keeps its tokens.
        h.update(b"vetmap statement token v1");
        h.update(keys[0].signing.to_bytes());
        Keys {
            signing: current.signing.clone(),
            kid: current.kid(),
            jwks: Jwks {
                keys: keys
                    .iter()
                    .rev()
                    .map(|k| Jwk::from_key(&k.signing.verifying_key()))
                    .collect(),
            },
            token_secret: h.finalize().into(),
        }
    }

    /// A ring of one.
    pub fn from_signing_key(signing: SigningKey) -> Self {
        Self::from_ring(&KeyRing::of(RingKey {
            signing,
            created: None,
        }))
    }

    /// A ring of one new key, for this process only.
    pub fn ephemeral() -> Result<Self, CredentialError> {
        Ok(Self::from_ring(&KeyRing::of(RingKey::generate()?)))
    }

    /// The current key's id.
    pub fn kid(&self) -> &str {
        &self.kid
    }

    pub fn jwks(&self) -> &Jwks {
        &self.jwks
    }

    /// A compact JWS of `payload` by the current key.
    pub fn sign(&self, typ: &str, payload: &Value) -> String {
        jws::sign(&self.signing, &self.kid, typ, payload)
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
    use serde_json::json;

    fn key(seed: u8) -> RingKey {
        RingKey {
            signing: SigningKey::from_bytes(&[seed; 32]),
            created: None,
        }
    }

    fn ring(seeds: &[u8]) -> KeyRing {
        let mut r = KeyRing::of(key(seeds[0]));
        for s in &seeds[1..] {
            r.push(key(*s));
        }
        r
    }

    #[test]
    fn tokens_name_their_index_and_cannot_be_made_up() {
        let keys = Keys::from_signing_key(SigningKey::from_bytes(&[1u8; 32]));
        let t = keys.token_for(42);
        assert_eq!(keys.index_of(&t), Some(42));
        let other = Keys::from_signing_key(SigningKey::from_bytes(&[2u8; 32]));
        assert_eq!(other.index_of(&t), None);
        assert_eq!(keys.index_of("AAAAAAAAACo"), None);
    }

    #[test]
    fn rotation_keeps_tokens_and_earlier_signatures_and_signs_with_the_new_key() {
        let before = Keys::from_ring(&ring(&[1]));
        let after = Keys::from_ring(&ring(&[1, 2]));
        let token = before.token_for(7);
        assert_eq!(after.index_of(&token), Some(7));

        let old = before.sign("vc+jwt", &json!({"a": 1}));
        assert!(jws::verify(&old, after.jwks()).is_ok());
        assert_ne!(after.kid(), before.kid());
        assert_eq!(after.jwks().keys.len(), 2);
        assert_eq!(after.jwks().keys[0].kid.as_deref(), Some(after.kid()));
        let new = after.sign("vc+jwt", &json!({"a": 1}));
        let header = jws::verify(&new, after.jwks()).unwrap().header;
        assert_eq!(header["kid"], after.kid());
        // A verifier holding only the old JWKS cannot check the new key's statements.
        assert!(jws::verify(&new, before.jwks()).is_err());
    }

    #[test]
    fn a_single_key_names_tokens_as_it_did_before_rings() {
        // The token of index 42 under the key of seed 1, as single-key servers made it.
        let keys = Keys::from_signing_key(SigningKey::from_bytes(&[1u8; 32]));
        let mut h = Sha256::new();
        h.update(b"vetmap statement token v1");
        h.update([1u8; 32]);
        let secret: [u8; 32] = h.finalize().into();
        assert_eq!(keys.token_secret, secret);
    }
}

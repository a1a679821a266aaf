//! Random secrets handed to clients (session cookies, CSRF tokens, API tokens) and the
//! digests stored in their place: 256 random bits need no slow hash, and a stored digest
//! signs nobody in.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};

/// Prefix of personal API tokens: tells a reader (and secret scanners) what it is.
pub const API_TOKEN_PREFIX: &str = "vmt_";

/// 32 bytes from the operating system's generator.
pub fn random_bytes() -> [u8; 32] {
    let mut b = [0u8; 32];
    // The OS generator does not fail on the systems we run on; if it ever did, a
    // zero secret must not be handed out, so stop here rather than continue.
    getrandom::fill(&mut b).expect("the operating system's random generator works");
    b
}

/// A fresh URL-safe secret (43 characters).
pub fn new_secret() -> String {
    URL_SAFE_NO_PAD.encode(random_bytes())
}

/// A fresh personal API token.
pub fn new_api_token() -> String {
    format!("{API_TOKEN_PREFIX}{}", new_secret())
}

/// What is stored for a secret: its SHA-256.
pub fn digest(secret: &str) -> Vec<u8> {
    Sha256::digest(secret.as_bytes()).to_vec()
}

/// Whether `s` has the shape of a secret we issue (so garbage is refused before any
/// lookup, and a huge header costs nothing).
pub fn looks_like_secret(s: &str) -> bool {
    s.len() == 43
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_fresh_and_well_formed() {
        let (a, b) = (new_secret(), new_secret());
        assert_ne!(a, b);
        assert!(looks_like_secret(&a));
        let t = new_api_token();
        assert!(looks_like_secret(t.strip_prefix(API_TOKEN_PREFIX).unwrap()));
        assert!(!looks_like_secret("short"));
        assert_eq!(digest(&a).len(), 32);
    }
}

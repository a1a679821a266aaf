//! Passwords: Argon2id with the `argon2` crate's defaults (m = 19 MiB, t = 2, p = 1, the
//! OWASP recommendation), stored as PHC strings so the parameters travel with each hash
//! and can be raised later without breaking old ones.

use argon2::Argon2;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};

use super::AuthError;

/// Shortest password an official may choose. Length is what makes a password strong;
/// no composition rules (NIST SP 800-63B).
pub const MIN_LENGTH: usize = 12;
/// Longest: Argon2 would take more, but a megabyte "password" is an attack on the CPU.
pub const MAX_LENGTH: usize = 256;

/// A password that meets the policy, ready to hash.
pub struct NewPassword(String);

impl NewPassword {
    pub fn parse(password: &str) -> Result<Self, AuthError> {
        let chars = password.chars().count();
        if chars < MIN_LENGTH {
            return Err(AuthError::WeakPassword(format!(
                "a password has at least {MIN_LENGTH} characters"
            )));
        }
        if password.len() > MAX_LENGTH {
            return Err(AuthError::WeakPassword(format!(
                "a password has at most {MAX_LENGTH} bytes"
            )));
        }
        Ok(Self(password.to_owned()))
    }

    /// The PHC string to store (Argon2id, a random salt). CPU-heavy: call it off the
    /// async workers.
    pub fn hash(&self) -> Result<String, AuthError> {
        Argon2::default()
            .hash_password(self.0.as_bytes())
            .map(|h| h.to_string())
            .map_err(|e| AuthError::Internal(format!("hashing a password: {e}")))
    }
}

/// Whether `password` matches the stored PHC string. CPU-heavy: call it off the async
/// workers. A malformed stored hash never matches.
pub fn verify(stored: &str, password: &str) -> bool {
    if password.len() > MAX_LENGTH {
        return false;
    }
    Argon2::default()
        .verify_password(password.as_bytes(), stored)
        .is_ok()
}

/// A hash of nothing anyone knows, checked when the login does not exist, so that an
/// unknown login costs the same time as a wrong password.
pub fn decoy_hash() -> &'static str {
    static DECOY: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
        NewPassword(hex::encode(super::secret::random_bytes()))
            .hash()
            .unwrap_or_default()
    });
    &DECOY
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hashed_password_verifies_and_a_wrong_one_does_not() {
        let p = NewPassword::parse("correct horse battery").unwrap();
        let stored = p.hash().unwrap();
        assert!(stored.starts_with("$argon2id$"));
        assert!(verify(&stored, "correct horse battery"));
        assert!(!verify(&stored, "correct horse batterY"));
        assert!(!verify("not a hash", "correct horse battery"));
        assert!(!verify(decoy_hash(), ""));
    }

    #[test]
    fn short_and_huge_passwords_are_refused() {
        assert!(NewPassword::parse("elevenchars").is_err());
        assert!(NewPassword::parse("twelve chars").is_ok());
        assert!(NewPassword::parse(&"x".repeat(MAX_LENGTH + 1)).is_err());
    }
}

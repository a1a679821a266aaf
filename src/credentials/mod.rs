//! Credential lookup and verification (diplomas and certificates of vocational
//! education). Holder data stays here and in the database: nothing in this module logs a
//! serial, a name or a date of birth, and answers disclose only what a verifier needs.
//!
//! - [`check`]: parsing a request, matching it in constant time, masking the name.
//! - [`source`]: where records come from (PostGIS, or the bundled fictitious file);
//!   [`demonstration`]: which records are demonstrations, and what answers say of them.
//! - [`jws`], [`keys`], [`statement`], [`status_list`]: signed statements (VC 2.0 as
//!   `vc+jwt`, Ed25519), the JWKS, opaque statement tokens, Bitstring Status Lists.
//! - [`key_ring`]: the signing keys' file, kept across restarts and rotated.
//! - [`rate`]: per-client and per-serial rate limits; [`qr`]: QR codes of statement links.
//! - [`upload`]: whose credentials an official's batch may carry; [`revocation`]:
//!   revoking and reinstating a credential (requests, and what they may not say).

pub mod check;
pub mod demonstration;
pub mod jws;
pub mod key_ring;
pub mod keys;
pub mod qr;
pub mod rate;
pub mod revocation;
pub mod source;
pub mod statement;
pub mod status_list;
pub mod upload;

pub use check::{Disclosure, StoredCredential, VerifyRequest, find_match, mask_name};
pub use key_ring::KeyRing;
pub use keys::Keys;
pub use rate::{ClientLimiter, SerialLimiter};
pub use source::{CredentialCount, Source, credential_counts};

#[derive(Debug, thiserror::Error)]
pub enum CredentialError {
    #[error("signing key: {0}")]
    BadKey(String),
    #[error("invalid statement: {0}")]
    BadStatement(String),
    #[error("could not draw the QR code: {0}")]
    Qr(String),
}

/// What the credential endpoints share: the records' source, the signing keys, the
/// per-client and per-serial limiters, the issuer's base URL and the verification
/// answer's time floor.
pub struct CredentialService {
    pub source: Source,
    pub keys: Keys,
    pub limiter: ClientLimiter,
    /// Attempts per serial, whoever asks: checked after the body is parsed and before
    /// the lookup.
    pub serial_limiter: SerialLimiter,
    /// Base of the issuer, status-list and check-page URLs inside signed statements. Fixed
    /// at start (the configured public URL, else the bound address) and never taken from
    /// a request's Host header: otherwise anyone could obtain a statement signed by our key
    /// that points its verifier at a status list on their own host.
    pub issuer_base: String,
    /// Every verification answer waits until this long after the request arrived, so an
    /// unknown serial and a wrong date of birth, whose lookups differ in work, take the same
    /// time (as long as the lookup itself is faster than the floor).
    pub answer_floor: std::time::Duration,
}

/// The base URL statements carry when no public URL is configured: the bound address, with
/// `localhost` for a wildcard bind (which has no one address to name).
pub fn issuer_base(public_url: Option<&str>, bound: std::net::SocketAddr) -> String {
    if let Some(u) = public_url {
        return u.trim_end_matches('/').to_owned();
    }
    if bound.ip().is_unspecified() {
        format!("http://localhost:{}", bound.port())
    } else {
        format!("http://{bound}")
    }
}

#[cfg(test)]
mod tests {
    use super::issuer_base;

    #[test]
    fn the_issuer_is_the_public_url_else_a_reachable_bound_address() {
        let at = |s: &str| s.parse().unwrap();
        assert_eq!(
            issuer_base(Some("https://map.example.vn/"), at("127.0.0.1:8080")),
            "https://map.example.vn"
        );
        assert_eq!(
            issuer_base(None, at("127.0.0.1:8080")),
            "http://127.0.0.1:8080"
        );
        assert_eq!(
            issuer_base(None, at("0.0.0.0:8080")),
            "http://localhost:8080"
        );
        assert_eq!(issuer_base(None, at("[::1]:8080")), "http://[::1]:8080");
    }
}

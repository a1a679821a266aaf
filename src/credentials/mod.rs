//! Credential lookup and verification (diplomas and certificates of vocational
//! education). Holder data stays here and in the database: nothing in this module logs a
//! serial, a name or a date of birth, and answers disclose only what a verifier needs.
//!
//! - [`check`]: parsing a request, matching it in constant time, masking the name.
//! - [`source`]: where records come from (PostGIS, or the bundled fictitious file).
//! - [`jws`], [`keys`], [`statement`], [`status_list`]: signed statements (VC 2.0 as
//!   `vc+jwt`, Ed25519), the JWKS, opaque statement tokens, Bitstring Status Lists.
//! - [`rate`]: per-client rate limits; [`qr`]: QR codes of statement links.

pub mod check;
pub mod jws;
pub mod keys;
pub mod qr;
pub mod rate;
pub mod source;
pub mod statement;
pub mod status_list;

pub use check::{Disclosure, StoredCredential, VerifyRequest, find_match, mask_name};
pub use keys::Keys;
pub use rate::ClientLimiter;
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

/// What the credential endpoints share: the records' source, the signing keys and the
/// per-client limiter.
pub struct CredentialService {
    pub source: Source,
    pub keys: Keys,
    pub limiter: ClientLimiter,
}

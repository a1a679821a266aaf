//! The key ring file: the service's Ed25519 signing keys, kept across restarts so that
//! printed QR codes and saved statements go on verifying.
//!
//! The file is PKCS#8 PEM private keys one after another, oldest first, each preceded by
//! a `created:` line (RFC 7468 lets text stand outside the PEM boundaries, and OpenSSL
//! skips it); a plain single-key PEM file (`openssl genpkey -algorithm ed25519`) is
//! therefore a ring of one. The last key signs; every key stays in the JWKS, so what an
//! earlier key signed still verifies; the first key also names statement tokens
//! ([`super::Keys`]), so rotating never breaks a token.
//!
//! The file is written whole to a temporary file beside it (mode 0600) and renamed into
//! place: a crash leaves the old ring or the new one, never half of one.

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::Path;

use chrono::{DateTime, SecondsFormat, Utc};
use ed25519_dalek::SigningKey;
use ed25519_dalek::pkcs8::spki::der::pem::LineEnding;
use ed25519_dalek::pkcs8::{DecodePrivateKey, EncodePrivateKey, KeypairBytes};

use super::CredentialError;
use super::jws::Jwk;

const BEGIN: &str = "-----BEGIN ";
const END: &str = "-----END ";

/// One signing key and when it was made (unknown for a key brought from elsewhere).
pub struct RingKey {
    pub signing: SigningKey,
    pub created: Option<DateTime<Utc>>,
}

impl RingKey {
    /// A new key from the system's randomness, made now.
    pub fn generate() -> Result<Self, CredentialError> {
        let mut seed = [0u8; 32];
        getrandom::fill(&mut seed)
            .map_err(|e| CredentialError::BadKey(format!("no randomness for a key: {e}")))?;
        Ok(RingKey {
            signing: SigningKey::from_bytes(&seed),
            created: Some(Utc::now()),
        })
    }

    /// The key's id in the JWKS and in signed headers: its RFC 7638 thumbprint.
    pub fn kid(&self) -> String {
        Jwk::from_key(&self.signing.verifying_key())
            .kid
            .unwrap_or_default()
    }
}

/// The keys of a ring file, oldest first; never empty.
pub struct KeyRing {
    keys: Vec<RingKey>,
}

/// Shows the key ids only, never a secret.
impl std::fmt::Debug for KeyRing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list()
            .entries(self.keys.iter().map(RingKey::kid))
            .finish()
    }
}

/// Whether [`KeyRing::open_or_create`] found a ring or made one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Opened {
    Read,
    Created,
}

impl KeyRing {
    pub fn of(first: RingKey) -> Self {
        KeyRing { keys: vec![first] }
    }

    /// Adds `key` as the newest, which becomes the current one.
    pub fn push(&mut self, key: RingKey) {
        self.keys.push(key);
    }

    /// Oldest first: the first names tokens, the last signs.
    pub fn keys(&self) -> &[RingKey] {
        &self.keys
    }

    pub fn current(&self) -> &RingKey {
        // Never empty: every constructor puts a key in.
        &self.keys[self.keys.len() - 1]
    }

    /// Reads the ring at `path`.
    pub fn read(path: &Path) -> Result<Self, CredentialError> {
        let text = std::fs::read_to_string(path).map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => bad(
                path,
                "there is none; `vetmap serve` makes one at its first start",
            ),
            _ => bad(path, format!("cannot read it: {e}")),
        })?;
        warn_if_readable_by_others(path);
        Self::parse(&text).map_err(|why| bad(path, why))
    }

    /// Reads the ring at `path`, or makes one with a new key when there is no file (and
    /// its directory when there is none). When two processes make one at once, the first
    /// to finish wins and the other reads it.
    pub fn open_or_create(path: &Path) -> Result<(Self, Opened), CredentialError> {
        if path.exists() {
            return Ok((Self::read(path)?, Opened::Read));
        }
        let ring = KeyRing::of(RingKey::generate()?);
        match write(path, &ring.to_pem(), Replace::No) {
            Ok(()) => Ok((ring, Opened::Created)),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                Ok((Self::read(path)?, Opened::Read))
            }
            Err(e) => Err(bad(path, format!("cannot write it: {e}"))),
        }
    }

    /// Adds a new key to the ring at `path`, which becomes the signing key; the earlier
    /// keys stay. Returns the new key's id.
    pub fn rotate(path: &Path) -> Result<String, CredentialError> {
        let mut ring = Self::read(path)?;
        ring.push(RingKey::generate()?);
        write(path, &ring.to_pem(), Replace::Yes)
            .map_err(|e| bad(path, format!("cannot write it: {e}")))?;
        Ok(ring.current().kid())
    }

    /// The ring as its file holds it.
    pub fn to_pem(&self) -> String {
        let mut out = String::from(
            "# vetmap signing keys (Ed25519, PKCS#8 PEM), oldest first. The last key signs,\n\
             # every key verifies, the first also names statement tokens: never remove it.\n\
             # Secret: keep this file mode 0600 and back it up.\n",
        );
        for k in &self.keys {
            if let Some(t) = k.created {
                let _ = writeln!(
                    out,
                    "created: {}",
                    t.to_rfc3339_opts(SecondsFormat::Secs, true)
                );
            }
            let _ = writeln!(out, "kid: {}", k.kid());
            // PKCS#8 v1, without the public key, as `openssl genpkey` writes it: OpenSSL
            // 3.0 cannot read the v2 form that carries the public key too.
            let v1 = KeypairBytes {
                secret_key: k.signing.to_bytes(),
                public_key: None,
            };
            match v1.to_pkcs8_pem(LineEnding::LF) {
                Ok(pem) => out.push_str(&pem),
                // Encoding 32 bytes into a fixed DER template cannot fail.
                Err(e) => unreachable!("PKCS#8 encoding of an Ed25519 key failed: {e}"),
            }
        }
        out
    }

    /// Parses a ring file's text: PEM blocks, each after an optional `created:` line;
    /// other text outside the blocks is ignored.
    pub fn parse(text: &str) -> Result<Self, String> {
        let mut keys = Vec::new();
        let mut created = None;
        let mut block: Option<String> = None;
        for (n, line) in text.lines().enumerate() {
            let line = line.trim_end();
            if let Some(b) = block.as_mut() {
                b.push_str(line);
                b.push('\n');
                if line.starts_with(END) {
                    let number = keys.len() + 1;
                    let signing = SigningKey::from_pkcs8_pem(b).map_err(|e| {
                        format!("key {number} (ending on line {}) is not an Ed25519 PKCS#8 private key: {e}", n + 1)
                    })?;
                    keys.push(RingKey {
                        signing,
                        created: created.take(),
                    });
                    block = None;
                }
            } else if line.starts_with(BEGIN) {
                block = Some(format!("{line}\n"));
            } else if let Some(t) = line.strip_prefix("created:") {
                let t = DateTime::parse_from_rfc3339(t.trim()).map_err(|_| {
                    format!("line {}: `created:` is not an RFC 3339 date-time", n + 1)
                })?;
                created = Some(t.with_timezone(&Utc));
            }
        }
        if block.is_some() {
            return Err("the last key has no END line".into());
        }
        if keys.is_empty() {
            return Err("no PEM private key in it".into());
        }
        Ok(KeyRing { keys })
    }
}

fn bad(path: &Path, why: impl std::fmt::Display) -> CredentialError {
    CredentialError::BadKey(format!("key ring {}: {why}", path.display()))
}

#[derive(PartialEq)]
enum Replace {
    Yes,
    No,
}

/// Writes `text` to `path` through a temporary file in the same directory (so the rename
/// cannot cross file systems), readable by the owner only.
fn write(path: &Path, text: &str, replace: Replace) -> std::io::Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    create_private_dir(dir)?;
    // tempfile creates the file with mode 0600 on Unix.
    let mut tmp = tempfile::Builder::new()
        .prefix(".signing-keys-")
        .tempfile_in(dir)?;
    tmp.write_all(text.as_bytes())?;
    tmp.as_file().sync_all()?;
    if replace == Replace::Yes {
        tmp.persist(path).map_err(|e| e.error)?;
    } else {
        tmp.persist_noclobber(path).map_err(|e| e.error)?;
    }
    // The rename is durable once the directory is.
    std::fs::File::open(dir)?.sync_all()
}

fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)
}

fn warn_if_readable_by_others(path: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if let Ok(meta) = std::fs::metadata(path) {
            let mode = meta.permissions().mode() & 0o777;
            if mode & 0o077 != 0 {
                tracing::warn!(
                    path = %path.display(),
                    mode = format!("{mode:o}"),
                    "the signing key ring is readable by other users: chmod 600 it"
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A ring path in a missing directory of a fresh temporary one (removed on drop).
    fn scratch(label: &str) -> (tempfile::TempDir, std::path::PathBuf) {
        let dir = tempfile::Builder::new()
            .prefix(label)
            .tempdir()
            .expect("temp dir");
        let path = dir.path().join("state/signing-keys.pem");
        (dir, path)
    }

    #[test]
    fn a_missing_ring_is_made_once_private_and_read_back_the_same() {
        let (_dir, path) = scratch("ring-create");
        let (made, opened) = KeyRing::open_or_create(&path).unwrap();
        assert_eq!(opened, Opened::Created);
        let (read, opened) = KeyRing::open_or_create(&path).unwrap();
        assert_eq!(opened, Opened::Read);
        assert_eq!(read.keys().len(), 1);
        assert_eq!(read.current().kid(), made.current().kid());
        assert!(read.current().created.is_some());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        // No temporary file is left beside it.
        let names: Vec<_> = std::fs::read_dir(path.parent().unwrap())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("signing-keys.pem")]);
    }

    #[test]
    fn rotation_appends_a_key_that_becomes_current_and_keeps_the_others() {
        let (_dir, path) = scratch("ring-rotate");
        let (first, _) = KeyRing::open_or_create(&path).unwrap();
        let new_kid = KeyRing::rotate(&path).unwrap();
        let ring = KeyRing::read(&path).unwrap();
        let kids: Vec<_> = ring.keys().iter().map(RingKey::kid).collect();
        assert_eq!(kids, vec![first.current().kid(), new_kid.clone()]);
        assert_eq!(ring.current().kid(), new_kid);
    }

    #[test]
    fn a_plain_openssl_pem_key_is_a_ring_of_one() {
        // `openssl genpkey -algorithm ed25519` (RFC 8410 §10.3's example key).
        let pem = "-----BEGIN PRIVATE KEY-----\n\
                   MC4CAQAwBQYDK2VwBCIEINTuctv5E1hK1bbY8fdp+K06/nwoy/HU++CXqI9EdVhC\n\
                   -----END PRIVATE KEY-----\n";
        let ring = KeyRing::parse(pem).unwrap();
        assert_eq!(ring.keys().len(), 1);
        assert!(ring.current().created.is_none());
    }

    #[test]
    fn a_ring_survives_its_own_text() {
        let mut ring = KeyRing::of(RingKey::generate().unwrap());
        ring.push(RingKey::generate().unwrap());
        let again = KeyRing::parse(&ring.to_pem()).unwrap();
        let kids = |r: &KeyRing| r.keys().iter().map(RingKey::kid).collect::<Vec<_>>();
        assert_eq!(kids(&again), kids(&ring));
        assert_eq!(
            again.keys()[0].created.map(|t| t.timestamp()),
            ring.keys()[0].created.map(|t| t.timestamp())
        );
    }

    #[test]
    fn broken_rings_are_refused_with_the_reason_and_no_key_material() {
        let cut = "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEINTuctv5E1hK1bbY8fdp\n";
        assert!(KeyRing::parse(cut).unwrap_err().contains("no END line"));
        assert!(
            KeyRing::parse("# nothing\n")
                .unwrap_err()
                .contains("no PEM")
        );
        let garbage = "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n";
        let e = KeyRing::parse(garbage).unwrap_err();
        assert!(e.contains("key 1") && !e.contains("AAAA"), "{e}");
        let bad_date = "created: yesterday\n";
        assert!(KeyRing::parse(bad_date).unwrap_err().contains("line 1"));
    }
}

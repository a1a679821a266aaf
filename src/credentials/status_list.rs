//! Revocation as a W3C Bitstring Status List (v1.0): every record owns one bit in a list
//! of 131,072 bits (the spec's minimum, for herd privacy); the whole list is fetched, so
//! the server never learns which record a verifier is checking.
//!
//! `encodedList` is the multibase (`u`, base64url without padding) of the GZIP-compressed
//! bitstring; bit 0 is the most significant bit of the first byte.

use std::io::{Read, Write};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use flate2::Compression;
use flate2::read::GzDecoder;
use flate2::write::GzEncoder;

use super::CredentialError;

/// Bits per list.
pub const LIST_SIZE: u64 = 131_072;

/// Which list and which bit in it hold a record's status.
pub fn position(status_index: u64) -> (u64, u64) {
    (status_index / LIST_SIZE, status_index % LIST_SIZE)
}

/// Encodes a list whose set bits are `revoked` (positions within the list).
pub fn encode(revoked: impl IntoIterator<Item = u64>) -> String {
    let mut bits = vec![0u8; (LIST_SIZE / 8) as usize];
    for p in revoked {
        if p < LIST_SIZE {
            bits[(p / 8) as usize] |= 0x80 >> (p % 8);
        }
    }
    let mut gz = GzEncoder::new(Vec::new(), Compression::best());
    // Writing to a Vec cannot fail.
    let _ = gz.write_all(&bits);
    let compressed = gz.finish().unwrap_or_default();
    format!("u{}", B64.encode(compressed))
}

/// Reads bit `position` of an encoded list.
pub fn is_set(encoded: &str, position: u64) -> Result<bool, CredentialError> {
    let bad = |why: &str| CredentialError::BadStatement(format!("status list: {why}"));
    let b64 = encoded
        .strip_prefix('u')
        .ok_or_else(|| bad("encodedList is not multibase base64url ('u')"))?;
    let compressed = B64
        .decode(b64)
        .map_err(|_| bad("encodedList is not base64url"))?;
    let mut bits = Vec::new();
    GzDecoder::new(&compressed[..])
        .take(64 * 1024 * 1024)
        .read_to_end(&mut bits)
        .map_err(|_| bad("encodedList is not GZIP data"))?;
    // Bitstring Status List §3.1: the bitstring is at least 16 KB, so that one status
    // tells nothing about how many credentials there are.
    if (bits.len() as u64) < LIST_SIZE / 8 {
        return Err(bad("the bitstring is shorter than the required 16 KB"));
    }
    let byte = bits
        .get((position / 8) as usize)
        .ok_or_else(|| bad("the index is beyond the list"))?;
    Ok(byte & (0x80 >> (position % 8)) != 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_bits_read_back_and_others_stay_clear() {
        let list = encode([0, 9, LIST_SIZE - 1]);
        assert!(list.starts_with('u'));
        for p in [0, 9, LIST_SIZE - 1] {
            assert!(is_set(&list, p).unwrap(), "bit {p}");
        }
        for p in [1, 8, 10, 1000] {
            assert!(!is_set(&list, p).unwrap(), "bit {p}");
        }
    }

    #[test]
    fn bit_zero_is_the_high_bit_of_the_first_byte() {
        let list = encode([0]);
        let gz = B64.decode(&list[1..]).unwrap();
        let mut bits = Vec::new();
        GzDecoder::new(&gz[..]).read_to_end(&mut bits).unwrap();
        assert_eq!(bits[0], 0x80);
        assert_eq!(bits.len() as u64, LIST_SIZE / 8);
    }

    #[test]
    fn a_list_shorter_than_16_kb_is_refused() {
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        std::io::Write::write_all(&mut gz, &[0u8; 100]).unwrap();
        let short = format!("u{}", B64.encode(gz.finish().unwrap()));
        let e = is_set(&short, 3).unwrap_err().to_string();
        assert!(e.contains("16 KB"), "{e}");
    }

    #[test]
    fn positions_split_indices_into_lists() {
        assert_eq!(position(5), (0, 5));
        assert_eq!(position(LIST_SIZE + 3), (1, 3));
    }
}

#![no_main]
//! The CSV reader behind `vetmap import` and the credential upload: as an upload (the
//! kind given) and as a file whose kind comes from its columns.

use libfuzzer_sys::fuzz_target;
use vetmap::store::files::{FileKind, read_bytes};

fuzz_target!(|data: &[u8]| {
    let _ = read_bytes("upload.csv", data, Some(FileKind::Credentials));
    let _ = read_bytes("input.csv", data, None);
});

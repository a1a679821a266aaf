#![no_main]
//! cql2-json filters, as `filter-lang=cql2-json&filter=` gets them.

use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        common::compile_and_evaluate(text, vetmap::features::FilterLang::Cql2Json);
    }
});

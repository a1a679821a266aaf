//! What the CQL2 targets share: the bundled institutions, loaded once, to evaluate
//! every filter that compiles against real records.

use std::sync::OnceLock;

use vetmap::features::{Filter, FilterLang, institutions};
use vetmap::model::Institution;

fn records() -> &'static [Institution] {
    static RECORDS: OnceLock<Vec<Institution>> = OnceLock::new();
    RECORDS.get_or_init(|| {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../data");
        vetmap::store::bundled::load_dir(&dir)
            .expect("the bundled dataset loads")
            .dataset
            .institutions
    })
}

/// Compiles `text` against the institutions' queryables and, when it compiles,
/// evaluates it on every bundled institution. Errors are fine; panics, aborts and
/// hangs are what the fuzzer looks for. It runs on a thread with a tokio worker's
/// 2 MiB stack (libFuzzer's own thread has 8 MiB), so an overflow the server would
/// meet is one here too.
pub fn compile_and_evaluate(text: &str, lang: FilterLang) {
    let records = records();
    let text = text.to_owned();
    std::thread::Builder::new()
        .stack_size(2 * 1024 * 1024)
        .spawn(move || {
            if let Ok(filter) = Filter::parse(&text, lang, institutions::FIELDS) {
                for i in records {
                    let _ = filter.matches(i);
                }
            }
        })
        .expect("a thread")
        .join()
        .expect("no panic");
}

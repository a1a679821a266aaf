//! Sharing repeated text. A national network repeats a few dozen occupation names over
//! millions of programmes, and one `source` over millions of institutions: one shared
//! `Arc<str>` per distinct value instead of a `String` per record.

use std::collections::HashSet;
use std::sync::Arc;

/// Hands out one `Arc<str>` per distinct text it has seen. Local to one load, so it
/// never outlives the data it deduplicates.
#[derive(Default)]
pub struct Interner {
    seen: HashSet<Arc<str>>,
}

impl Interner {
    pub fn intern(&mut self, text: &str) -> Arc<str> {
        if let Some(shared) = self.seen.get(text) {
            return shared.clone();
        }
        let shared: Arc<str> = Arc::from(text);
        self.seen.insert(shared.clone());
        shared
    }

    /// The shared copy of `text` (which may already be shared).
    pub fn share(&mut self, text: &Arc<str>) -> Arc<str> {
        self.intern(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_texts_share_one_allocation() {
        let mut i = Interner::default();
        let a = i.intern("Hàn");
        let b = i.intern(&String::from("Hàn"));
        let c = i.intern("Điện");
        assert!(Arc::ptr_eq(&a, &b));
        assert!(!Arc::ptr_eq(&a, &c));
        assert_eq!(&*c, "Điện");
    }
}

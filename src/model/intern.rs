//! Sharing repeated text. A national network repeats a few dozen occupation names over
//! millions of programmes, and one `source` over millions of institutions: one shared
//! [`SharedText`] per distinct value instead of a `String` per record. Whole sets repeat
//! too: the administrative codes of one place, the readiness figures many report alike.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use super::AdminCodes;
use super::institution::{Readiness, ReadinessKey};

/// Shared, immutable text: `arcstr`'s thin pointer, 8 bytes where `Arc<str>` takes 16
/// (its length lives beside the text, not in the pointer). Each institution holds
/// seven and each programme one, so at two million institutions the difference is
/// about 190 MB.
pub type SharedText = arcstr::ArcStr;

/// Hands out one [`SharedText`] per distinct text it has seen. Local to one load, so it
/// never outlives the data it deduplicates. Hashed with foldhash (seeded per process):
/// a national load asks it some 30 million times, and SipHash was a tenth of the
/// load's own CPU (`perf`, 2M network).
#[derive(Default)]
pub struct Interner {
    seen: HashSet<SharedText, Hasher>,
    admin: HashSet<Arc<AdminCodes>, Hasher>,
    readiness: HashMap<ReadinessKey, Arc<Readiness>, Hasher>,
}

type Hasher = foldhash::fast::RandomState;

impl Interner {
    pub fn intern(&mut self, text: &str) -> SharedText {
        if let Some(shared) = self.seen.get(text) {
            return shared.clone();
        }
        let shared = SharedText::from(text);
        self.seen.insert(shared.clone());
        shared
    }

    /// The shared copy of `text` (which may already be shared).
    pub fn share(&mut self, text: &SharedText) -> SharedText {
        self.intern(text)
    }

    /// The shared copy of a set of administrative codes, its codes shared too.
    pub fn share_admin(&mut self, codes: &AdminCodes) -> Arc<AdminCodes> {
        if let Some(shared) = self.admin.get(codes) {
            return shared.clone();
        }
        let mut own = codes.clone();
        for code in own.codes_mut().into_iter().flatten() {
            *code = self.share(code);
        }
        let shared = Arc::new(own);
        self.admin.insert(shared.clone());
        shared
    }

    /// The shared copy of a set of readiness figures, its source shared too.
    pub fn share_readiness(&mut self, readiness: &Readiness) -> Arc<Readiness> {
        let key = readiness.key();
        if let Some(shared) = self.readiness.get(&key) {
            return shared.clone();
        }
        let mut own = readiness.clone();
        own.source = own.source.as_ref().map(|s| self.share(s));
        let shared = Arc::new(own);
        self.readiness.insert(key, shared.clone());
        shared
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
        assert!(SharedText::ptr_eq(&a, &b));
        assert!(!SharedText::ptr_eq(&a, &c));
        assert_eq!(&*c, "Điện");
    }

    #[test]
    fn equal_places_and_figures_share_one_copy_and_different_ones_do_not() {
        let mut i = Interner::default();
        let place = |commune: &str| AdminCodes {
            province_2025: Some(SharedText::from("86")),
            commune_2025: Some(SharedText::from(commune)),
            ..AdminCodes::default()
        };
        let a = i.share_admin(&place("29254"));
        let b = i.share_admin(&place("29254"));
        let c = i.share_admin(&place("29257"));
        assert!(Arc::ptr_eq(&a, &b));
        assert!(!Arc::ptr_eq(&a, &c));
        let province = |codes: &AdminCodes| codes.province_2025.clone().unwrap();
        assert!(SharedText::ptr_eq(&province(&a), &province(&c)));

        let figures = |pct: f64| Readiness {
            digital_school: Some(true),
            teachers_digital_trained_pct: Some(pct),
            ..Readiness::default()
        };
        let x = i.share_readiness(&figures(37.5));
        let y = i.share_readiness(&figures(37.5));
        let z = i.share_readiness(&figures(37.25));
        assert!(Arc::ptr_eq(&x, &y));
        assert!(!Arc::ptr_eq(&x, &z));
        assert_eq!(*z, figures(37.25));
    }
}

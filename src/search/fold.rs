//! Vietnamese folding: what people type on a phone keyboard without an IME ("cao dang
//! nghe") must meet what the data says ("Cao đẳng Nghề").

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::{canonical_combining_class, decompose_canonical};

/// Lower-cases `s` and removes tone marks and other diacritics (canonical decomposition,
/// combining marks dropped), mapping `đ`/`Đ` (a letter of its own, not a decomposable
/// one) to `d`. Everything else is kept as is.
///
/// Each character is decomposed on its own: what NFD does besides, putting runs of
/// combining marks in canonical order, can only matter for marks that are kept, those
/// outside U+0300–U+036F. Text with one of those (none in Vietnamese) is folded through
/// the full NFD instead. Building the search index of a national network folds every
/// name and address; the NFD iterator's reordering buffer was a tenth of that build.
pub fn fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c.is_ascii() {
            out.push(c.to_ascii_lowercase());
            continue;
        }
        let mut kept_mark = false;
        decompose_canonical(c, |d| match d {
            '\u{0300}'..='\u{036F}' => {}
            'đ' | 'Đ' => out.push('d'),
            d if d.is_ascii() => out.push(d.to_ascii_lowercase()),
            d if canonical_combining_class(d) != 0 => kept_mark = true,
            d => out.extend(d.to_lowercase()),
        });
        if kept_mark {
            return fold_through_nfd(s);
        }
    }
    out
}

/// [`fold`] by the book: the whole text's NFD, then the same mapping.
fn fold_through_nfd(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.nfd() {
        match c {
            '\u{0300}'..='\u{036F}' => {}
            'đ' | 'Đ' => out.push('d'),
            c if c.is_ascii() => out.push(c.to_ascii_lowercase()),
            c => out.extend(c.to_lowercase()),
        }
    }
    out
}

/// The folded words of `s`: runs of letters and digits.
pub fn words(s: &str) -> impl Iterator<Item = String> + '_ {
    let folded = fold(s);
    folded
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_owned)
        .collect::<Vec<_>>()
        .into_iter()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn removes_tone_marks_and_maps_d_with_stroke() {
        assert_eq!(fold("Cao Đẳng Nghề"), "cao dang nghe");
        assert_eq!(fold("Trường Đại học Trà Vinh"), "truong dai hoc tra vinh");
        assert_eq!(fold("Hàn điện"), "han dien");
        assert_eq!(
            fold("Kỹ thuật máy lạnh và điều hòa"),
            "ky thuat may lanh va dieu hoa"
        );
        assert_eq!(fold("ƯƠ ư ơ ă â ê ô"), "uo u o a a e o");
    }

    #[test]
    fn composed_and_decomposed_input_fold_alike() {
        let composed = "Cầu Kè";
        let decomposed: String = composed.nfd().collect();
        assert_ne!(composed, decomposed);
        assert_eq!(fold(composed), fold(&decomposed));
    }

    #[test]
    fn each_character_folds_as_through_the_full_nfd() {
        for c in (0..=0x10FFFF).filter_map(char::from_u32) {
            let s = c.to_string();
            assert_eq!(fold(&s), fold_through_nfd(&s), "U+{:04X}", c as u32);
        }
    }

    #[test]
    fn marks_kept_in_any_order_fold_as_through_the_full_nfd() {
        // Kept marks (outside U+0300–U+036F) of different classes, in and out of
        // canonical order, beside dropped ones: U+0591 (class 220), U+05B0 (10),
        // U+1DCA (220), U+0323 (dropped, 220), U+0302 (dropped, 230).
        for s in [
            "a\u{0591}\u{05B0}b",
            "a\u{05B0}\u{0591}b",
            "ệ\u{1DCA}\u{05B0}",
            "Ề\u{0591}\u{0323}\u{05B0}\u{0302}x",
            "Trường \u{05B0}\u{1DCA} Nghề",
        ] {
            assert_eq!(fold(s), fold_through_nfd(s), "{s:?}");
        }
        assert_eq!(fold("a\u{0591}\u{05B0}b"), fold("a\u{05B0}\u{0591}b"));
    }

    #[test]
    fn words_split_on_punctuation() {
        let w: Vec<String> = words("Trung tâm GDNN-GDTX huyện Cầu Kè, 6520123").collect();
        assert_eq!(
            w,
            [
                "trung", "tam", "gdnn", "gdtx", "huyen", "cau", "ke", "6520123"
            ]
        );
    }
}

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
    fold_into(s, &mut out);
    out
}

/// [`fold`], appended to `out`: the index build folds millions of texts into buffers
/// it reuses.
pub fn fold_into(s: &str, out: &mut String) {
    let from = out.len();
    let mut rest = s;
    while !rest.is_empty() {
        // A run of ASCII (most of any Vietnamese text: a syllable has at most one or
        // two marked letters) is copied and lower-cased whole.
        let ascii = rest
            .bytes()
            .position(|b| !b.is_ascii())
            .unwrap_or(rest.len());
        if ascii > 0 {
            let at = out.len();
            out.push_str(&rest[..ascii]);
            if let Some(run) = out.get_mut(at..) {
                run.make_ascii_lowercase();
            }
            rest = &rest[ascii..];
            continue;
        }
        let mut chars = rest.chars();
        let Some(c) = chars.next() else { break };
        rest = chars.as_str();
        if let Some(letter) = latin_letter(c) {
            out.push(char::from(letter));
            continue;
        }
        if fold_char(c, out) {
            out.truncate(from);
            fold_through_nfd(s, out);
            return;
        }
    }
}

/// Folds one character (decomposed on its own) onto `out`; whether it holds a mark that
/// folding keeps, which only the full NFD puts in order.
fn fold_char(c: char, out: &mut String) -> bool {
    let mut kept_mark = false;
    decompose_canonical(c, |d| match d {
        '\u{0300}'..='\u{036F}' => {}
        'đ' | 'Đ' => out.push('d'),
        d if d.is_ascii() => out.push(d.to_ascii_lowercase()),
        d if canonical_combining_class(d) != 0 => kept_mark = true,
        d => out.extend(d.to_lowercase()),
    });
    kept_mark
}

/// The Latin blocks that hold every Vietnamese letter: Latin-1 Supplement to Latin
/// Extended Additional (ắ, ệ, ữ... are U+1EA0–U+1EF9).
const LATIN: std::ops::Range<u32> = 0x00C0..0x1F00;

/// The ASCII letter a Latin letter folds to (`ệ` → `e`, `Đ` → `d`), if it folds to one;
/// `None` for the rest (`æ`, `ß`, other scripts), which are decomposed as they come.
/// Every Vietnamese letter but the 22 ASCII ones is here, and a national build folds
/// tens of millions of them: folding names and addresses, mostly decomposing these
/// through Unicode's tables, was about 4 % of a start's samples from the rows
/// (docs/BENCHMARKS.md, stop 35). The table is made from
/// [`fold_char`] itself, so it folds exactly as that does.
fn latin_letter(c: char) -> Option<u8> {
    static TABLE: std::sync::LazyLock<Box<[u8]>> = std::sync::LazyLock::new(|| {
        let mut folded = String::new();
        LATIN
            .map(|code| {
                folded.clear();
                let kept_mark = char::from_u32(code).is_some_and(|c| fold_char(c, &mut folded));
                match folded.as_bytes() {
                    [b] if b.is_ascii_alphabetic() && !kept_mark => *b,
                    _ => 0,
                }
            })
            .collect()
    });
    let at = (c as u32).checked_sub(LATIN.start)?;
    TABLE.get(at as usize).copied().filter(|&b| b != 0)
}

/// [`fold`] by the book: the whole text's NFD, then the same mapping.
fn fold_through_nfd(s: &str, out: &mut String) {
    for c in s.nfd() {
        match c {
            '\u{0300}'..='\u{036F}' => {}
            'đ' | 'Đ' => out.push('d'),
            c if c.is_ascii() => out.push(c.to_ascii_lowercase()),
            c => out.extend(c.to_lowercase()),
        }
    }
}

/// The folded words of `s`: runs of letters and digits.
pub fn words(s: &str) -> impl Iterator<Item = String> + '_ {
    let folded = fold(s);
    split_words(&folded)
        .map(str::to_owned)
        .collect::<Vec<_>>()
        .into_iter()
}

/// The runs of alphanumeric characters of `s`: what `s.split(|c: char|
/// !c.is_alphanumeric())` gives, without its empty pieces. Folded text is almost all
/// ASCII, read here a byte at a time; the split decoded every character and handed out
/// the empty pieces between separators (splitting was a tenth of a national index
/// build's instructions, measured with callgrind).
pub fn split_words(s: &str) -> SplitWords<'_> {
    SplitWords { s, at: 0 }
}

pub struct SplitWords<'a> {
    s: &'a str,
    /// Always on a character boundary.
    at: usize,
}

/// Each byte's class: a separator (ASCII, not alphanumeric), part of a word (ASCII
/// alphanumeric), or the start or continuation of a wider character (decoded).
const SEPARATOR: u8 = 0;
const WORD: u8 = 1;
const WIDE: u8 = 2;
const CLASS: [u8; 256] = {
    let mut class = [WIDE; 256];
    let mut b = 0;
    while b < 128 {
        class[b] = if (b as u8).is_ascii_alphanumeric() {
            WORD
        } else {
            SEPARATOR
        };
        b += 1;
    }
    class
};

impl<'a> Iterator for SplitWords<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        let (s, bytes) = (self.s, self.s.as_bytes());
        let mut i = self.at;
        // Past the separators.
        while let Some(&b) = bytes.get(i) {
            match CLASS[b as usize] {
                WORD => break,
                SEPARATOR => i += 1,
                _ => {
                    let (alphanumeric, len) = wide_char_at(s, i);
                    if alphanumeric {
                        break;
                    }
                    i += len;
                }
            }
        }
        let start = i;
        // Through the word.
        while let Some(&b) = bytes.get(i) {
            match CLASS[b as usize] {
                WORD => i += 1,
                SEPARATOR => break,
                _ => {
                    let (alphanumeric, len) = wide_char_at(s, i);
                    if !alphanumeric {
                        break;
                    }
                    i += len;
                }
            }
        }
        self.at = i;
        s.get(start..i).filter(|w| !w.is_empty())
    }
}

/// Whether the character starting at byte `i` of `s` (a boundary, not ASCII) is
/// alphanumeric, and its length in bytes.
#[cold]
fn wide_char_at(s: &str, i: usize) -> (bool, usize) {
    s.get(i..)
        .and_then(|rest| rest.chars().next())
        .map_or((false, 1), |c| (c.is_alphanumeric(), c.len_utf8()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn by_nfd(s: &str) -> String {
        let mut out = String::new();
        fold_through_nfd(s, &mut out);
        out
    }

    #[test]
    fn folding_into_a_buffer_appends_even_through_the_full_nfd() {
        let mut out = String::from("x ");
        fold_into("Cầu Kè", &mut out);
        fold_into(" a\u{05B0}\u{0591}Ề", &mut out);
        assert_eq!(out, format!("x cau ke{}", by_nfd(" a\u{05B0}\u{0591}Ề")));
    }

    fn split_by_std(s: &str) -> Vec<&str> {
        s.split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .collect()
    }

    #[test]
    fn words_split_as_the_standard_split_on_non_alphanumerics() {
        for s in [
            "",
            " ",
            "a",
            "truong trung cap nghe tra vinh",
            "  gdnn-gdtx, huyen cau ke;6520123  ",
            "Trường Đại học Trà Vinh",
            "a\u{00A0}b\u{3000}c\u{2028}d",
            "١٢٣ ٤٥ ½ ⅷ x²",
            "日本語 テキスト",
            "--__..",
        ] {
            assert_eq!(split_words(s).collect::<Vec<_>>(), split_by_std(s), "{s:?}");
        }
        // Every character between two words, at a word's edge and alone.
        for c in (0..=0x10FFFF).step_by(7).filter_map(char::from_u32) {
            for s in [
                format!("ab{c}cd"),
                format!("{c}x"),
                format!("x{c}"),
                c.to_string(),
            ] {
                assert_eq!(
                    split_words(&s).collect::<Vec<_>>(),
                    split_by_std(&s),
                    "{s:?}"
                );
            }
        }
    }

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
            assert_eq!(fold(&s), by_nfd(&s), "U+{:04X}", c as u32);
        }
    }

    #[test]
    fn every_vietnamese_letter_folds_from_the_table() {
        let lower = "àáảãạăằắẳẵặâầấẩẫậđèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵ";
        let upper = lower.to_uppercase();
        for c in lower.chars().chain(upper.chars()) {
            let letter = latin_letter(c).map(char::from);
            assert_eq!(
                letter.map(String::from),
                Some(by_nfd(&c.to_string())),
                "{c}"
            );
        }
        assert_eq!(latin_letter('æ'), None);
        assert_eq!(
            latin_letter('a'),
            None,
            "ASCII is copied in runs, not looked up"
        );
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
            assert_eq!(fold(s), by_nfd(s), "{s:?}");
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

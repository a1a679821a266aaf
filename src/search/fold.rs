//! Vietnamese folding: what people type on a phone keyboard without an IME ("cao dang
//! nghe") must meet what the data says ("Cao đẳng Nghề").

use unicode_normalization::UnicodeNormalization;

/// Lower-cases `s` and removes tone marks and other diacritics (canonical decomposition,
/// combining marks dropped), mapping `đ`/`Đ` (a letter of its own, not a decomposable
/// one) to `d`. Everything else is kept as is.
pub fn fold(s: &str) -> String {
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

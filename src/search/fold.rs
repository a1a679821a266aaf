//! Diacritic folding: what people type on a phone without Vietnamese input ("cau ke")
//! must find what the data says ("Cầu Kè").

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// Lower-cases `s` and removes tone marks and other diacritics (NFD, then drop the
/// combining marks); `đ`/`Đ`, which is a letter of its own rather than `d` plus a mark,
/// becomes `d`.
pub fn fold(s: &str) -> String {
    if s.is_ascii() {
        return s.to_ascii_lowercase();
    }
    s.nfd()
        .filter(|c| !is_combining_mark(*c))
        .flat_map(char::to_lowercase)
        .map(|c| if c == 'đ' { 'd' } else { c })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::fold;

    #[test]
    fn folds_vietnamese_tones_and_d_bar() {
        assert_eq!(fold("Trường Cao đẳng Nghề"), "truong cao dang nghe");
        assert_eq!(fold("ĐẠI HỌC Trà Vinh"), "dai hoc tra vinh");
        assert_eq!(fold("Cầu Kè"), "cau ke");
        assert_eq!(fold("plain ASCII"), "plain ascii");
    }
}

//! Vietnamese folding: what a person types without tone marks must match the real name.

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// Lower-cases, removes tone and vowel marks (NFD, combining marks dropped), maps đ to d
/// and collapses runs of white space: `"  Cao  Đẳng Nghề "` → `"cao dang nghe"`.
pub fn fold(s: &str) -> String {
    let stripped: String = s
        .nfd()
        .filter(|c| !is_combining_mark(*c))
        .map(|c| match c {
            'đ' | 'Đ' => 'd',
            c => c,
        })
        .flat_map(char::to_lowercase)
        .collect();
    stripped.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::fold;

    #[test]
    fn folding_removes_marks_case_and_extra_spaces() {
        assert_eq!(fold("  Cao  Đẳng Nghề "), "cao dang nghe");
        assert_eq!(fold("Nguyễn Văn Thử"), "nguyen van thu");
        assert_eq!(fold("THẠCH THỊ MINH HỌA"), "thach thi minh hoa");
    }
}

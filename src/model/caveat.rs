//! What a result cannot claim, said in both of the service's languages. Every output that
//! carries data carries its caveats (JSON, files, pages), and a page or file shows them in
//! its own language: an official reading a Vietnamese report must not meet the one
//! warning that matters in English.

use serde::Serialize;

/// The language a page or file is written in: Vietnamese first, English on request.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum Lang {
    #[default]
    Vi,
    En,
}

impl Lang {
    /// `en` is English; anything else (absent, empty, `vi`) is Vietnamese. Callers that
    /// must refuse other values check them first ([`Lang::parse`]).
    pub fn from_param(v: Option<&str>) -> Self {
        match v {
            Some("en") => Lang::En,
            _ => Lang::Vi,
        }
    }

    /// `vi` or `en` (or nothing: Vietnamese); anything else is `Err` with what was sent.
    pub fn parse(v: Option<&str>) -> Result<Self, String> {
        match v.map(str::trim) {
            None | Some("") | Some("vi") => Ok(Lang::Vi),
            Some("en") => Ok(Lang::En),
            Some(other) => Err(format!("lang {other:?} is not one of: vi en")),
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Lang::Vi => "vi",
            Lang::En => "en",
        }
    }

    pub fn t<'a>(self, vi: &'a str, en: &'a str) -> &'a str {
        match self {
            Lang::Vi => vi,
            Lang::En => en,
        }
    }
}

/// One caveat in both languages; JSON `{"vi": …, "en": …}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Caveat {
    pub vi: String,
    pub en: String,
}

impl Caveat {
    pub fn new(vi: impl Into<String>, en: impl Into<String>) -> Self {
        Self {
            vi: vi.into(),
            en: en.into(),
        }
    }

    pub fn text(&self, lang: Lang) -> &str {
        lang.t(&self.vi, &self.en)
    }
}

/// Lines that open a CSV file with its caveats, before the header row: each is a row whose
/// first cell is `#` and whose second is the caveat, so a spreadsheet shows the caveats as
/// the first rows of the sheet, in full (a quoted cell keeps its commas), above the
/// table, where a reader starts; tools skip them as comments (`comment="#"` in pandas,
/// `comment.char = "#"` in R). A column of caveats would sit to the right of every
/// row, out of sight, and repeat on each of a grid's thousands of rows.
pub fn csv_preamble(caveats: &[Caveat], lang: Lang) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let label = lang.t("Lưu ý", "Caveat");
    for c in caveats {
        let _ = w.write_record(["#", &format!("{label}: {}", c.text(lang))]);
    }
    w.into_inner().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_csv_preamble_is_one_commented_row_per_caveat_in_the_files_language() {
        let caveats = [Caveat::new(
            "Vị trí gần đúng, có thể lệch",
            "Approximate, maybe off",
        )];
        let vi = String::from_utf8(csv_preamble(&caveats, Lang::Vi)).unwrap();
        assert_eq!(vi, "#,\"Lưu ý: Vị trí gần đúng, có thể lệch\"\n");
        let en = String::from_utf8(csv_preamble(&caveats, Lang::En)).unwrap();
        assert_eq!(en, "#,\"Caveat: Approximate, maybe off\"\n");
    }

    #[test]
    fn only_vi_en_or_nothing_is_a_language() {
        assert_eq!(Lang::parse(None), Ok(Lang::Vi));
        assert_eq!(Lang::parse(Some("en")), Ok(Lang::En));
        assert!(Lang::parse(Some("fr")).unwrap_err().contains("fr"));
    }
}

use std::fmt;

use serde::{Deserialize, Serialize};

use super::{FieldError, Level, Record, RecordErrors};

/// A code of the national catalogue of training occupations: seven digits, the first
/// giving the level (5 intermediate, 6 college), the other six naming the occupation the
/// same way at every level (6480201 and 5480201 are both Công nghệ thông tin).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
// Seven ASCII digits inline: a national network holds millions of programmes, and a
// heap-allocated `String` per code tripled their size. Byte order is string order.
pub struct OccupationCode([u8; 7]);

/// Seven digits in the OpenAPI document, as [`OccupationCode::parse`] admits them.
impl utoipa::PartialSchema for OccupationCode {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::Type::String)
            .pattern(Some("^[0-9]{7}$"))
            .description(Some("National training catalogue code: 7 digits"))
            .into()
    }
}

impl utoipa::ToSchema for OccupationCode {}

impl OccupationCode {
    pub fn parse(s: &str) -> Result<Self, FieldError> {
        let s = s.trim();
        if let Ok(digits) = <[u8; 7]>::try_from(s.as_bytes())
            && digits.iter().all(u8::is_ascii_digit)
        {
            Ok(Self(digits))
        } else {
            Err(FieldError::new(
                "occupation_code",
                format!("{s:?} is not a 7-digit national catalogue code"),
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        // Only ASCII digits get in (see `parse`), so this never falls back.
        std::str::from_utf8(&self.0).unwrap_or_default()
    }

    /// The seven digits in four bits each (28 bits, the first digit highest), for packed
    /// records: shifts alone read it back, where a plain number would need divisions on
    /// every read.
    pub fn bcd(&self) -> u32 {
        self.0.iter().fold(0, |n, d| n << 4 | u32::from(d - b'0'))
    }

    /// The code of [`Self::bcd`]; `None` when a nibble is not a digit or bits above the
    /// 28 are set.
    pub fn from_bcd(bcd: u32) -> Option<Self> {
        if bcd >> 28 != 0 {
            return None;
        }
        let mut digits = [0u8; 7];
        for (i, d) in digits.iter_mut().enumerate() {
            let nibble = (bcd >> (4 * (6 - i))) & 0xF;
            if nibble > 9 {
                return None;
            }
            *d = b'0' + nibble as u8;
        }
        Some(Self(digits))
    }

    /// The six digits shared by the same occupation across levels.
    pub fn family(&self) -> &str {
        &self.as_str()[1..]
    }

    pub fn level_digit(&self) -> char {
        self.0[0] as char
    }

    /// Whether this code may name a programme at `level`.
    pub fn fits_level(&self, level: Level) -> bool {
        level
            .catalogue_digit()
            .is_none_or(|d| d == self.level_digit())
    }
}

impl fmt::Display for OccupationCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl TryFrom<String> for OccupationCode {
    type Error = FieldError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}

impl From<OccupationCode> for String {
    fn from(c: OccupationCode) -> Self {
        c.as_str().to_owned()
    }
}

/// An entry of the national catalogue.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Occupation {
    pub code: OccupationCode,
    pub name_vi: String,
    pub name_en: Option<String>,
}

impl Occupation {
    pub const FIELDS: &'static [&'static str] = &["code", "name_vi", "name_en"];

    pub fn from_record(r: &Record) -> Result<Self, RecordErrors> {
        let mut e = RecordErrors::default();
        let code = e.take(
            r.req_str("code")
                .and_then(|s| OccupationCode::parse(&s).map_err(|x| rename(x, "code"))),
        );
        let name_vi = e.take(r.req_str("name_vi"));
        let name_en = e.take(r.opt_str("name_en")).flatten();
        r.check_unknown(&mut e);
        match (code, name_vi) {
            (Some(code), Some(name_vi)) if e.is_empty() => Ok(Occupation {
                code,
                name_vi,
                name_en,
            }),
            _ => Err(e),
        }
    }

    pub fn to_row(&self) -> Vec<String> {
        vec![
            self.code.to_string(),
            self.name_vi.clone(),
            self.name_en.clone().unwrap_or_default(),
        ]
    }
}

/// Reports a newtype's error under the field name the record uses.
pub(crate) fn rename(mut e: FieldError, field: &str) -> FieldError {
    e.field = field.to_owned();
    e
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_has_seven_digits_and_a_level() {
        let c = OccupationCode::parse("6480201").unwrap();
        assert_eq!(c.family(), "480201");
        assert_eq!(c.bcd(), 0x648_0201);
        assert_eq!(OccupationCode::from_bcd(c.bcd()), Some(c.clone()));
        let low = OccupationCode::parse("0000042").unwrap();
        assert_eq!(OccupationCode::from_bcd(low.bcd()), Some(low));
        assert_eq!(OccupationCode::from_bcd(1 << 28), None);
        assert_eq!(OccupationCode::from_bcd(0xA), None);
        assert!(c.fits_level(Level::College));
        assert!(!c.fits_level(Level::Intermediate));
        assert!(c.fits_level(Level::ShortCourse));
        assert!(OccupationCode::parse("648020").is_err());
        assert!(OccupationCode::parse("64802O1").is_err());
    }
}

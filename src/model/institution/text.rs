//! An institution's own text (code, names, address, contacts) in one allocation.
//!
//! Two million institutions held seven text fields each as separate `Box<str>`s: 16
//! bytes in the record per field, and one heap block per present value, each with the
//! allocator's header and rounding. Joined into one shared string with its field ends
//! beside it, the record holds 24 bytes for all seven and the heap one block.
//!
//! The record's id lives in the same block, in front ([`InstitutionText::with_id`]): the
//! block starts with the id's length (one byte; ids are at most 80 ASCII bytes), then
//! the id, then the fields, and the record's [`InstitutionId`] is the same allocation.
//! A separate id cost a block of its own per institution, 48 bytes with the allocator's
//! header and rounding for an 11-byte id.

use std::fmt;

use super::super::{FieldError, SharedText};
use super::InstitutionId;

/// The longest value a text field may hold, in bytes. Generous for a name or an
/// address, and it bounds what one record costs; seven fields together stay within
/// what [`InstitutionText`]'s 16-bit ends address.
pub const MAX_TEXT_BYTES: usize = 4_000;

/// The text fields of an institution, borrowed: what [`InstitutionText`] is made from
/// and reads back as. Change one with struct update syntax:
/// `TextFields { name_vi: "…", ..inst.text.fields() }`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct TextFields<'a> {
    /// Official code (mã cơ sở GDNN) where one is known.
    pub code: Option<&'a str>,
    pub name_vi: &'a str,
    pub name_en: Option<&'a str>,
    pub address: Option<&'a str>,
    pub phone: Option<&'a str>,
    pub email: Option<&'a str>,
    pub website: Option<&'a str>,
}

// The fields' places in the joined text: `new` joins them in this order.
pub(super) const CODE: usize = 0;
pub(super) const NAME_VI: usize = 1;
pub(super) const NAME_EN: usize = 2;
pub(super) const ADDRESS: usize = 3;
pub(super) const PHONE: usize = 4;
pub(super) const EMAIL: usize = 5;
pub(super) const WEBSITE: usize = 6;
const FIELD_COUNT: usize = 7;
const FIELD_NAMES: [&str; FIELD_COUNT] = [
    "code", "name_vi", "name_en", "address", "phone", "email", "website",
];

/// The joined text and where each field ends in it, counted from the end of the id in
/// front. `present` has bit `i` set when field `i` has a value, so an absent field and
/// an empty one stay apart. Two are equal when their fields are, whatever id is in front.
#[derive(Clone)]
pub struct InstitutionText {
    joined: SharedText,
    ends: [u16; FIELD_COUNT],
    present: u8,
}

impl InstitutionText {
    /// The text with no id in front. Fails when a field is longer than
    /// [`MAX_TEXT_BYTES`], naming it.
    pub fn new(fields: TextFields<'_>) -> Result<Self, FieldError> {
        Self::after("", fields)
    }

    /// The id and the text in one block, and the id sharing it: what loaders make each
    /// record's with. Fails when the id is not a slug (field `id`) or a field is too
    /// long.
    pub fn with_id(id: &str, fields: TextFields<'_>) -> Result<(InstitutionId, Self), FieldError> {
        InstitutionId::check(id)?;
        let text = Self::after(id, fields)?;
        Ok((InstitutionId::sharing(text.joined.clone()), text))
    }

    /// `prefix` is an id already checked (at most 80 ASCII bytes) or empty.
    fn after(prefix: &str, fields: TextFields<'_>) -> Result<Self, FieldError> {
        let mut values = [None; FIELD_COUNT];
        values[CODE] = fields.code;
        values[NAME_VI] = Some(fields.name_vi);
        values[NAME_EN] = fields.name_en;
        values[ADDRESS] = fields.address;
        values[PHONE] = fields.phone;
        values[EMAIL] = fields.email;
        values[WEBSITE] = fields.website;
        let mut ends = [0u16; FIELD_COUNT];
        let mut present = 0u8;
        let mut end = 0;
        for (i, value) in values.iter().enumerate() {
            if let Some(s) = value {
                if s.len() > MAX_TEXT_BYTES {
                    return Err(FieldError::new(
                        FIELD_NAMES[i],
                        format!(
                            "is {} bytes long; at most {MAX_TEXT_BYTES} are kept",
                            s.len()
                        ),
                    ));
                }
                end += s.len();
                present |= 1 << i;
            }
            // Seven fields of at most MAX_TEXT_BYTES each fit in a u16.
            ends[i] = u16::try_from(end).unwrap_or(u16::MAX);
        }
        // Joined as a `String` from whole strings, so never checked again as UTF-8
        // (`ArcStr::init_with` checks the bytes it is handed: 2 % of a national start,
        // measured with callgrind), then copied once into the shared allocation.
        // The id's length leads as one byte: ids are checked slugs of at most 80 ASCII
        // bytes, so it is a one-byte character.
        let Ok(prefix_len @ 0..=0x7f) = u8::try_from(prefix.len()) else {
            return Err(FieldError::new("id", "is longer than 127 bytes"));
        };
        let mut buf = String::with_capacity(1 + prefix.len() + end);
        buf.push(char::from(prefix_len));
        buf.push_str(prefix);
        for s in values.iter().flatten() {
            buf.push_str(s);
        }
        let joined = SharedText::from(buf.as_str());
        Ok(Self {
            joined,
            ends,
            present,
        })
    }

    pub fn fields(&self) -> TextFields<'_> {
        TextFields {
            code: self.get(CODE),
            name_vi: self.get(NAME_VI).unwrap_or_default(),
            name_en: self.get(NAME_EN),
            address: self.get(ADDRESS),
            phone: self.get(PHONE),
            email: self.get(EMAIL),
            website: self.get(WEBSITE),
        }
    }

    pub(super) fn get(&self, i: usize) -> Option<&str> {
        if self.present & (1 << i) == 0 {
            return None;
        }
        let base = 1 + id_in_front(&self.joined).len();
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        self.joined
            .get(base + usize::from(start)..base + usize::from(self.ends[i]))
    }
}

/// The id in front of a block (empty in a text made without one).
pub(super) fn id_in_front(block: &str) -> &str {
    let len = usize::from(block.as_bytes().first().copied().unwrap_or(0));
    block.get(1..1 + len).unwrap_or_default()
}

/// A block that holds `id` (already checked) alone, laid out as
/// [`InstitutionText::with_id`] puts it in front of the fields.
pub(super) fn id_alone(id: &str) -> SharedText {
    InstitutionText::after(id, TextFields::default())
        .map(|text| text.joined)
        .unwrap_or_else(|_| unreachable!("empty fields are never too long"))
}

impl PartialEq for InstitutionText {
    fn eq(&self, other: &Self) -> bool {
        self.fields() == other.fields()
    }
}

impl Eq for InstitutionText {}

impl std::hash::Hash for InstitutionText {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.fields().hash(state);
    }
}

impl fmt::Debug for InstitutionText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.fields().fmt(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_come_back_as_they_went_in_absent_and_empty_apart() {
        let fields = TextFields {
            name_vi: "Trường Cao đẳng Nghề Trà Vinh",
            name_en: Some(""),
            phone: Some("0294 3855 246"),
            website: Some("https://tvc.edu.vn"),
            ..TextFields::default()
        };
        let text = InstitutionText::new(fields).unwrap();
        assert_eq!(text.fields(), fields);
        assert_eq!(text.fields().code, None);
        let renamed = InstitutionText::new(TextFields {
            name_vi: "Đổi tên",
            ..text.fields()
        })
        .unwrap();
        assert_eq!(renamed.fields().name_vi, "Đổi tên");
        assert_eq!(renamed.fields().website, fields.website);
    }

    #[test]
    fn a_field_longer_than_the_limit_is_refused_by_name() {
        let long = "ấ".repeat(MAX_TEXT_BYTES / 3 + 1);
        let err = InstitutionText::new(TextFields {
            name_vi: "x",
            address: Some(&long),
            ..TextFields::default()
        })
        .unwrap_err();
        assert_eq!(err.field, "address");
        let longest = "a".repeat(MAX_TEXT_BYTES);
        let all = InstitutionText::new(TextFields {
            code: Some(&longest),
            name_vi: &longest,
            name_en: Some(&longest),
            address: Some(&longest),
            phone: Some(&longest),
            email: Some(&longest),
            website: Some(&longest),
        })
        .unwrap();
        assert_eq!(all.fields().website.map(str::len), Some(MAX_TEXT_BYTES));
    }

    #[test]
    fn the_id_shares_the_block_and_reads_back_apart_from_the_fields() {
        let fields = TextFields {
            code: Some("tv-01"),
            name_vi: "Trường Trung cấp Văn hóa Nghệ thuật",
            email: Some(""),
            ..TextFields::default()
        };
        let (id, text) = InstitutionText::with_id("tc-van-hoa", fields).unwrap();
        assert_eq!(id.as_str(), "tc-van-hoa");
        assert_eq!(text.fields(), fields);
        assert_eq!(
            text,
            InstitutionText::new(fields).unwrap(),
            "equal by fields"
        );
        assert_eq!(
            id,
            crate::model::InstitutionId::parse("tc-van-hoa").unwrap()
        );
        assert!(std::ptr::eq(
            id.as_str().as_ptr(),
            text.joined.as_ptr().wrapping_add(1)
        ));
        let err = InstitutionText::with_id("Not a slug", fields).unwrap_err();
        assert_eq!(err.field, "id");
        let longest = "a".repeat(80);
        let (id, text) = InstitutionText::with_id(&longest, fields).unwrap();
        assert_eq!((id.as_str(), text.fields()), (longest.as_str(), fields));
    }

    #[test]
    fn the_record_holds_24_bytes_for_all_seven_fields() {
        assert_eq!(size_of::<InstitutionText>(), 24);
    }
}

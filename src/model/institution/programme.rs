//! A licensed programme in 16 bytes: its name (shared) and one word that packs the
//! catalogue code (a digit in four bits), the level and the annual quota.
//!
//! Two million institutions hold about nine million programmes. As plain fields (a
//! seven-byte code, a level, an `Option<u32>` quota and the name's pointer) each took 24
//! bytes; packed, 16. The fields are read through methods, and JSON and the OpenAPI
//! document keep the plain shape ([`ProgrammeFields`]).

use serde::{Deserialize, Serialize, Serializer};
use strum::IntoEnumIterator;

use super::super::{Level, OccupationCode, SharedText};

/// One licensed training programme. The licensed name may add a qualifier to the
/// catalogue name, so code and name are kept apart.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Programme {
    occupation_name: SharedText,
    /// Bits 0–27: the code's digits ([`OccupationCode::bcd`]); 28–29: the level's place
    /// in [`Level`]'s order; 31: a quota is known; 32–63: the quota.
    packed: u64,
}

const CODE_BITS: u64 = (1 << 28) - 1;
const LEVEL_SHIFT: u32 = 28;
const LEVEL_BITS: u64 = 0b11;
const HAS_QUOTA: u64 = 1 << 31;
const QUOTA_SHIFT: u32 = 32;

impl Programme {
    pub fn new(
        occupation_code: OccupationCode,
        occupation_name: SharedText,
        level: Level,
        annual_quota: Option<u32>,
    ) -> Self {
        let mut p = Self {
            occupation_name,
            packed: u64::from(occupation_code.bcd()) | (level as u64) << LEVEL_SHIFT,
        };
        p.set_annual_quota(annual_quota);
        p
    }

    pub fn occupation_code(&self) -> OccupationCode {
        // Only a code's digits are ever packed.
        OccupationCode::from_bcd((self.packed & CODE_BITS) as u32)
            .unwrap_or_else(|| unreachable!("a packed code has seven digits"))
    }

    /// Shared between the programmes that repeat it (see [`crate::model::Interner`]).
    pub fn occupation_name(&self) -> &SharedText {
        &self.occupation_name
    }

    pub fn set_occupation_name(&mut self, name: SharedText) {
        self.occupation_name = name;
    }

    pub fn level(&self) -> Level {
        let place = ((self.packed >> LEVEL_SHIFT) & LEVEL_BITS) as usize;
        Level::iter()
            .nth(place)
            .unwrap_or_else(|| unreachable!("a packed level is one of Level's"))
    }

    pub fn annual_quota(&self) -> Option<u32> {
        (self.packed & HAS_QUOTA != 0).then_some((self.packed >> QUOTA_SHIFT) as u32)
    }

    pub fn set_annual_quota(&mut self, quota: Option<u32>) {
        let rest = self.packed & (CODE_BITS | LEVEL_BITS << LEVEL_SHIFT);
        self.packed = match quota {
            Some(q) => rest | HAS_QUOTA | u64::from(q) << QUOTA_SHIFT,
            None => rest,
        };
    }

    /// The plain fields, borrowing the name.
    fn out(&self) -> ProgrammeOut<'_> {
        ProgrammeOut {
            occupation_code: self.occupation_code(),
            occupation_name: &self.occupation_name,
            level: self.level(),
            annual_quota: self.annual_quota(),
        }
    }
}

impl std::fmt::Debug for Programme {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Programme")
            .field("occupation_code", &self.occupation_code())
            .field("occupation_name", &self.occupation_name)
            .field("level", &self.level())
            .field("annual_quota", &self.annual_quota())
            .finish()
    }
}

// A programme as exchanged, and its schema (named `Programme`); the doc comment is the
// schema's description, as it was before the packing.
/// One licensed training programme. The licensed name may add a qualifier to the
/// catalogue name, so code and name are kept apart.
#[derive(Deserialize, utoipa::ToSchema)]
#[schema(as = Programme)]
pub struct ProgrammeFields {
    pub occupation_code: OccupationCode,
    /// Shared between the programmes that repeat it (see [`crate::model::Interner`]).
    #[schema(value_type = String)]
    pub occupation_name: SharedText,
    pub level: Level,
    pub annual_quota: Option<u32>,
}

#[derive(Serialize)]
struct ProgrammeOut<'a> {
    occupation_code: OccupationCode,
    occupation_name: &'a SharedText,
    level: Level,
    annual_quota: Option<u32>,
}

impl Serialize for Programme {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.out().serialize(s)
    }
}

impl<'de> Deserialize<'de> for Programme {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let f = ProgrammeFields::deserialize(d)?;
        Ok(Programme::new(
            f.occupation_code,
            f.occupation_name,
            f.level,
            f.annual_quota,
        ))
    }
}

impl utoipa::PartialSchema for Programme {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        <ProgrammeFields as utoipa::PartialSchema>::schema()
    }
}

impl utoipa::ToSchema for Programme {
    fn name() -> std::borrow::Cow<'static, str> {
        <ProgrammeFields as utoipa::ToSchema>::name()
    }

    fn schemas(
        schemas: &mut Vec<(
            String,
            utoipa::openapi::RefOr<utoipa::openapi::schema::Schema>,
        )>,
    ) {
        <ProgrammeFields as utoipa::ToSchema>::schemas(schemas)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_field_comes_back_as_it_went_in() {
        for level in Level::iter() {
            for quota in [None, Some(0), Some(35), Some(u32::MAX)] {
                for code in ["0000000", "6480201", "9999999"] {
                    let code = OccupationCode::parse(code).unwrap();
                    let p = Programme::new(code.clone(), "Tin học".into(), level, quota);
                    assert_eq!(p.occupation_code(), code);
                    assert_eq!(p.level(), level);
                    assert_eq!(p.annual_quota(), quota);
                    assert_eq!(p.occupation_name().as_str(), "Tin học");
                    let mut q = p.clone();
                    q.set_annual_quota(Some(7));
                    assert_eq!((q.annual_quota(), q.level()), (Some(7), level));
                    assert_eq!(q.occupation_code(), code);
                }
            }
        }
        assert_eq!(size_of::<Programme>(), 16);
        assert!(Level::iter().count() <= 4, "levels are packed in two bits");
    }

    #[test]
    fn json_keeps_the_plain_shape() {
        let code = OccupationCode::parse("5480201").unwrap();
        let p = Programme::new(code, "Tin học ứng dụng".into(), Level::Intermediate, None);
        let json = serde_json::to_value(&p).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"occupation_code": "5480201", "occupation_name": "Tin học ứng dụng",
                               "level": "intermediate", "annual_quota": null})
        );
        assert_eq!(serde_json::from_value::<Programme>(json).unwrap(), p);
    }
}

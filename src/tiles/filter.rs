//! Which institutions a filtered `institutions` tile shows.

use std::fmt;

use crate::model::{Institution, InstitutionKind, Level, OccupationCode, Ownership};

/// A validated filter. Its [`fmt::Display`] form is canonical (fixed order), so it keys
/// caches and ETags and rebuilds the query string of TileJSON `tiles` URLs.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct InstitutionFilter {
    pub kind: Option<InstitutionKind>,
    pub ownership: Option<Ownership>,
    pub level: Option<Level>,
    /// An institution matches when it has a programme in this occupation (and at
    /// `level`, when both are given).
    pub occupation: Option<OccupationCode>,
}

impl InstitutionFilter {
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }

    pub fn matches(&self, i: &Institution) -> bool {
        self.kind.is_none_or(|k| i.kind == k)
            && self.ownership.is_none_or(|o| i.ownership == o)
            && (self.level.is_none() && self.occupation.is_none()
                || i.programmes.iter().any(|p| {
                    self.level.is_none_or(|l| p.level() == l)
                        && self
                            .occupation
                            .as_ref()
                            .is_none_or(|c| p.occupation_code() == *c)
                }))
    }
}

impl fmt::Display for InstitutionFilter {
    /// `kind=college&level=intermediate`, empty when there is no filter. Values are
    /// closed vocabularies and digits: nothing to escape.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts = [
            ("kind", self.kind.map(|k| k.as_str().to_owned())),
            ("ownership", self.ownership.map(|o| o.as_str().to_owned())),
            ("level", self.level.map(|l| l.as_str().to_owned())),
            (
                "occupation",
                self.occupation.as_ref().map(|c| c.to_string()),
            ),
        ];
        let mut first = true;
        for (k, v) in parts {
            if let Some(v) = v {
                if !first {
                    f.write_str("&")?;
                }
                write!(f, "{k}={v}")?;
                first = false;
            }
        }
        Ok(())
    }
}

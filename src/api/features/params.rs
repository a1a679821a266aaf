//! The query string of the features endpoints, checked strictly: an unknown or repeated
//! parameter is a 400 naming it (a misspelt filter that is silently ignored returns the
//! wrong data), and every value is parsed into its domain type here, at the edge.

use crate::error::ApiError;
use crate::features::{Field, Filter, FilterLang, SortKey, TimeRange};
use crate::model::Bbox;

/// Features per page when `limit` is not given, and the most one page holds. A larger
/// `limit` is served as the maximum (as OGC API – Features recommends), not refused.
pub const DEFAULT_LIMIT: usize = 100;
pub const MAX_LIMIT: usize = 1000;

/// The only coordinate reference system we serve.
pub const CRS84: &str = "http://www.opengis.net/def/crs/OGC/1.3/CRS84";

/// Parameters every items request may carry.
pub const COMMON: &[&str] = &[
    "f",
    "bbox",
    "bbox-crs",
    "crs",
    "limit",
    "offset",
    "datetime",
    "properties",
    "sortby",
    "q",
    "filter",
    "filter-lang",
    "filter-crs",
];

pub struct Params {
    pairs: Vec<(String, String)>,
}

impl Params {
    /// Checks names against `COMMON` plus `extra`; `allowed_only` restricts to exactly
    /// the given list instead (single resources take only `f`).
    pub fn new(pairs: Vec<(String, String)>, allowed: &[&[&str]]) -> Result<Self, ApiError> {
        let known = |n: &str| allowed.iter().any(|list| list.contains(&n));
        for (n, (name, _)) in pairs.iter().enumerate() {
            if !known(name) {
                return Err(ApiError::bad_parameter(
                    name.clone(),
                    format!(
                        "unknown parameter {name:?}; this endpoint takes: {}",
                        allowed
                            .iter()
                            .flat_map(|l| l.iter())
                            .copied()
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                ));
            }
            if pairs[..n].iter().any(|(other, _)| other == name) {
                return Err(ApiError::bad_parameter(
                    name.clone(),
                    format!(
                        "{name} is given more than once; give it once (lists are comma-separated)"
                    ),
                ));
            }
        }
        Ok(Self { pairs })
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn pairs(&self) -> &[(String, String)] {
        &self.pairs
    }

    /// A comma-separated list of values of a vocabulary (`kind=college,university`).
    pub fn list<T: crate::model::Vocabulary + PartialEq>(
        &self,
        name: &str,
    ) -> Result<Vec<T>, ApiError> {
        crate::api::edge::params::vocabulary_list(name, self.get(name))
    }

    /// A non-empty text value.
    pub fn text(&self, name: &str) -> Result<Option<String>, ApiError> {
        match self.get(name) {
            None => Ok(None),
            Some(v) if v.trim().is_empty() => {
                Err(ApiError::bad_parameter(name, format!("{name} is empty")))
            }
            Some(v) => Ok(Some(v.trim().to_owned())),
        }
    }

    /// Free text to look for (`q`), bounded like search's.
    pub fn search_text(&self, name: &str) -> Result<Option<String>, ApiError> {
        crate::api::edge::params::search_text(name, self.get(name)).map(|v| v.map(str::to_owned))
    }

    pub fn boolean(&self, name: &str) -> Result<Option<bool>, ApiError> {
        match self.get(name) {
            None => Ok(None),
            Some("true") => Ok(Some(true)),
            Some("false") => Ok(Some(false)),
            Some(v) => Err(ApiError::bad_parameter(
                name,
                format!("{name} is true or false, got {v:?}"),
            )),
        }
    }

    pub fn bbox(&self) -> Result<Option<Bbox>, ApiError> {
        self.crs("bbox-crs")?;
        self.get("bbox")
            .map(|v| Bbox::parse(v).map_err(ApiError::from))
            .transpose()
    }

    /// Only CRS84 is served; naming it is allowed, anything else is refused.
    pub fn crs(&self, name: &str) -> Result<(), ApiError> {
        match self.get(name) {
            None => Ok(()),
            Some(v) if v == CRS84 || v == "CRS84" => Ok(()),
            Some(v) => Err(ApiError::bad_parameter(
                name,
                format!("{v:?} is not supported; the only CRS is {CRS84}"),
            )),
        }
    }

    pub fn page(&self) -> Result<Page, ApiError> {
        let number = |name: &str, min: usize| -> Result<Option<usize>, ApiError> {
            self.get(name)
                .map(|v| match v.parse::<usize>() {
                    Ok(n) if n >= min => Ok(n),
                    _ => Err(ApiError::bad_parameter(
                        name,
                        format!("{name} must be a whole number of at least {min}, got {v:?}"),
                    )),
                })
                .transpose()
        };
        let limit = number("limit", 1)?.unwrap_or(DEFAULT_LIMIT).min(MAX_LIMIT);
        let offset = number("offset", 0)?.unwrap_or(0);
        Ok(Page { limit, offset })
    }

    pub fn datetime(&self) -> Result<Option<TimeRange>, ApiError> {
        self.get("datetime")
            .map(|v| TimeRange::parse(v).map_err(|m| ApiError::bad_parameter("datetime", m)))
            .transpose()
    }

    pub fn sortby(&self, fields: &[Field]) -> Result<Vec<SortKey>, ApiError> {
        self.get("sortby")
            .map(|v| {
                SortKey::parse_list(v, fields).map_err(|m| ApiError::bad_parameter("sortby", m))
            })
            .transpose()
            .map(Option::unwrap_or_default)
    }

    pub fn filter(&self, fields: &[Field]) -> Result<Option<Filter>, ApiError> {
        self.crs("filter-crs")?;
        let lang = match self.get("filter-lang") {
            None => FilterLang::Cql2Text,
            Some(l) => FilterLang::parse(l).ok_or_else(|| {
                ApiError::bad_parameter(
                    "filter-lang",
                    format!("{l:?} is not supported; use cql2-text or cql2-json"),
                )
            })?,
        };
        self.get("filter")
            .map(|f| {
                Filter::parse(f, lang, fields)
                    .map_err(|e| ApiError::bad_parameter("filter", e.to_string()))
            })
            .transpose()
    }

    /// `properties=a,b`: which properties to include (all when absent); every name must
    /// be one the collection has.
    pub fn properties(&self, known: &[&str]) -> Result<Option<Vec<String>>, ApiError> {
        let Some(v) = self.get("properties") else {
            return Ok(None);
        };
        let mut names: Vec<String> = Vec::new();
        for n in v.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            if !known.contains(&n) {
                let n: String = n.chars().take(40).collect();
                return Err(ApiError::bad_parameter(
                    "properties",
                    format!("unknown property {n:?}; properties: {}", known.join(", ")),
                ));
            }
            // Each name once: the list can be no longer than the collection's.
            if names.iter().any(|have| have == n) {
                return Err(ApiError::bad_parameter(
                    "properties",
                    format!("properties names {n} more than once"),
                ));
            }
            names.push(n.to_owned());
        }
        Ok(Some(names))
    }
}

#[derive(Debug, Clone, Copy)]
pub struct Page {
    pub limit: usize,
    pub offset: usize,
}

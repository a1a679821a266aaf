//! Parsing query parameters into domain values, with messages that name the parameter
//! and say what was wrong. Every resource parses its parameters with these, so a value
//! means the same everywhere. Parameters arrive as text so that "abc", "NaN" and a
//! missing value each get their own clear answer.

use crate::error::ApiError;
use crate::model::{LonLat, Vocabulary};

/// A required point from `lon` and `lat`.
pub fn point(lon: Option<&str>, lat: Option<&str>) -> Result<LonLat, ApiError> {
    let lon = number("lon", lon)?.ok_or_else(|| missing("lon", "a longitude, -180 to 180"))?;
    let lat = number("lat", lat)?.ok_or_else(|| missing("lat", "a latitude, -90 to 90"))?;
    Ok(LonLat::new(lon, lat)?)
}

/// An optional point: both or neither of `lon` and `lat`.
pub fn optional_point(lon: Option<&str>, lat: Option<&str>) -> Result<Option<LonLat>, ApiError> {
    match (lon, lat) {
        (None, None) => Ok(None),
        (Some(_), None) => Err(missing("lat", "lat goes with lon")),
        (None, Some(_)) => Err(missing("lon", "lon goes with lat")),
        _ => point(lon, lat).map(Some),
    }
}

fn missing(parameter: &str, what: &str) -> ApiError {
    ApiError::bad_parameter(parameter, format!("{parameter} is required: {what}"))
}

/// A finite number, if given.
pub fn number(parameter: &str, v: Option<&str>) -> Result<Option<f64>, ApiError> {
    let Some(v) = v else { return Ok(None) };
    match v.trim().parse::<f64>() {
        Ok(x) if x.is_finite() => Ok(Some(x)),
        _ => Err(ApiError::bad_parameter(
            parameter,
            format!("{parameter} must be a finite number, got {v:?}"),
        )),
    }
}

/// `limit`: from 1 to `max`, `default` when absent.
pub fn limit(v: Option<&str>, default: usize, max: usize) -> Result<usize, ApiError> {
    let Some(v) = v else { return Ok(default) };
    match v.trim().parse::<usize>() {
        Ok(n) if (1..=max).contains(&n) => Ok(n),
        _ => Err(ApiError::bad_parameter(
            "limit",
            format!("limit must be a whole number from 1 to {max}, got {v:?}"),
        )),
    }
}

/// One value of a closed vocabulary, if given (an empty value counts as not given).
pub fn vocabulary<T: Vocabulary>(parameter: &str, v: Option<&str>) -> Result<Option<T>, ApiError> {
    let Some(v) = v.map(str::trim).filter(|v| !v.is_empty()) else {
        return Ok(None);
    };
    parse_one(parameter, v).map(Some)
}

/// Comma-separated alternatives of a closed vocabulary (`kind=college,university`);
/// empty when not given.
pub fn vocabulary_list<T: Vocabulary>(
    parameter: &str,
    v: Option<&str>,
) -> Result<Vec<T>, ApiError> {
    let Some(v) = v else { return Ok(Vec::new()) };
    v.split(',')
        .map(|s| parse_one(parameter, s.trim()))
        .collect()
}

fn parse_one<T: Vocabulary>(parameter: &str, v: &str) -> Result<T, ApiError> {
    v.parse().map_err(|_| {
        ApiError::bad_parameter(
            parameter,
            format!(
                "{parameter} must be one of: {}; got {v:?}",
                T::ALLOWED.trim()
            ),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_bad_value_names_its_parameter() {
        let param = |e: ApiError| match e {
            ApiError::BadRequest { parameter, .. } => parameter,
            _ => None,
        };
        assert_eq!(
            param(point(None, Some("9")).unwrap_err()).as_deref(),
            Some("lon")
        );
        assert_eq!(
            param(point(Some("NaN"), Some("9")).unwrap_err()).as_deref(),
            Some("lon")
        );
        assert_eq!(
            param(point(Some("106"), Some("91")).unwrap_err()).as_deref(),
            Some("lat")
        );
        assert_eq!(
            param(limit(Some("0"), 10, 50).unwrap_err()).as_deref(),
            Some("limit")
        );
        assert_eq!(
            param(limit(Some("51"), 10, 50).unwrap_err()).as_deref(),
            Some("limit")
        );
        assert_eq!(limit(None, 10, 50).unwrap(), 10);
        assert!(optional_point(None, None).unwrap().is_none());
        assert_eq!(
            param(optional_point(Some("106"), None).unwrap_err()).as_deref(),
            Some("lat")
        );
    }
}

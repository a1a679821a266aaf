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

/// Free text to search for, if given: trimmed, not blank, at most
/// [`MAX_QUERY_CHARS`](crate::search::MAX_QUERY_CHARS) characters, with a letter or digit
/// to look for.
pub fn search_text<'a>(parameter: &str, v: Option<&'a str>) -> Result<Option<&'a str>, ApiError> {
    let Some(v) = v.map(str::trim) else {
        return Ok(None);
    };
    let max = crate::search::MAX_QUERY_CHARS;
    if v.is_empty() {
        return Err(ApiError::bad_parameter(
            parameter,
            format!("{parameter} is empty: give the text to search for"),
        ));
    }
    if v.chars().nth(max).is_some() {
        return Err(ApiError::bad_parameter(
            parameter,
            format!("{parameter} is longer than {max} characters"),
        ));
    }
    if !v.chars().any(char::is_alphanumeric) {
        return Err(ApiError::bad_parameter(
            parameter,
            format!("{parameter} has no letters or digits to search for"),
        ));
    }
    Ok(Some(v))
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
/// empty when not given. A repeated value is kept once, so the list is never longer
/// than the vocabulary however long the parameter.
pub fn vocabulary_list<T: Vocabulary + PartialEq>(
    parameter: &str,
    v: Option<&str>,
) -> Result<Vec<T>, ApiError> {
    let Some(v) = v else { return Ok(Vec::new()) };
    let mut out: Vec<T> = Vec::new();
    for s in v.split(',') {
        let value = parse_one(parameter, s.trim())?;
        if !out.contains(&value) {
            out.push(value);
        }
    }
    Ok(out)
}

fn parse_one<T: Vocabulary>(parameter: &str, v: &str) -> Result<T, ApiError> {
    v.parse().map_err(|_| {
        let v: String = v.chars().take(40).collect();
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

    #[test]
    fn a_vocabulary_list_keeps_each_value_once() {
        use crate::model::InstitutionKind;
        let long = vec!["college"; 10_000].join(",");
        let kinds: Vec<InstitutionKind> = vocabulary_list("kind", Some(&long)).unwrap();
        assert_eq!(kinds.len(), 1);
    }

    #[test]
    fn search_text_is_bounded_in_characters_not_bytes() {
        let max = crate::search::MAX_QUERY_CHARS;
        // Vietnamese letters are 2-3 bytes: the limit counts characters.
        let at = "ề".repeat(max);
        assert_eq!(search_text("q", Some(&at)).unwrap(), Some(at.as_str()));
        let over = "ề".repeat(max + 1);
        let e = search_text("q", Some(&over)).unwrap_err();
        assert!(e.to_string().contains(&max.to_string()));
        assert!(search_text("q", Some("  ,;  ")).is_err());
        assert!(search_text("q", Some("   ")).is_err());
        assert_eq!(search_text("q", Some(" cầu kè ")).unwrap(), Some("cầu kè"));
        assert_eq!(search_text("q", None).unwrap(), None);
    }
}

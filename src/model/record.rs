//! A loose input record: a CSV row or the properties of a GeoJSON feature, seen as one
//! JSON object. Getters accept both typed JSON (`true`, `12`) and the text a CSV cell
//! holds (`"true"`, `"12"`); empty text counts as absent. Fields nobody asked for are
//! reported by [`Record::unknown_fields`], so a misspelt column is an error, not a
//! silent loss.

use std::cell::RefCell;
use std::collections::BTreeSet;
use std::str::FromStr;

use serde_json::{Map, Value};
use unicode_normalization::UnicodeNormalization;

use super::FieldError;

#[derive(Debug)]
pub struct Record {
    fields: Map<String, Value>,
    read: RefCell<BTreeSet<String>>,
}

impl Record {
    pub fn new(fields: Map<String, Value>) -> Self {
        Self {
            fields,
            read: RefCell::new(BTreeSet::new()),
        }
    }

    /// A CSV row: header names to cell text, empty cells absent.
    pub fn from_csv(headers: &csv::StringRecord, row: &csv::StringRecord) -> Self {
        let fields = headers
            .iter()
            .zip(row.iter())
            .map(|(h, v)| {
                let v = v.trim();
                let value = if v.is_empty() {
                    Value::Null
                } else {
                    Value::String(v.to_owned())
                };
                (h.trim().to_owned(), value)
            })
            .collect();
        Self::new(fields)
    }

    pub fn into_fields(self) -> Map<String, Value> {
        self.fields
    }

    pub fn clone_fields(&self) -> Map<String, Value> {
        self.fields.clone()
    }

    fn raw(&self, field: &str) -> Option<&Value> {
        self.read.borrow_mut().insert(field.to_owned());
        match self.fields.get(field) {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) if s.trim().is_empty() => None,
            Some(v) => Some(v),
        }
    }

    /// Takes the whole value of a field (for nested data such as programmes).
    pub fn value(&self, field: &str) -> Option<&Value> {
        self.raw(field)
    }

    pub fn opt_str(&self, field: &str) -> Result<Option<String>, FieldError> {
        match self.raw(field) {
            None => Ok(None),
            // Vietnamese arrives composed or decomposed (NFD from some editors and
            // systems); stored text is NFC, so equal names are equal bytes everywhere.
            Some(Value::String(s)) => Ok(Some(s.trim().nfc().collect())),
            Some(Value::Number(n)) => Ok(Some(n.to_string())),
            Some(other) => Err(FieldError::new(
                field,
                format!("expected text, got {}", kind_of(other)),
            )),
        }
    }

    pub fn req_str(&self, field: &str) -> Result<String, FieldError> {
        self.opt_str(field)?
            .ok_or_else(|| FieldError::new(field, "is required"))
    }

    pub fn opt_f64(&self, field: &str) -> Result<Option<f64>, FieldError> {
        let n = match self.raw(field) {
            None => return Ok(None),
            Some(Value::Number(n)) => n.as_f64(),
            Some(Value::String(s)) => s.trim().parse::<f64>().ok(),
            Some(_) => None,
        };
        match n {
            Some(n) if n.is_finite() => Ok(Some(n)),
            _ => Err(FieldError::new(field, "expected a finite number")),
        }
    }

    pub fn req_f64(&self, field: &str) -> Result<f64, FieldError> {
        self.opt_f64(field)?
            .ok_or_else(|| FieldError::new(field, "is required"))
    }

    pub fn opt_u32(&self, field: &str) -> Result<Option<u32>, FieldError> {
        match self.opt_f64(field)? {
            None => Ok(None),
            Some(n) if n >= 0.0 && n.fract() == 0.0 && n <= f64::from(u32::MAX) => {
                Ok(Some(n as u32))
            }
            Some(n) => Err(FieldError::new(
                field,
                format!("expected a whole number of at least 0, got {n}"),
            )),
        }
    }

    pub fn opt_bool(&self, field: &str) -> Result<Option<bool>, FieldError> {
        match self.raw(field) {
            None => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(Value::String(s)) => match s.trim().to_ascii_lowercase().as_str() {
                "true" | "1" | "yes" => Ok(Some(true)),
                "false" | "0" | "no" => Ok(Some(false)),
                other => Err(FieldError::new(
                    field,
                    format!("expected true or false, got {other:?}"),
                )),
            },
            Some(other) => Err(FieldError::new(
                field,
                format!("expected true or false, got {}", kind_of(other)),
            )),
        }
    }

    /// Parses a required field with `FromStr`, naming the allowed values on failure.
    pub fn req_parse<T: FromStr>(&self, field: &str, allowed: &str) -> Result<T, FieldError> {
        let s = self.req_str(field)?;
        s.parse()
            .map_err(|_| FieldError::new(field, format!("{s:?} is not one of: {allowed}")))
    }

    pub fn opt_parse<T: FromStr>(
        &self,
        field: &str,
        allowed: &str,
    ) -> Result<Option<T>, FieldError> {
        match self.opt_str(field)? {
            None => Ok(None),
            Some(s) => s
                .parse()
                .map(Some)
                .map_err(|_| FieldError::new(field, format!("{s:?} is not one of: {allowed}"))),
        }
    }

    /// Fields present in the input that no parser asked for.
    pub fn unknown_fields(&self) -> Vec<String> {
        let read = self.read.borrow();
        self.fields
            .keys()
            .filter(|k| !read.contains(*k))
            .cloned()
            .collect()
    }

    /// Adds an error for every field present that nothing read.
    pub fn check_unknown(&self, errors: &mut super::RecordErrors) {
        for f in self.unknown_fields() {
            errors.push(f, "unknown field");
        }
    }
}

fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "text",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn rec(v: Value) -> Record {
        match v {
            Value::Object(m) => Record::new(m),
            _ => unreachable!(),
        }
    }

    #[test]
    fn text_is_stored_composed_whatever_form_it_arrives_in() {
        let composed = "Trường Cao đẳng Nghề Trà Vinh";
        let decomposed: String = composed.nfd().collect();
        assert_ne!(decomposed, composed);
        let mut m = Map::new();
        m.insert("name_vi".into(), Value::String(format!(" {decomposed} ")));
        let r = Record::new(m);
        assert_eq!(r.req_str("name_vi").unwrap(), composed);
    }

    #[test]
    fn reads_csv_text_and_json_types_alike() {
        let r = rec(json!({"a": "true", "b": true, "n": "12", "m": 12, "e": ""}));
        assert_eq!(r.opt_bool("a").unwrap(), Some(true));
        assert_eq!(r.opt_bool("b").unwrap(), Some(true));
        assert_eq!(r.opt_u32("n").unwrap(), Some(12));
        assert_eq!(r.opt_u32("m").unwrap(), Some(12));
        assert_eq!(r.opt_str("e").unwrap(), None);
        assert!(r.req_str("e").is_err());
    }

    #[test]
    fn reports_fields_that_nothing_read() {
        let r = rec(json!({"name": "x", "nmae": "y"}));
        let _ = r.opt_str("name");
        assert_eq!(r.unknown_fields(), vec!["nmae".to_owned()]);
    }

    #[test]
    fn rejects_negative_and_fractional_counts() {
        let r = rec(json!({"a": -1, "b": "2.5"}));
        assert!(r.opt_u32("a").is_err());
        assert!(r.opt_u32("b").is_err());
    }
}

//! What a write changed, field by field, for the history: `{"field": {"before", "after"}}`
//! over an institution's exchanged record (the same names as its files and its API), with
//! its programmes as one field.

use serde_json::{Map, Value, json};

use super::{Institution, Programme};

/// The per-field changes from `before` to `after` (`None`: did not exist / no longer
/// exists). `updated_at` moves on every write and says nothing: it is left out.
pub fn institution_changes(
    before: Option<&Institution>,
    after: Option<&Institution>,
) -> Map<String, Value> {
    let flat = |i: Option<&Institution>| -> Map<String, Value> {
        let Some(i) = i else { return Map::new() };
        let mut m = i.to_flat();
        m.remove("updated_at");
        m.insert(
            "programmes".into(),
            Value::Array(i.programmes.iter().map(Programme::to_json).collect()),
        );
        m
    };
    let (b, a) = (flat(before), flat(after));
    let mut changes = Map::new();
    for key in b.keys().chain(a.keys()) {
        if changes.contains_key(key) {
            continue;
        }
        let (vb, va) = (
            b.get(key).unwrap_or(&Value::Null),
            a.get(key).unwrap_or(&Value::Null),
        );
        if vb != va {
            changes.insert(key.clone(), json!({"before": vb, "after": va}));
        }
    }
    changes
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{PositionAccuracy, Record};

    fn sample() -> Institution {
        let v = json!({
            "id": "cd-x", "name_vi": "Trường Cao đẳng X", "kind": "college",
            "ownership": "public", "lon": 106.3, "lat": 9.9, "position_accuracy": "town",
            "source": "test", "updated_at": "2026-01-01T00:00:00Z",
            "programmes": [{"occupation_code": "6480201", "occupation_name": "Công nghệ thông tin",
                            "level": "college", "annual_quota": 40}]
        });
        let Value::Object(m) = v else { unreachable!() };
        Institution::from_record(&Record::new(m)).unwrap()
    }

    #[test]
    fn only_changed_fields_appear_with_before_and_after() {
        let before = sample();
        let mut after = before.clone();
        after.set_name_vi("Trường Cao đẳng Y").unwrap();
        after.position_accuracy = PositionAccuracy::Surveyed;
        after.updated_at = chrono::Utc::now();
        after.programmes[0].set_annual_quota(Some(50));
        let c = institution_changes(Some(&before), Some(&after));
        let keys: Vec<&str> = c.keys().map(String::as_str).collect();
        assert_eq!(keys, ["name_vi", "position_accuracy", "programmes"]);
        assert_eq!(c["name_vi"]["before"], "Trường Cao đẳng X");
        assert_eq!(c["name_vi"]["after"], "Trường Cao đẳng Y");
        assert_eq!(c["programmes"]["after"][0]["annual_quota"], 50);
        assert!(institution_changes(Some(&before), Some(&before)).is_empty());
    }

    #[test]
    fn a_creation_lists_every_set_field_from_null() {
        let c = institution_changes(None, Some(&sample()));
        assert_eq!(c["id"]["before"], Value::Null);
        assert_eq!(c["id"]["after"], "cd-x");
        assert!(!c.contains_key("name_en"), "null to null is no change");
    }
}

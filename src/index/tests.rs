use super::*;
use crate::model::{Institution, Record};
use serde_json::json;

fn institution(id: &str, lon: f64, lat: f64) -> Institution {
    let v = json!({
        "id": id, "name_vi": format!("Cơ sở {id}"), "kind": "college", "ownership": "public",
        "lon": lon, "lat": lat, "position_accuracy": "town", "source": "test",
        "updated_at": "2026-01-01T00:00:00Z"
    });
    let serde_json::Value::Object(m) = v else {
        unreachable!()
    };
    Institution::from_record(&Record::new(m)).unwrap()
}

fn index(points: &[(&str, f64, f64)]) -> ServingIndex {
    ServingIndex::build(Dataset {
        institutions: points
            .iter()
            .map(|(id, lon, lat)| institution(id, *lon, *lat))
            .collect(),
        version: "t1".into(),
        ..Dataset::default()
    })
}

#[test]
fn bbox_includes_points_on_the_edge_and_nothing_outside() {
    let idx = index(&[("aa", 106.0, 9.0), ("bb", 106.5, 9.5), ("cc", 107.0, 10.0)]);
    let hits = idx.in_bbox(&Bbox::new(106.0, 9.0, 106.5, 9.5).unwrap());
    let ids: Vec<&str> = hits
        .iter()
        .map(|&n| idx.institutions()[n].id.as_str())
        .collect();
    assert_eq!(ids, vec!["aa", "bb"]);
}

#[test]
fn lookups_by_id_and_sorted_listing() {
    let idx = index(&[("zz", 106.0, 9.0), ("aa", 106.5, 9.5)]);
    assert_eq!(idx.institutions()[0].id.as_str(), "aa");
    assert_eq!(idx.institution("zz").unwrap().location.lon(), 106.0);
    assert!(idx.institution("nope").is_none());
}

#[test]
fn replacing_the_snapshot_leaves_old_readers_untouched() {
    let handle = IndexHandle::new(index(&[("aa", 106.0, 9.0)]));
    let before = handle.current();
    handle.replace(index(&[("aa", 106.0, 9.0), ("bb", 106.1, 9.1)]));
    assert_eq!(before.institutions().len(), 1);
    assert_eq!(handle.current().institutions().len(), 2);
}

#[test]
fn a_handle_is_not_loaded_until_the_first_real_snapshot_is_put_in() {
    let handle = IndexHandle::not_loaded();
    assert!(!handle.is_loaded());
    assert_eq!(handle.current().version(), "");
    assert!(handle.current().institutions().is_empty());
    handle.replace(index(&[("aa", 106.0, 9.0)]));
    assert!(handle.is_loaded());
    assert_eq!(handle.current().version(), "t1");
    assert!(IndexHandle::new(index(&[])).is_loaded());
}

//! RFC 7946 geometry output: longitude before latitude, polygons with right-hand winding
//! (exterior rings counter-clockwise, holes clockwise), no `crs` member, coordinates
//! rounded to 7 decimals (about 1 cm; more would be noise, and bytes).

use geo::orient::{Direction, Orient};
use geo::{LineString, MultiPolygon};
use serde::Serialize;
use serde_json::{Value, json};

use crate::model::LonLat;

pub fn round7(x: f64) -> f64 {
    (x * 1e7).round() / 1e7
}

/// A GeoJSON Point, serialised as it stands (no `Value` tree).
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Point {
    #[serde(rename = "type")]
    kind: &'static str,
    coordinates: [f64; 2],
}

impl Point {
    pub fn at(p: LonLat) -> Self {
        Self {
            kind: "Point",
            coordinates: [round7(p.lon()), round7(p.lat())],
        }
    }
}

pub fn multipolygon(mp: &MultiPolygon<f64>) -> Value {
    let oriented = mp.orient(Direction::Default);
    let ring = |l: &LineString<f64>| -> Value {
        Value::Array(
            l.coords()
                .map(|c| json!([round7(c.x), round7(c.y)]))
                .collect(),
        )
    };
    let polygons: Vec<Value> = oriented
        .iter()
        .map(|p| {
            let mut rings = vec![ring(p.exterior())];
            rings.extend(p.interiors().iter().map(ring));
            Value::Array(rings)
        })
        .collect();
    json!({"type": "MultiPolygon", "coordinates": polygons})
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{Winding, polygon};

    #[test]
    fn polygons_come_out_counter_clockwise_and_rounded() {
        // A clockwise square with over-precise coordinates.
        let cw = polygon![
            (x: 106.0, y: 9.0), (x: 106.0, y: 10.000000012), (x: 107.0, y: 10.0),
            (x: 107.0, y: 9.0), (x: 106.0, y: 9.0)
        ];
        assert!(cw.exterior().is_cw());
        let v = multipolygon(&MultiPolygon::new(vec![cw]));
        let ring: Vec<(f64, f64)> = v["coordinates"][0][0]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| (c[0].as_f64().unwrap(), c[1].as_f64().unwrap()))
            .collect();
        let ls: LineString<f64> = ring.clone().into();
        assert!(ls.is_ccw());
        assert!(ring.iter().any(|&(_, y)| y == 10.0), "{ring:?}");
    }
}

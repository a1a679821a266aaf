//! Coverage results as files: CSV (one row per area or cell) and GeoJSON (RFC 7946,
//! with the question and its caveats as foreign members so the file explains itself).

use serde_json::{Value, json};

use super::{Analysis, AreaCoverage};
use crate::index::ServingIndex;

pub const AREA_COLUMNS: &[&str] = &[
    "scheme",
    "code",
    "name",
    "level",
    "has_geometry",
    "institutions",
    "programmes",
    "institutions_all",
    "distance_from_centre_m",
    "nearest_institution",
    "max_distance_m",
    "mean_distance_m",
    "sample_cells",
    "share_area_within_radius",
    "population",
    "population_within_radius",
    "share_population_within_radius",
    "geometry_source",
];

pub const CELL_COLUMNS: &[&str] = &[
    "q",
    "r",
    "lon",
    "lat",
    "distance_m",
    "within_radius",
    "population",
];

fn text(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn area_props(a: &AreaCoverage) -> serde_json::Map<String, Value> {
    match serde_json::to_value(a) {
        Ok(Value::Object(m)) => m,
        _ => serde_json::Map::new(),
    }
}

fn csv_bytes(header: &[&str], rows: impl Iterator<Item = Vec<String>>) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let _ = w.write_record(header);
    for r in rows {
        let _ = w.write_record(&r);
    }
    w.into_inner().unwrap_or_default()
}

/// One row per area.
pub fn areas_csv(analysis: &Analysis) -> Vec<u8> {
    csv_bytes(
        AREA_COLUMNS,
        analysis.report.areas.iter().map(|a| {
            let m = area_props(a);
            AREA_COLUMNS
                .iter()
                .map(|c| text(m.get(*c).unwrap_or(&Value::Null)))
                .collect()
        }),
    )
}

/// The question and caveats, as foreign members of a FeatureCollection.
fn about(analysis: &Analysis) -> Value {
    let r = &analysis.report;
    json!({
        "data_version": r.data_version,
        "occupation": r.occupation,
        "level": r.level,
        "radius_km": r.radius_km,
        "cell_km": r.cell_km,
        "scheme": r.scheme,
        "area_level": r.area_level,
        "caveats": r.caveats,
    })
}

/// One feature per area; areas without geometry have `"geometry": null`.
pub fn areas_geojson(analysis: &Analysis, index: &ServingIndex) -> Value {
    let features: Vec<Value> = analysis
        .report
        .areas
        .iter()
        .map(|a| {
            let geometry = index
                .area(a.scheme, &a.code)
                .and_then(|x| x.geometry_geojson())
                .unwrap_or(Value::Null);
            json!({
                "type": "Feature",
                "id": format!("{}-{}", a.scheme, a.code),
                "geometry": geometry,
                "properties": Value::Object(area_props(a)),
            })
        })
        .collect();
    json!({"type": "FeatureCollection", "coverage": about(analysis), "features": features})
}

fn round6(v: f64) -> f64 {
    (v * 1e6).round() / 1e6
}

fn round1(v: f64) -> f64 {
    (v * 10.0).round() / 10.0
}

/// One hexagon per cell, with its distance (metres, to 0.1) and, when known, population.
pub fn grid_geojson(analysis: &Analysis) -> Value {
    let radius = analysis.params.radius_m;
    let features: Vec<Value> = analysis
        .grid
        .cells()
        .iter()
        .enumerate()
        .map(|(n, c)| {
            let ring: Vec<[f64; 2]> = analysis
                .grid
                .ring(c)
                .into_iter()
                .map(|[x, y]| [round6(x), round6(y)])
                .collect();
            let d = analysis.cell_distance_m[n];
            let mut props = json!({
                "q": c.q,
                "r": c.r,
                "distance_m": d.map(round1),
                "within_radius": d.is_some_and(|d| d <= radius),
            });
            if let Some(p) = &analysis.cell_population {
                props["population"] = json!(p[n]);
            }
            json!({
                "type": "Feature",
                "id": format!("{}:{}", c.q, c.r),
                "geometry": {"type": "Polygon", "coordinates": [ring]},
                "properties": props,
            })
        })
        .collect();
    json!({"type": "FeatureCollection", "coverage": about(analysis), "features": features})
}

/// One row per cell: its centre, distance and population.
pub fn grid_csv(analysis: &Analysis) -> Vec<u8> {
    let radius = analysis.params.radius_m;
    csv_bytes(
        CELL_COLUMNS,
        analysis.grid.cells().iter().enumerate().map(|(n, c)| {
            let d = analysis.cell_distance_m[n];
            vec![
                c.q.to_string(),
                c.r.to_string(),
                round6(c.centre.lon()).to_string(),
                round6(c.centre.lat()).to_string(),
                d.map(|d| round1(d).to_string()).unwrap_or_default(),
                d.is_some_and(|d| d <= radius).to_string(),
                analysis
                    .cell_population
                    .as_ref()
                    .map(|p| p[n].to_string())
                    .unwrap_or_default(),
            ]
        }),
    )
}

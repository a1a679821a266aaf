//! Coverage results as files: CSV (one row per area or cell, below the caveats as
//! commented rows in the language asked for: `model::caveat::csv_preamble`) and GeoJSON
//! (RFC 7946, with the question and its caveats in both languages as foreign members so
//! the file explains itself), written straight to bytes.

use serde::Serialize;
use serde::ser::{SerializeSeq, Serializer};
use serde_json::{Value, json};

use super::hexgrid::HexCell;
use super::{Analysis, AreaCoverage};
use crate::heavy::{Cancel, Cancelled};
use crate::index::ServingIndex;
use crate::model::Lang;
use crate::model::caveat::csv_preamble;

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

fn csv_bytes(
    analysis: &Analysis,
    lang: Lang,
    header: &[&str],
    rows: impl Iterator<Item = Vec<String>>,
) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(csv_preamble(&analysis.report.caveats, lang));
    let _ = w.write_record(header);
    for r in rows {
        let _ = w.write_record(&r);
    }
    w.into_inner().unwrap_or_default()
}

/// One row per area.
pub fn areas_csv(analysis: &Analysis, lang: Lang) -> Vec<u8> {
    csv_bytes(
        analysis,
        lang,
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

/// Features written one at a time, so a large collection never exists as a JSON tree
/// (a 250,000-cell grid as `serde_json::Value`s is hundreds of megabytes); stops with an
/// error when `cancel` is set.
struct Features<'a, F> {
    items: F,
    cancel: &'a Cancel,
}

impl<F, I> Serialize for Features<'_, F>
where
    F: Fn() -> I,
    I: Iterator,
    I::Item: Serialize,
{
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(None)?;
        for (n, item) in (self.items)().enumerate() {
            if self.cancel.check_every(n).is_err() {
                return Err(serde::ser::Error::custom(Cancelled));
            }
            seq.serialize_element(&item)?;
        }
        seq.end()
    }
}

#[derive(Serialize)]
struct Collection<T> {
    #[serde(rename = "type")]
    kind: &'static str,
    coverage: Value,
    features: T,
}

/// A FeatureCollection with the question as a foreign member, as bytes.
fn collection<F, I>(analysis: &Analysis, items: F, cancel: &Cancel) -> Result<Vec<u8>, Cancelled>
where
    F: Fn() -> I,
    I: Iterator,
    I::Item: Serialize,
{
    let mut out = Vec::new();
    let body = Collection {
        kind: "FeatureCollection",
        coverage: about(analysis),
        features: Features { items, cancel },
    };
    match serde_json::to_writer(&mut out, &body) {
        Ok(()) => Ok(out),
        // Writing to memory fails only when the features stopped on `cancel`.
        Err(_) => Err(Cancelled),
    }
}

/// One feature per area; areas without geometry have `"geometry": null`.
pub fn areas_geojson(analysis: &Analysis, index: &ServingIndex) -> Result<Vec<u8>, Cancelled> {
    let feature = |a: &AreaCoverage| {
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
    };
    let never = Cancel::never();
    collection(
        analysis,
        || analysis.report.areas.iter().map(feature),
        &never,
    )
}

fn round6(v: f64) -> f64 {
    (v * 1e6).round() / 1e6
}

fn round1(v: f64) -> f64 {
    (v * 10.0).round() / 10.0
}

#[derive(Serialize)]
struct CellFeature {
    #[serde(rename = "type")]
    kind: &'static str,
    id: String,
    geometry: CellPolygon,
    properties: CellProperties,
}

#[derive(Serialize)]
struct CellPolygon {
    #[serde(rename = "type")]
    kind: &'static str,
    coordinates: [Vec<[f64; 2]>; 1],
}

#[derive(Serialize)]
struct CellProperties {
    q: i32,
    r: i32,
    distance_m: Option<f64>,
    within_radius: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    population: Option<f64>,
}

/// One hexagon per cell, with its distance (metres, to 0.1) and, when known, population.
pub fn grid_geojson(analysis: &Analysis, cancel: &Cancel) -> Result<Vec<u8>, Cancelled> {
    let grid = analysis.grid();
    let feature = |(n, c): (usize, &HexCell)| CellFeature {
        kind: "Feature",
        id: format!("{}:{}", c.q, c.r),
        geometry: CellPolygon {
            kind: "Polygon",
            coordinates: [grid
                .ring(c)
                .into_iter()
                .map(|[x, y]| [round6(x), round6(y)])
                .collect()],
        },
        properties: CellProperties {
            q: c.q,
            r: c.r,
            distance_m: analysis.cell_distance_m()[n].map(round1),
            within_radius: analysis.within_radius(n),
            population: analysis.cell_population().map(|p| p[n]),
        },
    };
    collection(
        analysis,
        || grid.cells().iter().enumerate().map(feature),
        cancel,
    )
}

/// One row per cell: its centre, distance and population.
pub fn grid_csv(analysis: &Analysis, lang: Lang, cancel: &Cancel) -> Result<Vec<u8>, Cancelled> {
    let mut w = csv::Writer::from_writer(csv_preamble(&analysis.report.caveats, lang));
    let _ = w.write_record(CELL_COLUMNS);
    for (n, c) in analysis.grid().cells().iter().enumerate() {
        cancel.check_every(n)?;
        let d = analysis.cell_distance_m()[n];
        let _ = w.write_record([
            c.q.to_string(),
            c.r.to_string(),
            round6(c.centre.lon()).to_string(),
            round6(c.centre.lat()).to_string(),
            d.map(|d| round1(d).to_string()).unwrap_or_default(),
            analysis.within_radius(n).to_string(),
            analysis
                .cell_population()
                .map(|p| p[n].to_string())
                .unwrap_or_default(),
        ]);
    }
    Ok(w.into_inner().unwrap_or_default())
}

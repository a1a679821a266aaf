//! Writing: the same formats import reads, in a canonical order (catalogue by code,
//! areas by scheme and code, institutions by id) so that export → import → export gives
//! the same bytes. Credentials are personal data and are never exported in bulk.

use std::io::Write;
use std::path::Path;

use serde_json::{Value, json};

use crate::model::admin::AREA_FIELDS;
use crate::model::institution::{INSTITUTION_FIELDS, PROGRAMME_FIELDS};
use crate::model::{CommuneMapping, Dataset, Occupation, Programme};
use crate::store::StoreError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ExportFormat {
    /// Institutions and areas as GeoJSON; catalogue and mapping as CSV.
    Geojson,
    /// Everything as CSV; programmes in their own file, area geometry as GeoJSON text.
    Csv,
}

/// Writes the dataset into `dir` (created if missing); returns the files written.
pub fn write_dataset(
    ds: &Dataset,
    dir: &Path,
    format: ExportFormat,
) -> Result<Vec<String>, StoreError> {
    std::fs::create_dir_all(dir).map_err(|source| StoreError::Write {
        path: dir.to_owned(),
        source,
    })?;
    let mut occupations = ds.occupations.clone();
    occupations.sort_by(|a, b| a.code.cmp(&b.code));
    let mut areas = ds.areas.clone();
    areas.sort_by(|a, b| (a.scheme, &a.code).cmp(&(b.scheme, &b.code)));
    let mut mapping = ds.mapping.clone();
    mapping.sort_by(|a, b| (&a.old_code, &a.new_code).cmp(&(&b.old_code, &b.new_code)));
    let mut institutions = ds.institutions.clone();
    institutions.sort_by(|a, b| a.id.cmp(&b.id));

    let mut files: Vec<(&str, Vec<u8>)> = vec![
        (
            "occupations.csv",
            csv_bytes(
                Occupation::FIELDS,
                occupations.iter().map(Occupation::to_row),
            )?,
        ),
        (
            "commune-mapping.csv",
            csv_bytes(
                CommuneMapping::FIELDS,
                mapping.iter().map(CommuneMapping::to_row),
            )?,
        ),
    ];
    match format {
        ExportFormat::Geojson => {
            files.push((
                "admin-areas.geojson",
                feature_collection(areas.iter().map(|a| {
                    json!({
                        "type": "Feature",
                        "id": format!("{}-{}", a.scheme, a.code),
                        "geometry": a.geometry_geojson(),
                        "properties": a.to_flat(),
                    })
                })),
            ));
            files.push((
                "institutions.geojson",
                feature_collection(institutions.iter().map(|i| {
                    let mut props = i.to_flat();
                    props.shift_remove("lon");
                    props.shift_remove("lat");
                    props.insert(
                        "programmes".into(),
                        Value::Array(i.programmes.iter().map(Programme::to_json).collect()),
                    );
                    json!({
                        "type": "Feature",
                        "id": i.id,
                        "geometry": {"type": "Point", "coordinates": [i.location.lon(), i.location.lat()]},
                        "properties": props,
                    })
                })),
            ));
        }
        ExportFormat::Csv => {
            let mut area_fields = AREA_FIELDS.to_vec();
            area_fields.push("geometry");
            files.push((
                "admin-areas.csv",
                csv_bytes(
                    &area_fields,
                    areas.iter().map(|a| {
                        let mut flat = a.to_flat();
                        flat.insert(
                            "geometry".into(),
                            a.geometry_geojson()
                                .map(|g| Value::String(g.to_string()))
                                .unwrap_or(Value::Null),
                        );
                        row_of(&area_fields, &flat)
                    }),
                )?,
            ));
            files.push((
                "institutions.csv",
                csv_bytes(
                    INSTITUTION_FIELDS,
                    institutions
                        .iter()
                        .map(|i| row_of(INSTITUTION_FIELDS, &i.to_flat())),
                )?,
            ));
            files.push((
                "programmes.csv",
                csv_bytes(
                    PROGRAMME_FIELDS,
                    institutions.iter().flat_map(|i| {
                        i.programmes.iter().map(move |p| {
                            let mut m = match p.to_json() {
                                Value::Object(m) => m,
                                _ => unreachable!("to_json builds an object"),
                            };
                            m.insert("institution_id".into(), json!(i.id));
                            row_of(PROGRAMME_FIELDS, &m)
                        })
                    }),
                )?,
            ));
        }
    }
    let mut written = Vec::new();
    for (name, bytes) in files {
        let path = dir.join(name);
        std::fs::write(&path, bytes).map_err(|source| StoreError::Write {
            path: path.clone(),
            source,
        })?;
        written.push(path.display().to_string());
    }
    Ok(written)
}

/// One feature per line: readable, and diffs well under version control.
fn feature_collection(features: impl Iterator<Item = Value>) -> Vec<u8> {
    let lines: Vec<String> = features.map(|f| f.to_string()).collect();
    format!(
        "{{\"type\":\"FeatureCollection\",\"features\":[\n{}\n]}}\n",
        lines.join(",\n")
    )
    .into_bytes()
}

fn row_of(fields: &[&str], m: &serde_json::Map<String, Value>) -> Vec<String> {
    fields
        .iter()
        .map(|f| match m.get(*f) {
            None | Some(Value::Null) => String::new(),
            Some(Value::String(s)) => s.clone(),
            Some(other) => other.to_string(),
        })
        .collect()
}

fn csv_bytes(
    header: &[&str],
    rows: impl Iterator<Item = Vec<String>>,
) -> Result<Vec<u8>, StoreError> {
    let io = |e: csv::Error| StoreError::Write {
        path: "(csv)".into(),
        source: std::io::Error::other(e),
    };
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(header).map_err(io)?;
    for r in rows {
        w.write_record(&r).map_err(io)?;
    }
    let mut bytes = w.into_inner().map_err(|e| StoreError::Write {
        path: "(csv)".into(),
        source: std::io::Error::other(e.to_string()),
    })?;
    bytes.flush().ok();
    Ok(bytes)
}

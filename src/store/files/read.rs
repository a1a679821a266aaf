//! Reading: every record is validated and every problem reported with its file, line
//! or feature number and field, before anything is written anywhere.

use std::collections::HashSet;
use std::path::Path;

use serde_json::{Map, Value};

use super::{Batch, FileKind};
use crate::model::{
    AdminArea, CommuneMapping, Credential, Institution, InstitutionId, Occupation, Programme,
    Record, RecordErrors,
};
use crate::store::{ImportError, Location, StoreError};

/// Reads one file; its kind comes from `kind`, else its name, else its columns.
pub fn read_file(path: &Path, kind: Option<FileKind>) -> Result<Batch, StoreError> {
    let bytes = std::fs::read(path).map_err(|source| StoreError::Read {
        path: path.to_owned(),
        source,
    })?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    read_bytes(&name, &bytes, kind).map_err(StoreError::Invalid)
}

/// Reads every dataset file present in `dir` (see [`FileKind::file_names`]), in
/// dependency order, and reports the problems of all of them together.
pub fn read_dir(dir: &Path) -> Result<Vec<Batch>, StoreError> {
    let mut batches = Vec::new();
    let mut errors = Vec::new();
    for kind in FileKind::ORDER {
        for name in kind.file_names() {
            let path = dir.join(name);
            if !path.exists() {
                continue;
            }
            match read_file(&path, Some(kind)) {
                Ok(b) => batches.push(b),
                Err(StoreError::Invalid(e)) => errors.extend(e),
                Err(other) => return Err(other),
            }
        }
    }
    if errors.is_empty() {
        Ok(batches)
    } else {
        Err(StoreError::Invalid(errors))
    }
}

/// Parses file content; `file_name` decides the format (`.csv`, `.geojson`/`.json`).
pub fn read_bytes(
    file_name: &str,
    bytes: &[u8],
    kind: Option<FileKind>,
) -> Result<Batch, Vec<ImportError>> {
    let whole = |message: String| {
        vec![ImportError {
            location: Some(Location {
                file: file_name.to_owned(),
                position: "file".into(),
            }),
            record: None,
            field: None,
            message,
        }]
    };
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let lower = file_name.to_ascii_lowercase();
    let kind = kind.or_else(|| kind_from_name(&lower));
    let rows = if lower.ends_with(".csv") {
        csv_rows(file_name, bytes)?
    } else if lower.ends_with(".geojson") || lower.ends_with(".json") {
        geojson_rows(file_name, bytes)?
    } else {
        return Err(whole(format!(
            "unknown file type: {file_name} (expected .csv, .geojson or .json)"
        )));
    };
    let kind = match kind.or_else(|| rows.first().and_then(|r| kind_from_fields(&r.fields))) {
        Some(k) => k,
        None if rows.is_empty() => return Err(whole("the file has no records".into())),
        None => {
            return Err(whole(
                "cannot tell what this file holds from its name or columns; pass --kind".into(),
            ));
        }
    };
    parse_rows(kind, rows, lower.ends_with(".csv"))
}

/// One raw input record: its location, its fields and (GeoJSON) its geometry.
struct Row {
    location: Location,
    fields: Map<String, Value>,
    geometry: Option<Value>,
    /// A GeoJSON feature's `id` member.
    feature_id: Option<String>,
}

fn csv_rows(file: &str, bytes: &[u8]) -> Result<Vec<Row>, Vec<ImportError>> {
    let at = |line: u64| Location {
        file: file.to_owned(),
        position: format!("line {line}"),
    };
    let mut rdr = csv::ReaderBuilder::new().from_reader(bytes);
    let headers = rdr
        .headers()
        .map_err(|e| {
            vec![error_at(
                at(1),
                None,
                None,
                format!("unreadable header: {e}"),
            )]
        })?
        .clone();
    let mut rows = Vec::new();
    let mut errors = Vec::new();
    for result in rdr.records() {
        match result {
            Ok(rec) => {
                let line = rec.position().map_or(0, |p| p.line());
                let Value::Object(fields) = record_to_json(&headers, &rec) else {
                    unreachable!("record_to_json builds an object")
                };
                rows.push(Row {
                    location: at(line),
                    fields,
                    geometry: None,
                    feature_id: None,
                });
            }
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line());
                errors.push(error_at(
                    at(line),
                    None,
                    None,
                    format!("unreadable row: {e}"),
                ));
            }
        }
    }
    if errors.is_empty() {
        Ok(rows)
    } else {
        Err(errors)
    }
}

fn record_to_json(headers: &csv::StringRecord, rec: &csv::StringRecord) -> Value {
    let r = Record::from_csv(headers, rec);
    Value::Object(r.into_fields())
}

fn geojson_rows(file: &str, bytes: &[u8]) -> Result<Vec<Row>, Vec<ImportError>> {
    let whole = |m: String| {
        vec![error_at(
            Location {
                file: file.to_owned(),
                position: "file".into(),
            },
            None,
            None,
            m,
        )]
    };
    let doc: Value = serde_json::from_slice(bytes).map_err(|e| whole(format!("not JSON: {e}")))?;
    if doc.get("type").and_then(Value::as_str) != Some("FeatureCollection") {
        return Err(whole("expected a GeoJSON FeatureCollection".into()));
    }
    let Some(features) = doc.get("features").and_then(Value::as_array) else {
        return Err(whole(
            "a FeatureCollection needs a \"features\" list".into(),
        ));
    };
    let mut rows = Vec::new();
    let mut errors = Vec::new();
    for (n, f) in features.iter().enumerate() {
        let location = Location {
            file: file.to_owned(),
            position: format!("feature {}", n + 1),
        };
        let fields = match f.get("properties") {
            Some(Value::Object(m)) => m.clone(),
            Some(Value::Null) | None => Map::new(),
            Some(_) => {
                errors.push(error_at(
                    location,
                    None,
                    Some("properties"),
                    "expected an object".into(),
                ));
                continue;
            }
        };
        let feature_id = f.get("id").map(|id| match id {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        });
        rows.push(Row {
            location,
            fields,
            geometry: f.get("geometry").filter(|g| !g.is_null()).cloned(),
            feature_id,
        });
    }
    if errors.is_empty() {
        Ok(rows)
    } else {
        Err(errors)
    }
}

fn kind_from_name(lower: &str) -> Option<FileKind> {
    FileKind::ORDER
        .into_iter()
        .find(|k| k.file_names().iter().any(|n| lower.ends_with(n)))
}

fn kind_from_fields(fields: &Map<String, Value>) -> Option<FileKind> {
    let has = |k: &str| fields.contains_key(k);
    Some(if has("serial") {
        FileKind::Credentials
    } else if has("old_code") && has("new_code") {
        FileKind::Mapping
    } else if has("institution_id") && has("occupation_code") {
        FileKind::Programmes
    } else if has("scheme") {
        FileKind::Areas
    } else if has("kind") && has("ownership") {
        FileKind::Institutions
    } else if has("code") && has("name_vi") {
        FileKind::Occupations
    } else {
        return None;
    })
}

fn error_at(
    location: Location,
    record: Option<String>,
    field: Option<&str>,
    message: String,
) -> ImportError {
    ImportError {
        location: Some(location),
        record,
        field: field.map(str::to_owned),
        message,
    }
}

fn record_errors(location: &Location, record: Option<String>, e: RecordErrors) -> Vec<ImportError> {
    e.0.into_iter()
        .map(|fe| {
            error_at(
                location.clone(),
                record.clone(),
                Some(&fe.field),
                fe.message,
            )
        })
        .collect()
}

fn parse_rows(kind: FileKind, rows: Vec<Row>, is_csv: bool) -> Result<Batch, Vec<ImportError>> {
    let mut errors = Vec::new();
    let mut seen = HashSet::new();
    // Parses each row with `parse`, reporting its errors and duplicate keys.
    macro_rules! collect {
        ($key:expr, $parse:expr) => {{
            let mut out = Vec::new();
            for row in rows {
                let mut fields = row.fields;
                // An institution's feature id is its id; other kinds name features freely.
                if kind == FileKind::Institutions
                    && let Some(fid) = &row.feature_id
                {
                    match fields.get("id") {
                        None | Some(Value::Null) => {
                            fields.insert("id".into(), Value::String(fid.clone()));
                        }
                        Some(Value::String(p)) if p == fid => {}
                        Some(p) => {
                            errors.push(error_at(
                                row.location.clone(),
                                Some(fid.clone()),
                                Some("id"),
                                format!("the feature id {fid:?} differs from properties.id {p}"),
                            ));
                            continue;
                        }
                    }
                }
                let record = Record::new(fields);
                let key: Option<String> = $key(&record);
                match $parse(&record, row.geometry.as_ref()) {
                    Ok(v) => {
                        if let Some(k) = &key {
                            if !seen.insert(k.clone()) {
                                errors.push(error_at(
                                    row.location.clone(),
                                    key.clone(),
                                    None,
                                    "appears more than once in this file".into(),
                                ));
                                continue;
                            }
                        }
                        out.push((row.location, v));
                    }
                    Err(e) => errors.extend(record_errors(&row.location, key, e)),
                }
            }
            out
        }};
    }
    let id_key = |r: &Record| r.opt_str("id").ok().flatten();
    let batch = match kind {
        FileKind::Occupations => Batch::Occupations(collect!(
            |r: &Record| r.opt_str("code").ok().flatten(),
            |r: &Record, _g: Option<&Value>| Occupation::from_record(r)
        )),
        FileKind::Areas => Batch::Areas(collect!(
            |r: &Record| {
                let s = r.opt_str("scheme").ok().flatten()?;
                let c = r.opt_str("code").ok().flatten()?;
                Some(format!("{s} {c}"))
            },
            |r: &Record, g: Option<&Value>| area_from_row(r, g, is_csv)
        )),
        FileKind::Mapping => Batch::Mapping(collect!(
            |r: &Record| {
                let o = r.opt_str("old_code").ok().flatten()?;
                let n = r.opt_str("new_code").ok().flatten()?;
                Some(format!("{o} -> {n}"))
            },
            |r: &Record, _g: Option<&Value>| CommuneMapping::from_record(r)
        )),
        FileKind::Institutions => Batch::Institutions {
            records: collect!(id_key, |r: &Record, g: Option<&Value>| {
                institution_from_row(r, g, is_csv)
            }),
            carries_programmes: !is_csv,
        },
        FileKind::Programmes => {
            let out = collect!(|_r: &Record| None, |r: &Record, _g: Option<&Value>| {
                programme_from_row(r)
            });
            Batch::Programmes(out.into_iter().map(|(l, (i, p))| (l, i, p)).collect())
        }
        FileKind::Credentials => Batch::Credentials(collect!(
            |r: &Record| {
                let i = r.opt_str("institution_id").ok().flatten()?;
                let k = r.opt_str("kind").ok().flatten()?;
                let s = r.opt_str("serial").ok().flatten()?;
                let s = crate::model::credential::normalise_serial(&s).ok()?;
                Some(format!("{i} {k} {s}"))
            },
            |r: &Record, _g: Option<&Value>| Credential::from_record(r)
        )),
    };
    if errors.is_empty() {
        Ok(batch)
    } else {
        Err(errors)
    }
}

fn area_from_row(r: &Record, g: Option<&Value>, is_csv: bool) -> Result<AdminArea, RecordErrors> {
    if !is_csv {
        return AdminArea::from_record(r, g);
    }
    // CSV carries the geometry as GeoJSON text in a "geometry" column.
    let geometry = match r.opt_str("geometry") {
        Ok(Some(text)) => match serde_json::from_str::<Value>(&text) {
            Ok(v) => Some(v),
            Err(e) => {
                let mut errs = RecordErrors::default();
                errs.push("geometry", format!("not GeoJSON: {e}"));
                return Err(errs);
            }
        },
        _ => None,
    };
    AdminArea::from_record(r, geometry.as_ref())
}

fn institution_from_row(
    r: &Record,
    g: Option<&Value>,
    is_csv: bool,
) -> Result<Institution, RecordErrors> {
    if is_csv {
        return Institution::from_record(r);
    }
    // GeoJSON carries the position in its geometry, never in properties.
    let mut fields = r.clone_fields();
    let mut errs = RecordErrors::default();
    for f in ["lon", "lat"] {
        if fields.contains_key(f) {
            errs.push(
                f,
                "positions belong in the feature's geometry, not its properties",
            );
        }
    }
    match g {
        Some(g) if g.get("type").and_then(Value::as_str) == Some("Point") => {
            match g
                .get("coordinates")
                .and_then(Value::as_array)
                .map(Vec::as_slice)
            {
                Some([lon, lat]) | Some([lon, lat, _]) => {
                    fields.insert("lon".into(), lon.clone());
                    fields.insert("lat".into(), lat.clone());
                }
                _ => errs.push("geometry", "a Point needs [longitude, latitude]"),
            }
        }
        Some(_) => errs.push("geometry", "an institution's geometry must be a Point"),
        None => errs.push("geometry", "is required (a Point)"),
    }
    match Institution::from_record(&Record::new(fields)) {
        Ok(i) if errs.is_empty() => Ok(i),
        Ok(_) => Err(errs),
        Err(e) => {
            // A missing geometry is one mistake, not three: drop the derived lon/lat ones.
            let geometry_bad = !errs.is_empty();
            errs.0.extend(
                e.0.into_iter()
                    .filter(|fe| !(geometry_bad && (fe.field == "lon" || fe.field == "lat"))),
            );
            Err(errs)
        }
    }
}

fn programme_from_row(r: &Record) -> Result<(InstitutionId, Programme), RecordErrors> {
    let id = r.req_str("institution_id").and_then(|s| {
        InstitutionId::parse(&s).map_err(|mut e| {
            e.field = "institution_id".into();
            e
        })
    });
    let p = Programme::from_record(r, true);
    match (id, p) {
        (Ok(id), Ok(p)) => Ok((id, p)),
        (id, p) => {
            let mut errs = RecordErrors::default();
            if let Err(e) = id {
                errs.0.push(e);
            }
            if let Err(mut e) = p {
                errs.0.append(&mut e.0);
            }
            Err(errs)
        }
    }
}

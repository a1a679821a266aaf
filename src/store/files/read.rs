//! Reading: every record is validated and every problem reported with its file, line
//! or feature number and field, before anything is written anywhere.

use std::collections::HashSet;
use std::path::Path;

use serde_json::{Map, Value};

use super::{Batch, FileKind};
use crate::model::{
    AdminArea, CommuneMapping, Credential, Institution, InstitutionId, Occupation, PopulationCell,
    Programme, Record, RecordErrors,
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

/// Problems listed per file; past these, [`Problems`] only counts. A file of a million
/// bad rows answers with a readable list and a count, in bounded memory.
pub const MAX_LISTED_PROBLEMS: usize = 100;
/// Columns a CSV header may have; the widest file we read has under 40. Every row
/// becomes a map of this many fields, so this bounds the work per row.
pub const MAX_CSV_COLUMNS: usize = 256;
/// Characters of a problem's message and record key shown; both may quote a field
/// that is a megabyte long.
const MAX_SHOWN_CHARS: usize = 300;

/// Parses file content; `file_name` decides the format (`.csv`, `.geojson`/`.json`).
/// Rows are read and validated one at a time, so a CSV costs memory for its records,
/// not for a parsed copy of every row; the problems are the first
/// [`MAX_LISTED_PROBLEMS`] plus a count of the rest.
pub fn read_bytes(
    file_name: &str,
    bytes: &[u8],
    kind: Option<FileKind>,
) -> Result<Batch, Vec<ImportError>> {
    let whole = |message: String| vec![error_at(file_level(file_name), None, None, message)];
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let lower = file_name.to_ascii_lowercase();
    let kind = kind.or_else(|| kind_from_name(&lower));
    let mut problems = Problems::new(file_name);
    let unknown = "cannot tell what this file holds from its name or columns; pass --kind";
    let batch = if lower.ends_with(".csv") {
        let (headers, rows) = csv_rows(file_name, bytes).map_err(|e| vec![*e])?;
        let kind =
            match kind.or_else(|| kind_from_fields(|k| headers.iter().any(|h| h.trim() == k))) {
                Some(k) => k,
                None if headers.iter().all(|h| h.trim().is_empty()) => {
                    return Err(whole("the file has no records".into()));
                }
                None => return Err(whole(unknown.into())),
            };
        parse_rows(kind, rows, true, &mut problems)
    } else if lower.ends_with(".geojson") || lower.ends_with(".json") {
        let doc: Value =
            serde_json::from_slice(bytes).map_err(|e| whole(format!("not JSON: {e}")))?;
        let features = geojson_features(&doc).map_err(whole)?;
        let first = features.first().and_then(|f| f.get("properties"));
        let kind = match kind.or_else(|| {
            first
                .and_then(Value::as_object)
                .and_then(|p| kind_from_fields(|k| p.contains_key(k)))
        }) {
            Some(k) => k,
            None if features.is_empty() => return Err(whole("the file has no records".into())),
            None => return Err(whole(unknown.into())),
        };
        parse_rows(
            kind,
            geojson_rows(file_name, features),
            false,
            &mut problems,
        )
    } else {
        return Err(whole(format!(
            "unknown file type: {file_name} (expected .csv, .geojson or .json)"
        )));
    };
    problems.finish(batch)
}

/// The problems of one file: the first [`MAX_LISTED_PROBLEMS`] kept (clipped), the rest
/// counted.
struct Problems {
    file: String,
    listed: Vec<ImportError>,
    unlisted: usize,
}

impl Problems {
    fn new(file: &str) -> Self {
        Self {
            file: file.to_owned(),
            listed: Vec::new(),
            unlisted: 0,
        }
    }

    fn push(&mut self, mut e: ImportError) {
        if self.listed.len() == MAX_LISTED_PROBLEMS {
            self.unlisted += 1;
            return;
        }
        e.message = clip(&e.message);
        e.record = e.record.as_deref().map(clip);
        self.listed.push(e);
    }

    fn extend(&mut self, errors: impl IntoIterator<Item = ImportError>) {
        errors.into_iter().for_each(|e| self.push(e));
    }

    fn finish<T>(mut self, value: T) -> Result<T, Vec<ImportError>> {
        if self.listed.is_empty() {
            return Ok(value);
        }
        if self.unlisted > 0 {
            let mut more = error_at(
                file_level(&self.file),
                None,
                None,
                format!(
                    "and {} more problem(s) not listed (only the first {MAX_LISTED_PROBLEMS} are)",
                    self.unlisted
                ),
            );
            more.unlisted = self.unlisted;
            self.listed.push(more);
        }
        Err(self.listed)
    }
}

fn clip(s: &str) -> String {
    match s.char_indices().nth(MAX_SHOWN_CHARS) {
        Some((at, _)) => format!("{}…", &s[..at]),
        None => s.to_owned(),
    }
}

fn file_level(file: &str) -> Location {
    Location {
        file: file.to_owned(),
        position: "file".into(),
    }
}

/// A row, or the problem that kept it from being read (boxed: rows pass by value).
type RowResult = Result<Row, Box<ImportError>>;

/// One raw input record: its location, its fields and (GeoJSON) its geometry.
struct Row {
    location: Location,
    fields: Map<String, Value>,
    geometry: Option<Value>,
    /// A GeoJSON feature's `id` member.
    feature_id: Option<String>,
}

/// The header and the rows of a CSV, read lazily. A row the reader cannot read (bad
/// UTF-8, a different number of fields, a quote never closed) is a problem at its line.
fn csv_rows<'a>(
    file: &'a str,
    bytes: &'a [u8],
) -> Result<(csv::StringRecord, impl Iterator<Item = RowResult> + 'a), Box<ImportError>> {
    let at = move |line: u64| Location {
        file: file.to_owned(),
        position: format!("line {line}"),
    };
    let mut rdr = csv::ReaderBuilder::new().from_reader(bytes);
    let headers = rdr
        .headers()
        .map_err(|e| {
            Box::new(error_at(
                at(1),
                None,
                None,
                format!("unreadable header: {e}"),
            ))
        })?
        .clone();
    if headers.len() > MAX_CSV_COLUMNS {
        return Err(Box::new(error_at(
            at(1),
            None,
            None,
            format!(
                "the header has {} columns; at most {MAX_CSV_COLUMNS} are read",
                headers.len()
            ),
        )));
    }
    let names = headers.clone();
    let rows = rdr.into_records().map(move |result| match result {
        Ok(rec) => {
            let line = rec.position().map_or(0, |p| p.line());
            Ok(Row {
                location: at(line),
                fields: Record::from_csv(&names, &rec).into_fields(),
                geometry: None,
                feature_id: None,
            })
        }
        Err(e) => {
            let line = e.position().map_or(0, |p| p.line());
            Err(Box::new(error_at(
                at(line),
                None,
                None,
                format!("unreadable row: {e}"),
            )))
        }
    });
    Ok((headers, rows))
}

/// The features of a FeatureCollection.
fn geojson_features(doc: &Value) -> Result<&[Value], String> {
    if doc.get("type").and_then(Value::as_str) != Some("FeatureCollection") {
        return Err("expected a GeoJSON FeatureCollection".into());
    }
    doc.get("features")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .ok_or_else(|| "a FeatureCollection needs a \"features\" list".into())
}

fn geojson_rows<'a>(file: &'a str, features: &'a [Value]) -> impl Iterator<Item = RowResult> + 'a {
    features.iter().enumerate().map(move |(n, f)| {
        let location = Location {
            file: file.to_owned(),
            position: format!("feature {}", n + 1),
        };
        let fields = match f.get("properties") {
            Some(Value::Object(m)) => m.clone(),
            Some(Value::Null) | None => Map::new(),
            Some(_) => {
                return Err(Box::new(error_at(
                    location,
                    None,
                    Some("properties"),
                    "expected an object".into(),
                )));
            }
        };
        let feature_id = f.get("id").map(|id| match id {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        });
        Ok(Row {
            location,
            fields,
            geometry: f.get("geometry").filter(|g| !g.is_null()).cloned(),
            feature_id,
        })
    })
}

fn kind_from_name(lower: &str) -> Option<FileKind> {
    FileKind::ORDER
        .into_iter()
        .find(|k| k.file_names().iter().any(|n| lower.ends_with(n)))
}

/// What a file holds, from the names of its columns or properties.
fn kind_from_fields(has: impl Fn(&str) -> bool) -> Option<FileKind> {
    Some(if has("population") {
        FileKind::Population
    } else if has("serial") {
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
        unlisted: 0,
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

fn parse_rows(
    kind: FileKind,
    rows: impl Iterator<Item = RowResult>,
    is_csv: bool,
    errors: &mut Problems,
) -> Batch {
    let mut seen = HashSet::new();
    // Parses each row with `parse`, reporting its errors and duplicate keys.
    macro_rules! collect {
        ($key:expr, $parse:expr) => {{
            let mut out = Vec::new();
            for row in rows {
                let row = match row {
                    Ok(row) => row,
                    Err(e) => {
                        errors.push(*e);
                        continue;
                    }
                };
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
    match kind {
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
        FileKind::Population => {
            Batch::Population(collect!(
                |_r: &Record| None,
                |r: &Record, g: Option<&Value>| population_from_row(r, g, is_csv)
            ))
        }
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

/// A population record: CSV `lon,lat,population,source`; GeoJSON a Point, or a grid
/// cell (Polygon/MultiPolygon) counted at its centroid, with `population` and `source`.
fn population_from_row(
    r: &Record,
    g: Option<&Value>,
    is_csv: bool,
) -> Result<PopulationCell, RecordErrors> {
    if is_csv {
        return PopulationCell::from_record(r);
    }
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
    let point = match g {
        None => {
            errs.push("geometry", "is required (a Point, Polygon or MultiPolygon)");
            None
        }
        Some(g) => match serde_json::from_value::<geojson::Geometry>(g.clone())
            .ok()
            .and_then(|g| geo::Geometry::<f64>::try_from(g).ok())
        {
            Some(geo::Geometry::Point(p)) => Some(p),
            Some(geo::Geometry::Polygon(p)) => geo::Centroid::centroid(&p),
            Some(geo::Geometry::MultiPolygon(p)) => geo::Centroid::centroid(&p),
            _ => {
                errs.push(
                    "geometry",
                    "a population record's geometry must be a Point, Polygon or MultiPolygon",
                );
                None
            }
        },
    };
    if let Some(p) = point {
        fields.insert("lon".into(), Value::from(p.x()));
        fields.insert("lat".into(), Value::from(p.y()));
    }
    match PopulationCell::from_record(&Record::new(fields)) {
        Ok(c) if errs.is_empty() => Ok(c),
        Ok(_) => Err(errs),
        Err(e) => {
            let geometry_bad = point.is_none();
            errs.0.extend(
                e.0.into_iter()
                    .filter(|fe| !(geometry_bad && (fe.field == "lon" || fe.field == "lat"))),
            );
            Err(errs)
        }
    }
}

#[cfg(test)]
mod tests;

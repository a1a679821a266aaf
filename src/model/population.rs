//! A population layer: people counted at points (or grid cells reduced to their centre),
//! with the source of the figures. It is optional input for coverage; without it,
//! coverage is by area only and says so.

use serde::Serialize;

use super::{FieldError, LonLat, Record, RecordErrors};

/// People living at (or in the cell centred on) a position.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PopulationCell {
    pub location: LonLat,
    pub population: f64,
    /// Where the figure comes from (census, WorldPop grid...), in words a reader can check.
    pub source: String,
}

impl PopulationCell {
    /// CSV columns; GeoJSON carries lon/lat in the geometry.
    pub const FIELDS: &'static [&'static str] = &["lon", "lat", "population", "source"];

    pub fn from_record(r: &Record) -> Result<Self, RecordErrors> {
        let mut e = RecordErrors::default();
        let location = match (e.take(r.req_f64("lon")), e.take(r.req_f64("lat"))) {
            (Some(lon), Some(lat)) => e.take(LonLat::new(lon, lat)),
            _ => None,
        };
        let population = e.take(r.req_f64("population").and_then(|p| {
            if p >= 0.0 {
                Ok(p)
            } else {
                Err(FieldError::new(
                    "population",
                    format!("a head count cannot be negative, got {p}"),
                ))
            }
        }));
        let source = e.take(r.req_str("source"));
        r.check_unknown(&mut e);
        match (location, population, source) {
            (Some(location), Some(population), Some(source)) if e.is_empty() => Ok(Self {
                location,
                population,
                source,
            }),
            _ => Err(e),
        }
    }

    pub fn to_row(&self) -> Vec<String> {
        vec![
            self.location.lon().to_string(),
            self.location.lat().to_string(),
            self.population.to_string(),
            self.source.clone(),
        ]
    }
}

/// The loaded layer (possibly empty), versioned so results computed from it can be cached.
#[derive(Debug, Clone, Default)]
pub struct PopulationLayer {
    pub cells: Vec<PopulationCell>,
    /// Changes whenever the cells change.
    pub version: String,
}

impl PopulationLayer {
    pub fn is_loaded(&self) -> bool {
        !self.cells.is_empty()
    }

    pub fn total(&self) -> f64 {
        self.cells.iter().map(|c| c.population).sum()
    }

    /// The distinct sources, sorted.
    pub fn sources(&self) -> Vec<String> {
        let mut s: Vec<String> = self.cells.iter().map(|c| c.source.clone()).collect();
        s.sort();
        s.dedup();
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn rec(v: serde_json::Value) -> Record {
        match v {
            serde_json::Value::Object(m) => Record::new(m),
            _ => unreachable!(),
        }
    }

    #[test]
    fn reads_a_cell_and_rejects_negative_counts_and_missing_sources() {
        let ok = PopulationCell::from_record(&rec(
            json!({"lon": "106.3", "lat": "9.9", "population": "1200", "source": "census 2019"}),
        ))
        .unwrap();
        assert_eq!(ok.population, 1200.0);
        let err =
            PopulationCell::from_record(&rec(json!({"lon": 106.3, "lat": 9.9, "population": -1})))
                .unwrap_err();
        let fields: Vec<_> = err.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, vec!["population", "source"]);
    }
}

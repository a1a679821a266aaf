//! The embedded default: the dataset read from files in a directory (`data/`), with no
//! database. Its version is a hash of the files' bytes, so the same files give the same
//! ETags on every server.

use std::collections::HashMap;
use std::path::Path;

use sha2::{Digest, Sha256};

use super::files::{self, Batch, FileKind};
use super::{ImportError, StoreError};
use crate::model::{BrokenReference, Credential, Dataset, PopulationLayer};

/// What the bundled directory holds: the served dataset, and the (fictitious) credentials
/// that the embedded default answers verification requests from.
#[derive(Debug, Clone, Default)]
pub struct Bundled {
    pub dataset: Dataset,
    pub credentials: Vec<Credential>,
    /// `population.geojson|csv` when present (empty otherwise); versioned like the rest.
    pub population: PopulationLayer,
}

pub fn load_dir(dir: &Path) -> Result<Bundled, StoreError> {
    if !dir.is_dir() {
        return Err(StoreError::Read {
            path: dir.to_owned(),
            source: std::io::Error::new(std::io::ErrorKind::NotFound, "no such directory"),
        });
    }
    let started = std::time::Instant::now();
    let batches = files::read_dir(dir)?;
    tracing::info!(
        elapsed_ms = started.elapsed().as_millis() as u64,
        "loaded files from {}",
        dir.display()
    );
    let mut hasher = Sha256::new();
    for kind in FileKind::ORDER {
        for name in kind.file_names() {
            if let Ok(bytes) = std::fs::read(dir.join(name)) {
                hasher.update(name.as_bytes());
                hasher.update(&bytes);
            }
        }
    }
    let version = format!("files-{}", &hex::encode(hasher.finalize())[..16]);
    let mut bundled = assemble(batches);
    bundled.dataset.share_repeated_text();
    bundled.population.version = version.clone();
    bundled.dataset.version = version;
    let mut broken = bundled.dataset.broken_references();
    broken.extend(credential_references(&bundled));
    if !broken.is_empty() {
        return Err(StoreError::Invalid(
            broken
                .into_iter()
                .map(|b| ImportError {
                    location: None,
                    record: Some(b.record),
                    field: Some(b.field),
                    message: b.message,
                })
                .collect(),
        ));
    }
    Ok(bundled)
}

/// Puts batches together: programmes files attach to their institutions, in file order.
pub fn assemble(batches: Vec<Batch>) -> Bundled {
    let mut out = Bundled::default();
    let mut programmes = Vec::new();
    for b in batches {
        match b {
            Batch::Occupations(v) => out.dataset.occupations.extend(v.into_iter().map(|r| r.1)),
            Batch::Areas(v) => out.dataset.areas.extend(v.into_iter().map(|r| r.1)),
            Batch::Mapping(v) => out.dataset.mapping.extend(v.into_iter().map(|r| r.1)),
            Batch::Institutions { records, .. } => out
                .dataset
                .institutions
                .extend(records.into_iter().map(|r| r.1)),
            Batch::Programmes(v) => programmes.extend(v),
            Batch::Credentials(v) => out.credentials.extend(v.into_iter().map(|r| r.1)),
            Batch::Population(v) => out.population.cells.extend(v.into_iter().map(|r| r.1)),
        }
    }
    if !programmes.is_empty() {
        let mut by_id: HashMap<String, Vec<_>> = HashMap::new();
        for (_, id, p) in programmes {
            by_id.entry(id.as_str().to_owned()).or_default().push(p);
        }
        for i in &mut out.dataset.institutions {
            if let Some(ps) = by_id.remove(i.id.as_str()) {
                i.programmes = ps;
            }
        }
    }
    out
}

/// Credentials must name a known institution and occupation, as the database's foreign
/// keys demand.
fn credential_references(b: &Bundled) -> Vec<BrokenReference> {
    let institutions: std::collections::HashSet<&str> = b
        .dataset
        .institutions
        .iter()
        .map(|i| i.id.as_str())
        .collect();
    let occupations: std::collections::HashSet<&str> = b
        .dataset
        .occupations
        .iter()
        .map(|o| o.code.as_str())
        .collect();
    let mut out = Vec::new();
    for c in &b.credentials {
        if !institutions.contains(c.institution_id.as_str()) {
            out.push(BrokenReference {
                record: format!("credential {}", c.serial),
                field: "institution_id".into(),
                message: format!("no institution {}", c.institution_id.as_str()),
            });
        }
        if !occupations.contains(c.occupation_code.as_str()) {
            out.push(BrokenReference {
                record: format!("credential {}", c.serial),
                field: "occupation_code".into(),
                message: format!("{} is not in the catalogue", c.occupation_code),
            });
        }
    }
    out
}

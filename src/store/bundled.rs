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
    let mut bundled = assemble_checked(batches)?;
    bundled.dataset.share_repeated_text();
    bundled.population.version = version.clone();
    bundled.dataset.version = version;
    Ok(bundled)
}

/// Puts batches together and checks what they refer to, as the database's foreign keys
/// would: programmes of an unknown institution (by line), areas, occupations and
/// credentials naming records that are not there. `import --check` runs this on a whole
/// directory, so a dataset that passes the check also imports.
pub fn assemble_checked(batches: Vec<Batch>) -> Result<Bundled, StoreError> {
    let (bundled, mut errors) = assemble(batches);
    let broken = bundled
        .dataset
        .broken_references()
        .into_iter()
        .chain(credential_references(&bundled));
    errors.extend(broken.map(|b| ImportError {
        location: None,
        record: Some(b.record),
        field: Some(b.field),
        message: b.message,
        unlisted: 0,
    }));
    if errors.is_empty() {
        Ok(bundled)
    } else {
        Err(StoreError::Invalid(errors))
    }
}

/// Puts batches together: programmes files attach to their institutions, in file order.
/// Programmes whose institution is in no batch are returned as errors at their line.
fn assemble(batches: Vec<Batch>) -> (Bundled, Vec<ImportError>) {
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
    let known: HashMap<String, usize> = out
        .dataset
        .institutions
        .iter()
        .enumerate()
        .map(|(n, i)| (i.id.as_str().to_owned(), n))
        .collect();
    let mut attached: HashMap<usize, Vec<_>> = HashMap::new();
    let mut orphans = Vec::new();
    for (location, id, p) in programmes {
        match known.get(id.as_str()) {
            Some(&n) => attached.entry(n).or_default().push(p),
            None => orphans.push(ImportError {
                location: Some(location),
                record: Some(format!("programme of {}", id.as_str())),
                field: Some("institution_id".into()),
                message: format!("no institution {}", id.as_str()),
                unlisted: 0,
            }),
        }
    }
    for (n, ps) in attached {
        out.dataset.institutions[n].programmes = ps.into();
    }
    (out, orphans)
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::InstitutionId;
    use crate::store::Location;

    fn bundled_batches() -> Vec<Batch> {
        files::read_dir(&Path::new(env!("CARGO_MANIFEST_DIR")).join("data"))
            .expect("the bundled data reads")
    }

    #[test]
    fn the_bundled_directory_assembles_with_no_broken_reference() {
        let b = assemble_checked(bundled_batches()).expect("bundled data is consistent");
        assert!(
            b.dataset
                .institutions
                .iter()
                .any(|i| !i.programmes.is_empty())
        );
    }

    #[test]
    fn a_programme_of_an_unknown_institution_is_an_error_at_its_line() {
        let mut batches = bundled_batches();
        let programme = assemble_checked(bundled_batches())
            .expect("bundled data is consistent")
            .dataset
            .institutions
            .iter()
            .find_map(|i| i.programmes.first().cloned())
            .expect("some institution teaches something");
        let location = Location {
            file: "programmes.csv".into(),
            position: "line 7".into(),
        };
        let ghost = InstitutionId::parse("truong-khong-co").expect("a valid slug");
        batches.push(Batch::Programmes(vec![(location, ghost, programme)]));
        let Err(StoreError::Invalid(errors)) = assemble_checked(batches) else {
            panic!("an orphan programme must be refused");
        };
        assert_eq!(errors.len(), 1, "{errors:?}");
        let e = &errors[0];
        assert_eq!(e.field.as_deref(), Some("institution_id"));
        assert_eq!(
            e.location.as_ref().map(|l| l.to_string()).as_deref(),
            Some("programmes.csv line 7")
        );
    }
}

//! A generated dataset as import batches, so `vetmap synth --database-url` writes it
//! through the same all-or-nothing import as any file.

use crate::model::Dataset;
use crate::store::Location;
use crate::store::files::Batch;

/// The dataset's records as batches in dependency order; each record's location says it
/// is synthetic and which one it is.
pub fn into_batches(ds: Dataset) -> Vec<Batch> {
    fn located<T>(what: &str, items: Vec<T>) -> Vec<(Location, T)> {
        items
            .into_iter()
            .enumerate()
            .map(|(n, item)| {
                (
                    Location {
                        file: format!("synthetic {what}"),
                        position: format!("record {}", n + 1),
                    },
                    item,
                )
            })
            .collect()
    }
    vec![
        Batch::Occupations(located("occupations", ds.occupations)),
        Batch::Areas(located("areas", ds.areas)),
        Batch::Mapping(located("mapping", ds.mapping)),
        Batch::Institutions {
            records: located("institutions", ds.institutions),
            carries_programmes: true,
        },
    ]
}

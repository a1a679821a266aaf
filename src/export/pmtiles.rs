//! STUB until branch `pmtiles-export` lands (helper A owns this file): the contract's
//! signature, no archive.

use std::path::Path;
use std::sync::Arc;

use crate::index::ServingIndex;
use crate::tiles::TileService;

pub struct ArchiveOptions {
    pub min_zoom: u8,
    pub max_zoom: u8,
}

pub struct ArchiveSummary {
    pub tiles: u64,
    pub bytes: u64,
    pub institutions: u64,
}

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("the PMTiles export is not merged yet")]
    NotYet,
}

pub fn write_archive(
    _index: &Arc<ServingIndex>,
    _tiles: &TileService,
    _out: &Path,
    _options: &ArchiveOptions,
) -> Result<ArchiveSummary, ExportError> {
    Err(ExportError::NotYet)
}

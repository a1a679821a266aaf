//! Exports that leave the service behind: the map's tiles as one PMTiles archive
//! (`pmtiles.rs`) and the web map as a folder of static files around it (`site.rs`).

pub mod pmtiles;
pub mod site;

//! The base map's land: Natural Earth's outline of Viet Nam, read once at start, in
//! world units, simplified per zoom on first use, with the towns of `places.csv` beside
//! it ([`Places`]). Neither changes with the data.

use std::path::Path;
use std::sync::OnceLock;

use geo::{BoundingRect, Geometry, MultiPolygon};
use sha2::{Digest, Sha256};

use super::TileError;
use super::frame::{simplify_world, to_world};
use super::places::Places;

pub struct Land {
    world: Option<MultiPolygon<f64>>,
    by_zoom: Vec<OnceLock<MultiPolygon<f64>>>,
    /// The towns of `places.csv` in the land file's directory (none without one).
    pub places: Places,
    /// Hash of the files, part of the base tileset's version.
    pub version: String,
}

impl Land {
    /// No land layer (the base tileset then carries outlines only).
    pub fn none() -> Self {
        Self::from_world(None, "none".into())
    }

    /// Reads a GeoJSON Feature, FeatureCollection or geometry of (Multi)Polygons, and
    /// `places.csv` beside it when there is one.
    pub fn load(path: &Path) -> Result<Self, TileError> {
        let err = |m: String| TileError::Basemap(format!("{}: {m}", path.display()));
        let bytes = std::fs::read(path).map_err(|e| err(e.to_string()))?;
        let gj: geojson::GeoJson = std::str::from_utf8(&bytes)
            .map_err(|e| err(e.to_string()))?
            .parse()
            .map_err(|e: geojson::Error| err(e.to_string()))?;
        let collection =
            geo::GeometryCollection::<f64>::try_from(&gj).map_err(|e| err(e.to_string()))?;
        let mut polys = Vec::new();
        for g in collection {
            match g {
                Geometry::Polygon(p) => polys.push(p),
                Geometry::MultiPolygon(mp) => polys.extend(mp),
                _ => return Err(err("only polygons are land".into())),
            }
        }
        let mut hash = Sha256::new();
        hash.update(&bytes);
        let places_path = path.with_file_name("places.csv");
        let places = if places_path.exists() {
            hash.update(std::fs::read(&places_path).map_err(|e| err(e.to_string()))?);
            Places::load(&places_path)?
        } else {
            Places::default()
        };
        let version = hex::encode(&hash.finalize()[..8]);
        let mut land = Self::from_world(Some(to_world(&MultiPolygon(polys))), version);
        land.places = places;
        Ok(land)
    }

    fn from_world(world: Option<MultiPolygon<f64>>, version: String) -> Self {
        Self {
            world,
            by_zoom: (0..=24).map(|_| OnceLock::new()).collect(),
            places: Places::default(),
            version,
        }
    }

    /// The land's bounding box in world units (x0, y0, x1, y1; y down), `None` without
    /// land: where an export puts the base map's tiles at low zooms.
    pub fn world_bounds(&self) -> Option<[f64; 4]> {
        let r = self.world.as_ref()?.bounding_rect()?;
        Some([r.min().x, r.min().y, r.max().x, r.max().y])
    }

    /// Land simplified for zoom `z`, in world units.
    pub fn at(&self, z: u8) -> Option<&MultiPolygon<f64>> {
        let world = self.world.as_ref()?;
        let cell = self.by_zoom.get(usize::from(z))?;
        Some(cell.get_or_init(|| simplify_world(world, z)))
    }
}

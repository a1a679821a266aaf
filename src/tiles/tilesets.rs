//! The tilesets we serve and what their layers carry: the single description that the
//! renderers, TileJSON and the catalogue share.

use std::ops::RangeInclusive;

use super::cluster::CLUSTER_MAX_ZOOM;
use super::places::PlaceKind;
use crate::model::AdminLevel;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, utoipa::ToSchema)]
#[schema(rename_all = "kebab-case")]
pub enum Tileset {
    Institutions,
    AdminAreas,
    Base,
}

/// One layer as TileJSON's `vector_layers` describes it.
pub struct LayerInfo {
    pub id: &'static str,
    pub description: &'static str,
    /// 0 points, 1 lines, 2 polygons (OGC tileset metadata's `geometryDimension`).
    pub geometry_dimension: u8,
    pub minzoom: u8,
    pub maxzoom: u8,
    pub fields: &'static [(&'static str, &'static str)],
}

impl LayerInfo {
    /// The layer as an entry of TileJSON's `vector_layers` (also the PMTiles metadata's),
    /// its zooms narrowed to `zooms` (a reader holding fewer zooms than the tileset).
    pub fn vector_layer(&self, zooms: RangeInclusive<u8>) -> serde_json::Value {
        let fields: serde_json::Map<String, serde_json::Value> = self
            .fields
            .iter()
            .map(|(k, d)| ((*k).to_owned(), serde_json::json!(d)))
            .collect();
        serde_json::json!({
            "id": self.id,
            "description": self.description,
            "minzoom": self.minzoom.max(*zooms.start()),
            "maxzoom": self.maxzoom.min(*zooms.end()),
            "fields": fields,
        })
    }
}

const INSTITUTION_FIELDS: &[(&str, &str)] = &[
    (
        "cluster",
        "true for a cluster of institutions, false for one institution",
    ),
    ("point_count", "cluster: number of institutions in it"),
    ("expansion_zoom", "cluster: the zoom at which it splits"),
    ("count_university", "cluster: universities in it"),
    ("count_college", "cluster: colleges in it"),
    (
        "count_intermediate_school",
        "cluster: intermediate schools in it",
    ),
    ("count_gdnn_gdtx_centre", "cluster: GDNN-GDTX centres in it"),
    (
        "count_vocational_training_centre",
        "cluster: vocational training centres in it",
    ),
    (
        "count_enterprise_training_unit",
        "cluster: enterprise training units in it",
    ),
    ("count_other", "cluster: other institutions in it"),
    (
        "id",
        "institution: stable identifier (/api/v1/institutions/{id})",
    ),
    ("name_vi", "institution: name in Vietnamese"),
    ("name_en", "institution: name in English, where known"),
    (
        "kind",
        "institution: university, college, intermediate_school, gdnn_gdtx_centre, vocational_training_centre, enterprise_training_unit or other",
    ),
    (
        "ownership",
        "institution: public, private or foreign_invested",
    ),
    (
        "programme_count",
        "institution: number of licensed programmes",
    ),
    (
        "levels",
        "institution: training levels offered, comma-separated (college, intermediate, elementary, short_course)",
    ),
    (
        "position_accuracy",
        "institution: surveyed, address, town or approximate",
    ),
    (
        "digital_infrastructure",
        "institution: has digital infrastructure (absent when unknown)",
    ),
    (
        "connected_national_platform",
        "institution: connected to the national GDNN platform (absent when unknown)",
    ),
    (
        "digitised_diplomas",
        "institution: diplomas digitised (absent when unknown)",
    ),
];

const AREA_FIELDS: &[(&str, &str)] = &[
    ("code", "GSO code (meaningful only with its scheme)"),
    (
        "scheme",
        "pre2025 (province, district, commune) or 2025 (province, commune)",
    ),
    ("name", "official name"),
    ("level", "province, district or commune"),
    (
        "geometry_source",
        "how the boundary was made; 'schematic' is not an official boundary",
    ),
];

const PLACE_FIELDS: &[(&str, &str)] = &[
    ("name", "the name in Vietnamese"),
    (
        "name_en",
        "the name in English: the proper name without diacritics, the kind of unit translated",
    ),
    (
        "kind",
        "city (from zoom 6), town, district (pre-2025, from zoom 8) or commune (either coding, from zoom 11)",
    ),
    (
        "rank",
        "label priority, 1 first (city, district, town, commune)",
    ),
    (
        "position",
        "gazetteer (GeoNames), approximate (placed by hand), schematic (inside a schematic boundary) or interior (inside an official boundary)",
    ),
    ("scheme", "areas only: pre2025 or 2025"),
    (
        "code",
        "areas only: GSO code (meaningful only with its scheme)",
    ),
];

const BOUNDARY_FIELDS: &[(&str, &str)] = &[
    ("scheme", "pre2025 or 2025"),
    ("level", "province, district or commune"),
];

impl Tileset {
    pub const ALL: [Tileset; 3] = [Tileset::Institutions, Tileset::AdminAreas, Tileset::Base];

    pub fn id(self) -> &'static str {
        match self {
            Tileset::Institutions => "institutions",
            Tileset::AdminAreas => "admin-areas",
            Tileset::Base => "base",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.id() == s)
    }

    pub fn zooms(self) -> RangeInclusive<u8> {
        match self {
            Tileset::Institutions => 0..=16,
            Tileset::AdminAreas => 0..=14,
            Tileset::Base => 0..=14,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Tileset::Institutions => "Cơ sở GDNN / GDNN institutions",
            Tileset::AdminAreas => "Đơn vị hành chính / Administrative areas",
            Tileset::Base => "Bản đồ nền / Base map",
        }
    }

    pub fn description(self) -> &'static str {
        match self {
            Tileset::Institutions => {
                "Vocational education institutions; clustered below zoom 12. Filter with ?kind=, ?ownership=, ?level=, ?occupation= (7-digit code)."
            }
            Tileset::AdminAreas => {
                "Administrative areas before and after the 1 July 2025 reform, with label points."
            }
            Tileset::Base => {
                "Land (Natural Earth), area outlines and place names (towns from GeoNames, pre-2025 districts, communes of both codings at a seat town we hold), so the map needs no outside tile service."
            }
        }
    }

    pub fn attribution(self) -> &'static str {
        match self {
            Tileset::Institutions => {
                "vetmap demonstration data: positions and figures approximate where marked (position_accuracy, source)"
            }
            Tileset::AdminAreas => {
                "Codes and names: GSO; boundaries schematic where geometry_source says so"
            }
            Tileset::Base => {
                "Land: Natural Earth (public domain); towns: GeoNames (CC BY 4.0); outlines and area names: GSO names, schematic boundaries"
            }
        }
    }

    pub fn layers(self) -> Vec<LayerInfo> {
        let (min, max) = (*self.zooms().start(), *self.zooms().end());
        match self {
            Tileset::Institutions => vec![LayerInfo {
                id: "institutions",
                geometry_dimension: 0,
                description: "One point per institution; below zoom 12, and up to zoom 15 in tiles holding more than 1000, clusters (cluster=true) of the institutions in a cell",
                minzoom: min,
                maxzoom: max,
                fields: INSTITUTION_FIELDS,
            }],
            Tileset::AdminAreas => vec![
                LayerInfo {
                    id: "areas_pre2025",
                    geometry_dimension: 2,
                    description: "Units before 1 July 2025 (province, district, commune) as polygons",
                    minzoom: min,
                    maxzoom: max,
                    fields: AREA_FIELDS,
                },
                LayerInfo {
                    id: "areas_2025",
                    geometry_dimension: 2,
                    description: "Units from 1 July 2025 (province, commune) as polygons",
                    minzoom: min,
                    maxzoom: max,
                    fields: AREA_FIELDS,
                },
                LayerInfo {
                    id: "area_labels",
                    geometry_dimension: 0,
                    description: "A label point inside each unit, both schemes",
                    minzoom: label_min_zoom(AdminLevel::Province),
                    maxzoom: max,
                    fields: AREA_FIELDS,
                },
            ],
            Tileset::Base => vec![
                LayerInfo {
                    id: "land",
                    geometry_dimension: 2,
                    description: "Land polygons (Natural Earth 1:10m, Viet Nam)",
                    minzoom: min,
                    maxzoom: max,
                    fields: &[],
                },
                LayerInfo {
                    id: "boundaries",
                    geometry_dimension: 1,
                    description: "Administrative area outlines as lines",
                    minzoom: min,
                    maxzoom: max,
                    fields: BOUNDARY_FIELDS,
                },
                LayerInfo {
                    id: "places",
                    geometry_dimension: 0,
                    description: "Names as points: towns and cities (GeoNames), pre-2025 districts inside their polygons, and communes of both codings at their seat town where we hold one (communes have no geometry, so most have no label)",
                    minzoom: PlaceKind::City.min_zoom(),
                    maxzoom: max,
                    fields: PLACE_FIELDS,
                },
            ],
        }
    }
}

/// The first zoom at which areas of a level are drawn: communes are noise on a
/// country-wide view.
pub fn area_min_zoom(level: AdminLevel) -> u8 {
    match level {
        AdminLevel::Province => 0,
        AdminLevel::District => 7,
        AdminLevel::Commune => 9,
    }
}

pub fn label_min_zoom(level: AdminLevel) -> u8 {
    match level {
        AdminLevel::Province => 5,
        AdminLevel::District => 8,
        AdminLevel::Commune => 10,
    }
}

/// Zoom at which clusters give way to points (TileJSON documentation).
pub const POINTS_FROM_ZOOM: u8 = CLUSTER_MAX_ZOOM + 1;

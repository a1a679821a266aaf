//! The two collections and the documents that describe them: `/collections`,
//! `/collections/{id}`, `/collections/{id}/queryables`.

use serde_json::{Map, Value, json};

use super::params::{CRS84, DEFAULT_LIMIT, MAX_LIMIT};
use crate::api::edge::links::{Links, link};
use crate::error::ApiError;
use crate::features::{Field, FieldKind, areas, institutions};
use crate::index::ServingIndex;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Collection {
    Institutions,
    AdminAreas,
}

impl Collection {
    pub const ALL: [Collection; 2] = [Collection::Institutions, Collection::AdminAreas];

    pub fn find(id: &str) -> Result<Self, ApiError> {
        Self::ALL.into_iter().find(|c| c.id() == id).ok_or_else(|| {
            ApiError::NotFound(format!(
                "no collection {id:?}; collections: institutions, admin-areas"
            ))
        })
    }

    pub fn id(self) -> &'static str {
        match self {
            Collection::Institutions => "institutions",
            Collection::AdminAreas => "admin-areas",
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            Collection::Institutions => "Cơ sở GDNN / Vocational education institutions",
            Collection::AdminAreas => "Đơn vị hành chính / Administrative areas",
        }
    }

    pub fn description(self) -> &'static str {
        match self {
            Collection::Institutions => {
                "Cơ sở giáo dục nghề nghiệp (điểm) với chương trình đào tạo và chỉ số chuyển đổi số. \
                 GDNN institutions (points) with their programmes and digital-readiness indicators. \
                 Filters: kind, ownership, district (pre-2025 code), commune (2025 code), \
                 commune_pre2025, occupation (7-digit code), level, the readiness flags \
                 (true/false), q (free text, diacritics ignored), datetime (updated_at), \
                 CQL2 filter."
            }
            Collection::AdminAreas => {
                "Đơn vị hành chính trước và từ 1/7/2025 (đa giác; cấp xã chưa có ranh giới). \
                 Administrative units before and from 1 July 2025 (polygons; communes have no \
                 geometry yet). Pick a coding with scheme=pre2025 or scheme=2025, a level with \
                 level=province|district|commune, or the units valid at a date with datetime=; \
                 feature ids are {scheme}-{code}."
            }
        }
    }

    pub fn fields(self) -> &'static [Field] {
        match self {
            Collection::Institutions => institutions::FIELDS,
            Collection::AdminAreas => areas::FIELDS,
        }
    }

    /// Query parameters of the items endpoint beyond the common ones.
    pub fn extra_params(self) -> &'static [&'static str] {
        match self {
            Collection::Institutions => &[
                "kind",
                "ownership",
                "district",
                "commune",
                "commune_pre2025",
                "occupation",
                "level",
                "digital_infrastructure",
                "connected_national_platform",
                "digitised_learning_records",
                "digitised_diplomas",
                "high_quality_school",
                "digital_school",
            ],
            Collection::AdminAreas => &["scheme", "level", "parent"],
        }
    }

    fn item_type_geometry(self) -> &'static str {
        match self {
            Collection::Institutions => "point",
            Collection::AdminAreas => "multipolygon",
        }
    }

    /// The spatial extent of what the index holds (`None` when empty).
    fn extent(self, index: &ServingIndex) -> Option<[f64; 4]> {
        match self {
            Collection::Institutions => {
                if index.institutions().is_empty() {
                    return None;
                }
                let e = index.points().envelope();
                let (lo, hi) = (e.lower(), e.upper());
                Some([lo[0], lo[1], hi[0], hi[1]])
            }
            Collection::AdminAreas => {
                use geo::BoundingRect;
                index
                    .areas()
                    .iter()
                    .filter_map(|a| a.geometry.as_ref()?.bounding_rect())
                    .map(|r| [r.min().x, r.min().y, r.max().x, r.max().y])
                    .reduce(|a, b| {
                        [
                            a[0].min(b[0]),
                            a[1].min(b[1]),
                            a[2].max(b[2]),
                            a[3].max(b[3]),
                        ]
                    })
            }
        }
    }

    /// The collection document (`/collections/{id}` and an entry of `/collections`).
    pub fn document(self, index: &ServingIndex, l: &Links) -> Value {
        let id = self.id();
        let base = format!("/collections/{id}");
        let mut doc = json!({
            "id": id,
            "title": self.title(),
            "description": self.description(),
            "itemType": "feature",
            "crs": [CRS84],
            "storageCrs": CRS84,
            "links": [
                link(l.url(&base, "json"), "self", "application/json", "This collection (JSON)"),
                link(l.url(&base, "html"), "alternate", "text/html", "Trang HTML / This collection as HTML"),
                link(l.url(&format!("{base}/items"), "json"), "items", "application/geo+json", "Features (GeoJSON)"),
                link(l.url(&format!("{base}/items"), "html"), "items", "text/html", "Features (HTML)"),
                link(l.url(&format!("{base}/queryables"), ""), "http://www.opengis.net/def/rel/ogc/1.0/queryables", "application/schema+json", "Queryables"),
                link(l.url(&format!("{base}/tiles"), ""), crate::tiles::ogc::REL_TILESETS_VECTOR, "application/json", "Ô vector / Vector tiles (OGC API – Tiles)"),
            ],
            // Not standardised in Part 1; the same limits are in the OpenAPI document.
            "limit": {"default": DEFAULT_LIMIT, "maximum": MAX_LIMIT},
            "geometryType": self.item_type_geometry(),
        });
        if let Some(b) = self.extent(index) {
            doc["extent"] = json!({"spatial": {"bbox": [b], "crs": CRS84}});
        }
        doc
    }

    /// `/collections/{id}/queryables`: a JSON Schema of what filters can name.
    pub fn queryables(self, l: &Links) -> Value {
        let mut props = Map::new();
        props.insert(
            "geometry".into(),
            json!({
                "title": "Geometry",
                "format": if self == Collection::Institutions { "geometry-point" } else { "geometry-multipolygon" },
                "x-ogc-role": "primary-geometry",
            }),
        );
        for f in self.fields() {
            let mut s = match f.kind {
                FieldKind::Text => json!({"type": "string"}),
                FieldKind::Number => json!({"type": "number"}),
                FieldKind::Boolean => json!({"type": "boolean"}),
                FieldKind::Timestamp => json!({"type": "string", "format": "date-time"}),
                FieldKind::Date => json!({"type": "string", "format": "date"}),
            };
            s["title"] = json!(f.title);
            if let Some(values) = f.values {
                s["enum"] = json!(values.split_whitespace().collect::<Vec<_>>());
            }
            props.insert(f.name.into(), s);
        }
        json!({
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "$id": l.url(&format!("/collections/{}/queryables", self.id()), ""),
            "type": "object",
            "title": self.title(),
            "properties": props,
            "additionalProperties": false,
        })
    }
}

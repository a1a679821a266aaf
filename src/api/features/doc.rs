//! What the OGC API – Features endpoints take and answer, for the OpenAPI document.
//! Their JSON is built where the links are (`collections.rs`, `items.rs`); these types
//! describe it, and the tests here keep the parameter lists equal to those
//! `params::Params` admits.

#![allow(dead_code)]

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};

use crate::model::{InstitutionKind, Ownership, Scheme};

/// A link, as every OGC document writes them.
#[derive(ToSchema)]
pub struct Link {
    href: String,
    rel: String,
    #[schema(rename = "type")]
    media_type: String,
    title: String,
}

#[derive(ToSchema)]
pub struct Landing {
    title: String,
    description: String,
    links: Vec<Link>,
}

#[derive(ToSchema)]
pub struct Conformance {
    #[schema(rename = "conformsTo")]
    conforms_to: Vec<String>,
}

#[derive(ToSchema)]
pub struct Collections {
    links: Vec<Link>,
    collections: Vec<CollectionDocument>,
}

#[derive(ToSchema)]
pub struct CollectionDocument {
    /// `institutions` or `admin-areas`.
    id: String,
    title: String,
    description: String,
    #[schema(rename = "itemType")]
    item_type: String,
    crs: Vec<String>,
    #[schema(rename = "storageCrs")]
    storage_crs: String,
    links: Vec<Link>,
    /// Not standardised in Part 1: the page size's default and maximum.
    limit: PageLimits,
    #[schema(rename = "geometryType")]
    geometry_type: String,
    /// Absent when the collection is empty.
    extent: Option<Extent>,
}

#[derive(ToSchema)]
pub struct PageLimits {
    default: usize,
    maximum: usize,
}

#[derive(ToSchema)]
pub struct Extent {
    spatial: SpatialExtent,
}

#[derive(ToSchema)]
pub struct SpatialExtent {
    /// One box: west, south, east, north.
    bbox: Vec<[f64; 4]>,
    crs: String,
}

/// A GeoJSON Feature with OGC links.
#[derive(ToSchema)]
pub struct Feature {
    /// `Feature`.
    #[schema(rename = "type", pattern = "^Feature$")]
    kind: String,
    id: String,
    /// A GeoJSON geometry (Point for institutions, MultiPolygon for areas); null for an
    /// area without one.
    geometry: Option<BTreeMap<String, Value>>,
    /// The record's properties (`properties=` selects them).
    properties: BTreeMap<String, Value>,
    links: Vec<Link>,
}

/// A page of features.
#[derive(ToSchema)]
pub struct FeatureCollection {
    /// `FeatureCollection`.
    #[schema(rename = "type", pattern = "^FeatureCollection$")]
    kind: String,
    #[schema(rename = "numberMatched")]
    number_matched: usize,
    #[schema(rename = "numberReturned")]
    number_returned: usize,
    #[schema(rename = "timeStamp")]
    time_stamp: chrono::DateTime<chrono::Utc>,
    links: Vec<Link>,
    features: Vec<Feature>,
}

/// `f` alone: what the documents other than items take.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FormatOnly {
    /// Format (overrides `Accept`): `json` or `html`.
    #[param(value_type = Option<String>, pattern = "^(json|html)$")]
    f: Option<String>,
}

/// The items' query string: the parameters every collection takes, then those of
/// `institutions`, then those of `admin-areas` (a parameter of the other collection is
/// refused with 400 naming it). Each at most once.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ItemsParams {
    /// Format (overrides `Accept`): `json` (GeoJSON) or `html`.
    #[param(value_type = Option<String>, pattern = "^(json|html)$")]
    f: Option<String>,
    /// minLon,minLat,maxLon,maxLat in CRS84; edges included; an inverted or
    /// out-of-range box is a 400.
    #[param(value_type = Option<Vec<f64>>, style = Form, explode = false, min_items = 4, max_items = 4)]
    bbox: Option<String>,
    /// The CRS of `bbox`: CRS84 only.
    #[serde(rename = "bbox-crs")]
    #[param(value_type = Option<String>, pattern = "^http://www\\.opengis\\.net/def/crs/OGC/1\\.3/CRS84$")]
    bbox_crs: Option<String>,
    /// The CRS of the answer: CRS84 only.
    #[param(value_type = Option<String>, pattern = "^http://www\\.opengis\\.net/def/crs/OGC/1\\.3/CRS84$")]
    crs: Option<String>,
    /// Features per page (default 100; more than 1000 is served as 1000).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 1000, default = 100)]
    limit: Option<String>,
    /// Features to skip (the next link sets it).
    #[param(value_type = Option<u32>, minimum = 0)]
    offset: Option<String>,
    /// Instant or interval (`a/b`, `../b`, `a/..`): institutions by `updated_at`, areas
    /// by validity.
    #[param(value_type = Option<String>)]
    datetime: Option<String>,
    /// Properties to include, comma-separated.
    #[param(value_type = Option<Vec<String>>, style = Form, explode = false)]
    properties: Option<String>,
    /// Queryables to sort by, `-` for descending (ties by id); each once, at most 8.
    #[param(value_type = Option<Vec<String>>, style = Form, explode = false, max_items = 8)]
    sortby: Option<String>,
    /// Free text; every word must occur; Vietnamese diacritics ignored.
    #[param(value_type = Option<String>, max_length = 200)]
    q: Option<String>,
    /// A CQL2 filter (see /conformance and the collection's queryables): at most 8 KiB,
    /// 32 levels of nesting, 256 operators, IN lists of 1000 values, LIKE patterns of
    /// 256 characters, geometries of 1000 positions.
    #[param(value_type = Option<String>, max_length = 8192)]
    filter: Option<String>,
    /// `cql2-text` (default) or `cql2-json`.
    #[serde(rename = "filter-lang")]
    #[param(value_type = Option<String>, pattern = "^cql2-(text|json)$")]
    filter_lang: Option<String>,
    /// The CRS of the filter's geometries: CRS84 only.
    #[serde(rename = "filter-crs")]
    #[param(value_type = Option<String>, pattern = "^http://www\\.opengis\\.net/def/crs/OGC/1\\.3/CRS84$")]
    filter_crs: Option<String>,
    /// `institutions`: kinds, comma-separated (any of).
    #[param(value_type = Option<Vec<InstitutionKind>>, style = Form, explode = false)]
    kind: Option<String>,
    /// `institutions`: ownerships, comma-separated (any of).
    #[param(value_type = Option<Vec<Ownership>>, style = Form, explode = false)]
    ownership: Option<String>,
    /// `institutions`: pre-2025 district GSO code (3 digits).
    #[param(value_type = Option<String>, pattern = "^[0-9]{3}$")]
    district: Option<String>,
    /// `institutions`: 2025 commune GSO code (5 digits).
    #[param(value_type = Option<String>, pattern = "^[0-9]{5}$")]
    commune: Option<String>,
    /// `institutions`: pre-2025 commune GSO code (5 digits).
    #[param(value_type = Option<String>, pattern = "^[0-9]{5}$")]
    commune_pre2025: Option<String>,
    /// `institutions`: has a programme in this occupation (7-digit catalogue code).
    #[param(value_type = Option<String>, pattern = "^[0-9]{7}$")]
    occupation: Option<String>,
    /// `institutions`: has a programme at one of these levels (comma-separated; with
    /// `occupation`, that occupation at that level). `admin-areas`: the areas' levels
    /// (`province`, `district`, `commune`).
    #[param(value_type = Option<Vec<String>>, style = Form, explode = false)]
    level: Option<String>,
    /// `institutions`: true or false (unknown matches neither).
    #[param(value_type = Option<bool>)]
    digital_infrastructure: Option<String>,
    /// `institutions`: true or false (unknown matches neither).
    #[param(value_type = Option<bool>)]
    connected_national_platform: Option<String>,
    /// `institutions`: true or false (unknown matches neither).
    #[param(value_type = Option<bool>)]
    digitised_learning_records: Option<String>,
    /// `institutions`: true or false (unknown matches neither).
    #[param(value_type = Option<bool>)]
    digitised_diplomas: Option<String>,
    /// `institutions`: true or false (unknown matches neither).
    #[param(value_type = Option<bool>)]
    high_quality_school: Option<String>,
    /// `institutions`: true or false (unknown matches neither).
    #[param(value_type = Option<bool>)]
    digital_school: Option<String>,
    /// `admin-areas`: the coding, `pre2025` (three tiers, until 30 June 2025) or `2025`.
    #[param(value_type = Option<Scheme>)]
    scheme: Option<String>,
    /// `admin-areas`: the parent unit's code (same scheme).
    #[param(value_type = Option<String>)]
    parent: Option<String>,
}

#[cfg(test)]
mod tests {
    use utoipa::IntoParams;
    use utoipa::openapi::path::ParameterIn;

    use super::super::collections::Collection;
    use super::super::params::COMMON;
    use super::ItemsParams;

    #[test]
    fn the_documented_items_parameters_are_those_the_endpoint_admits() {
        let documented: Vec<String> = ItemsParams::into_params(|| Some(ParameterIn::Query))
            .into_iter()
            .map(|p| p.name)
            .collect();
        let mut admitted: Vec<&str> = COMMON.to_vec();
        for c in Collection::ALL {
            for p in c.extra_params() {
                if !admitted.contains(p) {
                    admitted.push(p);
                }
            }
        }
        let mut documented_sorted = documented.clone();
        documented_sorted.sort();
        admitted.sort();
        assert_eq!(documented_sorted, admitted);
    }
}

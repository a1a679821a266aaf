//! GeoJSON bodies of `/collections/{id}/items` and `/collections/{id}/items/{featureId}`,
//! serialised straight into the response bytes.
//!
//! An institution's feature borrows its record and writes its geometry, properties and
//! links as it goes: no `serde_json::Value` per property, no `String` per link. Building
//! those trees and freeing them again was most of a page's CPU at national scale (the
//! allocator alone about 60%, docs/BENCHMARKS.md). Areas are few and their polygons come
//! as values from `features::geometry`, so they stay values. The HTML pages read the same
//! structs through `serde_json::to_value`, so both formats share one description of a page.

use std::fmt;

use serde::Serialize;
use serde::ser::{SerializeMap, SerializeSeq, Serializer};
use serde_json::Value;

use crate::features::geometry::Point;
use crate::features::institutions::Properties;
use crate::model::Institution;

/// About how many bytes one institution's feature takes (about 2.3 kB with its programmes
/// and links), to size the body once.
const FEATURE_BYTES: usize = 2_560;

/// A page of features with the OGC API counts and links.
#[derive(Serialize)]
pub struct FeatureCollection<'a> {
    #[serde(rename = "type")]
    pub kind: &'static str,
    #[serde(rename = "numberMatched")]
    pub number_matched: usize,
    #[serde(rename = "numberReturned")]
    pub number_returned: usize,
    #[serde(rename = "timeStamp")]
    pub time_stamp: String,
    pub links: Vec<Value>,
    pub features: Vec<Feature<'a>>,
}

impl<'a> FeatureCollection<'a> {
    pub fn new(
        number_matched: usize,
        time_stamp: String,
        links: Vec<Value>,
        features: Vec<Feature<'a>>,
    ) -> Self {
        Self {
            kind: "FeatureCollection",
            number_matched,
            number_returned: features.len(),
            time_stamp,
            links,
            features,
        }
    }

    /// The GeoJSON text, written once into a buffer sized for it.
    pub fn to_bytes(&self) -> Result<Vec<u8>, serde_json::Error> {
        let mut out = Vec::with_capacity(1_024 + FEATURE_BYTES * self.number_returned);
        serde_json::to_writer(&mut out, self)?;
        Ok(out)
    }
}

/// One feature of either collection.
#[derive(Serialize)]
#[serde(untagged)]
pub enum Feature<'a> {
    Institution(InstitutionFeature<'a>),
    Area(Value),
}

impl Feature<'_> {
    /// The GeoJSON text of the feature alone.
    pub fn to_bytes(&self) -> Result<Vec<u8>, serde_json::Error> {
        let mut out = Vec::with_capacity(FEATURE_BYTES);
        serde_json::to_writer(&mut out, self)?;
        Ok(out)
    }
}

/// One institution as a GeoJSON feature with its links, under `base` (the server's root
/// as [`crate::api::edge::links::Links::base`] gives it), with only the `wanted`
/// properties when `properties=` names some.
#[derive(Clone, Copy)]
pub struct InstitutionFeature<'a> {
    pub institution: &'a Institution,
    pub base: &'a str,
    pub wanted: Option<&'a [String]>,
}

impl Serialize for InstitutionFeature<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let i = self.institution;
        let mut m = s.serialize_map(Some(5))?;
        m.serialize_entry("type", "Feature")?;
        m.serialize_entry("id", i.id.as_str())?;
        m.serialize_entry("geometry", &Point::at(i.location))?;
        m.serialize_entry(
            "properties",
            &Properties {
                institution: i,
                wanted: self.wanted,
            },
        )?;
        m.serialize_entry("links", &FeatureLinks(self))?;
        m.end()
    }
}

/// The links of an institution's feature: itself as GeoJSON and HTML, its page, its
/// profile, its collection.
struct FeatureLinks<'a>(&'a InstitutionFeature<'a>);

impl Serialize for FeatureLinks<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let (base, i) = (self.0.base, self.0.institution);
        let id = i.id.as_str();
        let items = "/collections/institutions/items/";
        let links = [
            Link {
                href: Url(base, items, id, "json"),
                rel: "self",
                media_type: "application/geo+json",
                title: i.name_vi(),
            },
            Link {
                href: Url(base, items, id, "html"),
                rel: "alternate",
                media_type: "text/html",
                title: "Trang HTML / As HTML",
            },
            Link {
                href: Url(base, "/institutions/", id, ""),
                rel: "related",
                media_type: "text/html",
                title: "Trang cơ sở / Institution page",
            },
            Link {
                href: Url(base, "/api/v1/institutions/", id, ""),
                rel: "describedby",
                media_type: "application/json",
                title: "Hồ sơ / Institution profile",
            },
            Link {
                href: Url(base, "/collections/institutions", "", "json"),
                rel: "collection",
                media_type: "application/json",
                title: "institutions",
            },
        ];
        let mut seq = s.serialize_seq(Some(links.len()))?;
        for l in &links {
            seq.serialize_element(l)?;
        }
        seq.end()
    }
}

/// A link object as `api::edge::links::link` makes it, with its href written in place.
#[derive(Serialize)]
struct Link<'a> {
    href: Url<'a>,
    rel: &'a str,
    #[serde(rename = "type")]
    media_type: &'a str,
    title: &'a str,
}

/// `base` + `path` + `id`, then `?f=<f>` unless `f` is empty (as `Links::url` writes it).
struct Url<'a>(&'a str, &'a str, &'a str, &'a str);

impl fmt::Display for Url<'_> {
    fn fmt(&self, out: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Url(base, path, id, f) = *self;
        out.write_str(base)?;
        out.write_str(path)?;
        out.write_str(id)?;
        if !f.is_empty() {
            out.write_str("?f=")?;
            out.write_str(f)?;
        }
        Ok(())
    }
}

impl Serialize for Url<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::edge::links::{Links, link};
    use crate::features::geometry::round7;
    use axum::http::HeaderMap;
    use serde_json::{Map, json};

    /// The properties as the handler built them before the direct writer: the flat
    /// record as a map, less `lon`/`lat`, plus what the programmes add up to.
    fn reference_properties(i: &Institution) -> Map<String, Value> {
        let mut m = i.to_flat();
        m.shift_remove("lon");
        m.shift_remove("lat");
        m.insert("programme_count".into(), json!(i.programmes.len()));
        m.insert(
            "levels".into(),
            json!(i.levels().iter().map(|l| l.as_str()).collect::<Vec<_>>()),
        );
        let mut occupations: Vec<crate::model::OccupationCode> =
            i.programmes.iter().map(|p| p.occupation_code()).collect();
        occupations.sort_unstable();
        occupations.dedup();
        m.insert("occupations".into(), json!(occupations));
        m.insert(
            "programmes".into(),
            Value::Array(i.programmes.iter().map(|p| p.to_json()).collect()),
        );
        m
    }

    /// The feature as a `Value` tree, as the handler built it before.
    fn reference_feature(i: &Institution, l: &Links, wanted: Option<&[String]>) -> Value {
        let id = i.id.as_str();
        let self_path = format!("/collections/institutions/items/{id}");
        let mut props = reference_properties(i);
        if let Some(w) = wanted {
            props.retain(|k, _| w.iter().any(|n| n == k));
        }
        json!({
            "type": "Feature",
            "id": id,
            "geometry": {"type": "Point",
                "coordinates": [round7(i.location.lon()), round7(i.location.lat())]},
            "properties": props,
            "links": [
                link(l.url(&self_path, "json"), "self", "application/geo+json", i.name_vi()),
                link(l.url(&self_path, "html"), "alternate", "text/html", "Trang HTML / As HTML"),
                link(l.url(&format!("/institutions/{id}"), ""), "related", "text/html",
                    "Trang cơ sở / Institution page"),
                link(l.url(&format!("/api/v1/institutions/{id}"), ""), "describedby",
                    "application/json", "Hồ sơ / Institution profile"),
                link(l.url("/collections/institutions", "json"), "collection",
                    "application/json", "institutions"),
            ],
        })
    }

    /// Synthetic institutions, and a few edited to carry what escaping and nulls test:
    /// Vietnamese text, quotes, a backslash, a control character, missing fields.
    fn institutions() -> Vec<Institution> {
        let mut all = crate::synth::generate(60, 7).institutions;
        all[0].text = crate::model::InstitutionText::new(crate::model::TextFields {
            name_vi: "Trường Cao đẳng Nghề \"Đồng Tháp\" \\ số 1\u{1}\t<b>",
            name_en: None,
            code: None,
            address: Some("Ấp Mỹ Phú, xã Mỹ Hiệp, huyện Cao Lãnh – ĐT"),
            ..all[0].text.fields()
        })
        .unwrap();
        all[1].programmes = Box::default();
        all[1].readiness = Default::default();
        all[1].text = crate::model::InstitutionText::new(crate::model::TextFields {
            phone: None,
            email: None,
            website: None,
            ..all[1].text.fields()
        })
        .unwrap();
        std::sync::Arc::make_mut(&mut all[2].readiness).teachers_digital_trained_pct = Some(50.0);
        std::sync::Arc::make_mut(&mut all[3].readiness).teachers_digital_trained_pct =
            Some(12.345_678_9);
        all
    }

    fn selections() -> Vec<Option<Vec<String>>> {
        let names = |n: &[&str]| Some(n.iter().map(|s| s.to_string()).collect());
        vec![
            None,
            names(&[]),
            names(&["name_vi"]),
            names(&["programmes", "id", "updated_at", "levels", "occupations"]),
            names(&["teachers_digital_trained_pct", "address", "name_en", "code"]),
            Some(
                crate::features::institutions::property_names()
                    .into_iter()
                    .map(str::to_owned)
                    .collect(),
            ),
        ]
    }

    #[test]
    fn features_are_written_as_the_value_trees_were() {
        let all = institutions();
        for l in [
            Links::new(None, &HeaderMap::new()),
            Links::new(Some("https://bản-đồ.example/gdnn/"), &HeaderMap::new()),
        ] {
            for wanted in selections() {
                for i in &all {
                    let new = InstitutionFeature {
                        institution: i,
                        base: l.base(),
                        wanted: wanted.as_deref(),
                    };
                    let old = reference_feature(i, &l, wanted.as_deref());
                    let bytes = Feature::Institution(new).to_bytes().unwrap();
                    assert_eq!(
                        String::from_utf8(bytes).unwrap(),
                        old.to_string(),
                        "{} with {wanted:?}",
                        i.id.as_str()
                    );
                    assert_eq!(serde_json::to_value(new).unwrap(), old);
                }
            }
        }
    }

    #[test]
    fn collections_are_written_as_the_value_trees_were() {
        let all = institutions();
        let l = Links::new(None, &HeaderMap::new());
        let links = vec![link(
            l.url("/collections/institutions/items", "json"),
            "self",
            "application/geo+json",
            "This page",
        )];
        for wanted in selections() {
            let features: Vec<Feature> = all
                .iter()
                .map(|i| {
                    Feature::Institution(InstitutionFeature {
                        institution: i,
                        base: l.base(),
                        wanted: wanted.as_deref(),
                    })
                })
                .collect();
            let old = json!({
                "type": "FeatureCollection",
                "numberMatched": 1234,
                "numberReturned": all.len(),
                "timeStamp": "2026-01-01T00:00:00Z",
                "links": links,
                "features": all.iter()
                    .map(|i| reference_feature(i, &l, wanted.as_deref()))
                    .collect::<Vec<_>>(),
            });
            let page = FeatureCollection::new(
                1234,
                "2026-01-01T00:00:00Z".into(),
                links.clone(),
                features,
            );
            let bytes = page.to_bytes().unwrap();
            assert_eq!(String::from_utf8(bytes).unwrap(), old.to_string());
            assert_eq!(serde_json::to_value(&page).unwrap(), old);
        }
        let areas =
            FeatureCollection::new(0, "t".into(), vec![], vec![Feature::Area(json!({"a": 1}))]);
        assert_eq!(
            String::from_utf8(areas.to_bytes().unwrap()).unwrap(),
            r#"{"type":"FeatureCollection","numberMatched":0,"numberReturned":1,"timeStamp":"t","links":[],"features":[{"a":1}]}"#
        );
    }
}

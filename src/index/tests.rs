use super::*;
use crate::model::{Institution, Record};
use serde_json::json;

fn institution(id: &str, lon: f64, lat: f64) -> Institution {
    let v = json!({
        "id": id, "name_vi": format!("Cơ sở {id}"), "kind": "college", "ownership": "public",
        "lon": lon, "lat": lat, "position_accuracy": "town", "source": "test",
        "updated_at": "2026-01-01T00:00:00Z"
    });
    let serde_json::Value::Object(m) = v else {
        unreachable!()
    };
    Institution::from_record(&Record::new(m)).unwrap()
}

fn index(points: &[(&str, f64, f64)]) -> ServingIndex {
    ServingIndex::build(Dataset {
        institutions: points
            .iter()
            .map(|(id, lon, lat)| institution(id, *lon, *lat))
            .collect(),
        version: "t1".into(),
        ..Dataset::default()
    })
}

#[test]
fn bbox_includes_points_on_the_edge_and_nothing_outside() {
    let idx = index(&[("aa", 106.0, 9.0), ("bb", 106.5, 9.5), ("cc", 107.0, 10.0)]);
    let hits = idx.in_bbox(&Bbox::new(106.0, 9.0, 106.5, 9.5).unwrap());
    let ids: Vec<&str> = hits
        .iter()
        .map(|&n| idx.institutions()[n].id.as_str())
        .collect();
    assert_eq!(ids, vec!["aa", "bb"]);
}

#[test]
fn lookups_by_id_and_sorted_listing() {
    let idx = index(&[("zz", 106.0, 9.0), ("aa", 106.5, 9.5)]);
    assert_eq!(idx.institutions()[0].id.as_str(), "aa");
    assert_eq!(idx.institution("zz").unwrap().location.lon(), 106.0);
    assert!(idx.institution("nope").is_none());
}

#[test]
fn replacing_the_snapshot_leaves_old_readers_untouched() {
    let handle = IndexHandle::new(index(&[("aa", 106.0, 9.0)]));
    let before = handle.current();
    handle.replace(index(&[("aa", 106.0, 9.0), ("bb", 106.1, 9.1)]));
    assert_eq!(before.institutions().len(), 1);
    assert_eq!(handle.current().institutions().len(), 2);
}

#[test]
fn a_handle_is_not_loaded_until_the_first_real_snapshot_is_put_in() {
    let handle = IndexHandle::not_loaded();
    assert!(!handle.is_loaded());
    assert_eq!(handle.current().version(), "");
    assert!(handle.current().institutions().is_empty());
    handle.replace(index(&[("aa", 106.0, 9.0)]));
    assert!(handle.is_loaded());
    assert_eq!(handle.current().version(), "t1");
    assert!(IndexHandle::new(index(&[])).is_loaded());
}

pub(super) mod deltas {
    use std::collections::BTreeMap;

    use super::super::*;
    use crate::model::{Institution, LonLat, OccupationCode};
    use crate::search::nearby::{Filter, NearbyQuery, nearby};
    use crate::search::{SearchHit, SearchRequest, search};

    /// Answers of every read path that positions feed, by id, to compare two snapshots.
    pub(in crate::index) fn answers(ix: &ServingIndex, words: &[String]) -> Vec<String> {
        let id = |n: usize| ix.institutions()[n].id.as_str().to_owned();
        let mut out = Vec::new();
        for (lon, lat) in [(106.3, 9.9), (105.8, 21.0), (108.2, 16.05), (100.0, 5.0)] {
            let point = LonLat::new(lon, lat).unwrap();
            for d in [0.05, 0.5] {
                let b = Bbox::new(lon - d, lat - d, lon + d, lat + d).unwrap();
                out.push(format!(
                    "bbox {:?}",
                    ix.in_bbox(&b).into_iter().map(id).collect::<Vec<_>>()
                ));
                // Per-node counts and least positions see the overlay too.
                let env = rstar::AABB::from_corners(
                    [b.min.lon(), b.min.lat()],
                    [b.max.lon(), b.max.lat()],
                );
                let least = ix.points().least_in_envelope(env, 5);
                out.push(format!(
                    "bbox count {} least {:?}",
                    ix.points().count_in_envelope(env),
                    least
                        .into_iter()
                        .map(|n| id(n as usize))
                        .collect::<Vec<_>>()
                ));
            }
            let mut filters = vec![Filter::default()];
            for code in ix.search().level_counts().keys().take(3) {
                filters.push(Filter {
                    occupations: Some([code.clone()].into()),
                    ..Filter::default()
                });
            }
            for filter in filters {
                let q = NearbyQuery {
                    point,
                    limit: 7,
                    radius_m: None,
                    filter,
                };
                let hits: Vec<String> = nearby(ix, &q)
                    .into_iter()
                    .map(|h| format!("{} {:.1}", id(h.pos), h.distance_m))
                    .collect();
                out.push(format!("nearby {hits:?}"));
            }
        }
        for w in words {
            for autocomplete in [false, true] {
                let hits: Vec<String> = search(
                    ix,
                    &SearchRequest {
                        text: w,
                        near: None,
                        limit: 20,
                        autocomplete,
                    },
                )
                .into_iter()
                .map(|h| match h {
                    SearchHit::Institution { pos, .. } => id(pos),
                    SearchHit::Occupation { code, .. } => code.as_str().to_owned(),
                })
                .collect();
                out.push(format!("search {w} {hits:?}"));
            }
        }
        for (code, levels) in ix.search().level_counts() {
            let mut teaching: Vec<String> = ix
                .search()
                .institutions_teaching(code)
                .map(|n| id(n as usize))
                .collect();
            teaching.sort();
            out.push(format!("{code:?} {levels:?} {teaching:?}"));
        }
        out
    }

    /// A delta applied to a snapshot answers as a snapshot built from scratch would.
    fn assert_like_a_fresh_build(
        before: &ServingIndex,
        changes: BTreeMap<String, Option<Institution>>,
        words: &[String],
    ) -> ServingIndex {
        let applied = before.apply(Delta {
            version: "after".into(),
            institutions: changes.clone(),
            ..Delta::default()
        });
        let mut dataset = before.to_dataset();
        dataset
            .institutions
            .retain(|i| !changes.contains_key(i.id.as_str()));
        dataset.institutions.extend(changes.into_values().flatten());
        dataset.version = "after".into();
        let fresh = ServingIndex::build(dataset);
        assert_eq!(
            applied.institutions().to_vec(),
            fresh.institutions().to_vec()
        );
        let (a, f) = (answers(&applied, words), answers(&fresh, words));
        assert_eq!(a.len(), f.len());
        for (a, f) in a.iter().zip(&f) {
            assert_eq!(
                a, f,
                "the delta's answer (left) differs from a fresh build's"
            );
        }
        applied
    }

    #[test]
    fn edits_are_a_delta_that_answers_like_a_fresh_build_and_shares_the_rest() {
        let before = ServingIndex::build(crate::synth::generate(3000, 7));
        // Ask for a per-occupation tree first: untouched ones are kept.
        let code = before
            .search()
            .level_counts()
            .keys()
            .next()
            .unwrap()
            .clone();
        let _ = before.points_teaching(&code);
        let mut changes = BTreeMap::new();
        let mut words = Vec::new();
        for (k, n) in [5usize, 400, 1000, 2999].into_iter().enumerate() {
            let mut i = before.institutions()[n].clone();
            i.set_name_vi(&format!("Trường đổi tên zq{k}w")).unwrap();
            words.push(format!("zq{k}w"));
            // Moved far, across the country: nearby and boxes must see it there.
            i.location = LonLat::new(106.3 + k as f64 * 0.001, 9.9).unwrap();
            if k == 2 {
                // Its programmes change too: occupation lists and counts follow.
                i.programmes = i.programmes[..1].into();
            }
            changes.insert(i.id.as_str().to_owned(), Some(i));
        }
        words.push(before.institutions()[6].name_vi().to_string());
        let after = assert_like_a_fresh_build(&before, changes, &words);
        assert_eq!(
            after.points().overlay_len(),
            4,
            "points went to the overlay"
        );
        assert_eq!(
            after.search().overlay_len(),
            4,
            "documents to the delta segment"
        );
        // Chunks of 1,024: the changes fall in the first and the last; the middle one
        // is the same allocation in both snapshots.
        assert_eq!(
            after.institutions().shared_chunks(before.institutions()),
            1,
            "unchanged chunks are shared"
        );
        // A second delta on top of the first keeps answering right.
        let mut again = BTreeMap::new();
        let mut i = after.institutions()[400].clone();
        i.set_name_vi("Lại đổi tên zq9w").unwrap();
        again.insert(i.id.as_str().to_owned(), Some(i));
        words.push("zq9w".into());
        let third = assert_like_a_fresh_build(&after, again, &words);
        assert_eq!(third.search().overlay_len(), 4);
    }

    #[test]
    fn creations_and_removals_answer_like_a_fresh_build() {
        let before = ServingIndex::build(crate::synth::generate(2000, 3));
        let mut changes = BTreeMap::new();
        let gone = before.institutions()[17].id.as_str().to_owned();
        changes.insert(gone, None);
        let mut new = before.institutions()[3].clone();
        new.id = crate::model::InstitutionId::parse("aaa-moi-zq1w").unwrap();
        new.set_name_vi("Cơ sở mới zq1w").unwrap();
        changes.insert(new.id.as_str().to_owned(), Some(new));
        let after = assert_like_a_fresh_build(&before, changes, &["zq1w".into()]);
        assert_eq!(after.institutions().len(), before.institutions().len());
        assert!(after.institution("aaa-moi-zq1w").is_some());
    }

    /// Past `RECENT_LIMIT` documents the delta's recent segment is folded into its older
    /// one; documents of the older segment changed again or retired afterwards must be
    /// hidden there, and every answer is still a fresh build's.
    #[test]
    fn changes_across_a_fold_of_the_delta_segments_answer_like_a_fresh_build() {
        let before = ServingIndex::build(crate::synth::generate(2000, 5));
        let renamed = |ix: &ServingIndex, n: usize, token: &str| {
            let mut i = ix.institutions()[n].clone();
            i.set_name_vi(&format!("Đổi tên {token}")).unwrap();
            (i.id.as_str().to_owned(), Some(i))
        };
        let mut words: Vec<String> = vec!["zqaw".into(), "zqbw".into(), "zqcw".into()];
        // 150 renames at once: the recent segment passes its limit and is folded.
        let first: BTreeMap<String, Option<Institution>> =
            (0..150).map(|k| renamed(&before, k * 13, "zqaw")).collect();
        let after = assert_like_a_fresh_build(&before, first, &words);
        // Some of them renamed again, some retired, one created; a few new ones too.
        let mut second: BTreeMap<String, Option<Institution>> =
            (0..10).map(|k| renamed(&after, k * 13, "zqbw")).collect();
        for k in 20..25 {
            second.insert(after.institutions()[k * 13].id.as_str().to_owned(), None);
        }
        let mut created = after.institutions()[1].clone();
        created.id = crate::model::InstitutionId::parse("000-moi-zqcw").unwrap();
        created.set_name_vi("Cơ sở mới zqcw").unwrap();
        second.insert(created.id.as_str().to_owned(), Some(created));
        second.extend((0..5).map(|k| renamed(&after, 1 + k * 17, "zqcw")));
        words.push(after.institutions()[6].name_vi().to_string());
        let third = assert_like_a_fresh_build(&after, second, &words);
        assert!(third.search().overlay_len() >= 150, "still deltas");
    }

    /// Creations and retirements shift positions; the R-tree, the text index and the
    /// per-occupation trees name institutions by key, so a chain of them is applied as
    /// deltas (no new numbering, overlays growing) and every answer is a fresh build's.
    #[test]
    fn chained_creations_and_retirements_are_deltas_that_answer_like_a_fresh_build() {
        let mut ix = ServingIndex::build(crate::synth::generate(2000, 3));
        let epoch = ix.keys().epoch();
        let codes: Vec<OccupationCode> =
            ix.search().level_counts().keys().take(3).cloned().collect();
        let mut words = Vec::new();
        for step in 0..5usize {
            // Trees asked for before the delta are kept when untouched, and must then
            // translate their keys through the new numbering.
            for c in &codes {
                let _ = ix.points_teaching(c);
            }
            let mut changes = BTreeMap::new();
            // Retired: one where the answers look (a box around 106.3, 9.9) and one by
            // position, which moves every later position down.
            let near = ix.in_bbox(&Bbox::new(105.8, 9.4, 106.8, 10.4).unwrap());
            for n in [near.get(step).copied().unwrap_or(0), 100 + step * 311] {
                changes.insert(ix.institutions()[n].id.as_str().to_owned(), None);
            }
            // Created: before every id, among them and after them, next to the answers'
            // point, teaching what an existing institution teaches.
            let among = format!("{}-b{step}", ix.institutions()[900].id.as_str());
            for (k, id) in [format!("000-moi-{step}"), among, format!("zzz-moi-{step}")]
                .into_iter()
                .enumerate()
            {
                let mut i = ix.institutions()[50 * (step + k)].clone();
                i.id = crate::model::InstitutionId::parse(&id).unwrap();
                i.set_name_vi(&format!("Cơ sở mới zq{step}{k}w")).unwrap();
                words.push(format!("zq{step}{k}w"));
                let d = 0.001 * (step * 3 + k) as f64;
                i.location = LonLat::new(106.3 + d, 9.9 - d).unwrap();
                changes.insert(id, Some(i));
            }
            // Edited: one created earlier, moved and renamed.
            if step > 0 {
                let id = format!("000-moi-{}", step - 1);
                let mut i = ix.institution(&id).unwrap().clone();
                i.set_name_vi(&format!("Đổi tên zq{step}xw")).unwrap();
                words.push(format!("zq{step}xw"));
                i.location = LonLat::new(106.31, 9.91).unwrap();
                changes.insert(id, Some(i));
            }
            // And one created earlier retired again.
            if step > 1 {
                changes.insert(format!("zzz-moi-{}", step - 2), None);
            }
            words.push(ix.institutions()[6].name_vi().to_string());
            ix = assert_like_a_fresh_build(&ix, changes, &words);
            assert_eq!(ix.keys().epoch(), epoch, "step {step}: the same numbering");
            assert!(
                ix.points().overlay_len() > 0,
                "step {step}: the R-tree's overlay"
            );
            assert!(
                ix.search().overlay_len() > 0,
                "step {step}: the delta segment"
            );
        }
    }
}

#[test]
fn a_delta_merged_into_a_dataset_replaces_removes_and_adds_in_id_order() {
    let mut data = Dataset {
        institutions: ["bb", "dd", "ff", "hh"]
            .iter()
            .map(|id| institution(id, 106.0, 9.0))
            .collect(),
        version: "t1".into(),
        ..Dataset::default()
    };
    let mut moved = institution("dd", 107.0, 10.0);
    moved.set_name_vi("đổi").unwrap();
    let delta = Delta {
        version: "t2".into(),
        institutions: [
            ("aa".to_owned(), Some(institution("aa", 106.0, 9.0))),
            ("dd".to_owned(), Some(moved.clone())),
            ("ee".to_owned(), Some(institution("ee", 106.0, 9.0))),
            ("ff".to_owned(), None),
            ("zz".to_owned(), None),
        ]
        .into_iter()
        .collect(),
        ..Delta::default()
    };
    delta.merge_into(&mut data);
    let ids: Vec<&str> = data.institutions.iter().map(|i| i.id.as_str()).collect();
    assert_eq!(ids, vec!["aa", "bb", "dd", "ee", "hh"]);
    assert_eq!(data.institutions[2], moved);
    assert_eq!(data.version, "t2");
}

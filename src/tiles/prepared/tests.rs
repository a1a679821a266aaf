//! Tiles after deltas equal the tiles a fresh server renders, and keep their ETag only
//! when they did not change: random deltas (edits, creations, retirements) on a small
//! synthetic network, every tile near
//! a change (and a fixed sample elsewhere) asked of a service that cached them before the
//! delta, compared byte for byte with a fresh preparation of the same snapshot.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use rand::{RngExt, SeedableRng};
use rand_pcg::Pcg64;

use super::Prepared;
use crate::index::{Delta, ServingIndex};
use crate::model::{Institution, InstitutionId, InstitutionKind, LonLat};
use crate::tiles::{Coding, InstitutionFilter, Land, TileCoord, TileService, Tileset};

fn tiles_around(lon: f64, lat: f64, out: &mut BTreeSet<TileCoord>) {
    for z in *Tileset::Institutions.zooms().start()..=*Tileset::Institutions.zooms().end() {
        let Some(t) = TileCoord::covering(z, [lon, lat, lon, lat]).next() else {
            continue;
        };
        let max = (1u32 << z) - 1;
        for x in t.x.saturating_sub(1)..=(t.x + 1).min(max) {
            for y in t.y.saturating_sub(1)..=(t.y + 1).min(max) {
                out.insert(TileCoord { z, x, y });
            }
        }
    }
}

fn filters() -> Vec<InstitutionFilter> {
    vec![
        InstitutionFilter::default(),
        InstitutionFilter {
            kind: Some(InstitutionKind::College),
            ..Default::default()
        },
    ]
}

/// What the service answers now for each tile and filter: ETag and bytes (cached
/// when it made them before).
type Answers = BTreeMap<(TileCoord, usize), (bytes::Bytes, Option<bytes::Bytes>)>;

fn answers(
    service: &TileService,
    index: &Arc<ServingIndex>,
    tiles: &BTreeSet<TileCoord>,
) -> Answers {
    let snap = service.snapshot(index);
    let mut out = Answers::new();
    for (k, f) in filters().iter().enumerate() {
        for &t in tiles {
            let bytes = service
                .encoded(&snap, Tileset::Institutions, t, f, Coding::Identity)
                .unwrap();
            // Another coding too, so entries of every coding are carried across.
            service
                .encoded(&snap, Tileset::Institutions, t, f, Coding::Gzip)
                .unwrap();
            out.insert((t, k), (snap.etag(Tileset::Institutions, t, f), bytes));
        }
    }
    out
}

fn fresh(index: &Arc<ServingIndex>, tiles: &BTreeSet<TileCoord>) -> Answers {
    let service = TileService::new(Land::none());
    let prepared = Arc::new(Prepared::build(index.clone()));
    let mut out = Answers::new();
    for (k, f) in filters().iter().enumerate() {
        for &t in tiles {
            let bytes = service.render(&prepared, Tileset::Institutions, t, f);
            out.insert((t, k), (bytes::Bytes::new(), bytes));
        }
    }
    out
}

/// One random change to `inst`: moved a little or far (onto another institution's
/// place, so cells gain and lose members), renamed, of another kind, a programme fewer,
/// readiness toggled, or only its address (which no tile shows).
fn change(rng: &mut Pcg64, inst: &Institution, other: &Institution, step: usize) -> Institution {
    let mut i = inst.clone();
    match rng.random_range(0..7) {
        0 => {
            let (dlon, dlat) = (rng.random_range(-0.01..0.01), rng.random_range(-0.01..0.01));
            i.location = LonLat::new(i.location.lon() + dlon, i.location.lat() + dlat).unwrap();
        }
        1 => i.location = other.location,
        2 => i.set_name_vi(&format!("{} {step}", i.name_vi())).unwrap(),
        3 => {
            i.kind = if i.kind == InstitutionKind::College {
                InstitutionKind::University
            } else {
                InstitutionKind::College
            }
        }
        4 => {
            i.programmes = i.programmes[..i.programmes.len().saturating_sub(1)].into();
        }
        5 => {
            let readiness = std::sync::Arc::make_mut(&mut i.readiness);
            readiness.digital_infrastructure =
                Some(!readiness.digital_infrastructure.unwrap_or(false))
        }
        _ => {
            i.text = crate::model::InstitutionText::new(crate::model::TextFields {
                address: Some(&format!("Số {step}")),
                ..i.text.fields()
            })
            .unwrap()
        }
    }
    i
}

#[test]
fn tiles_after_random_deltas_equal_a_fresh_build_and_keep_their_etag_unless_changed() {
    let mut rng = Pcg64::seed_from_u64(15);
    let mut index = Arc::new(ServingIndex::build(crate::synth::generate(400, 3)));
    let service = TileService::new(Land::none());
    // A fixed sample of tiles anywhere, and every tile near each change.
    let mut sample = BTreeSet::new();
    for n in (0..index.institutions().len()).step_by(40) {
        let l = index.institutions()[n].location;
        tiles_around(l.lon(), l.lat(), &mut sample);
    }
    let mut kept = 0;
    let mut created_or_retired = 0;
    let mut generations = BTreeSet::new();
    let epoch = index.keys().epoch();
    let base = service.snapshot(&index).prepared.lineage.base().clone();
    for step in 0..24 {
        let len = index.institutions().len();
        let mut picks: Vec<usize> = (0..rng.random_range(1..4))
            .map(|_| rng.random_range(0..len))
            .collect();
        picks.sort_unstable();
        picks.dedup();
        let mut tiles = sample.clone();
        let mut institutions = BTreeMap::new();
        for &n in &picks {
            let old = &index.institutions()[n];
            let other = &index.institutions()[rng.random_range(0..len)];
            let new = change(&mut rng, old, other, step);
            for l in [old.location, new.location] {
                tiles_around(l.lon(), l.lat(), &mut tiles);
            }
            // Every few steps a retirement and a creation (near another institution, so
            // cells gain a member): positions shift, keys and feature ids do not.
            if step % 3 == 1 && n == picks[0] {
                institutions.insert(old.id.as_str().to_owned(), None);
                let mut created = change(&mut rng, other, old, step);
                created.id = InstitutionId::parse(&format!("new-{step}")).unwrap();
                created.location = LonLat::new(
                    other.location.lon() + rng.random_range(-0.002..0.002),
                    other.location.lat(),
                )
                .unwrap();
                let l = created.location;
                tiles_around(l.lon(), l.lat(), &mut tiles);
                institutions.insert(created.id.as_str().to_owned(), Some(created));
                created_or_retired += 1;
            } else {
                institutions.insert(old.id.as_str().to_owned(), Some(new));
            }
        }
        let before = answers(&service, &index, &tiles);
        index = Arc::new(index.apply(Delta {
            version: format!("step-{step}"),
            institutions,
            ..Delta::default()
        }));
        let after = answers(&service, &index, &tiles);
        let prepared = &service.snapshot(&index).prepared;
        generations.insert(prepared.generation);
        assert_eq!(
            prepared.lineage.base(),
            &base,
            "step {step}: prepared whole"
        );
        let want = fresh(&index, &tiles);
        for (key, (etag, bytes)) in &after {
            // Not assert_eq: a tile's bytes would bury the message.
            assert!(
                bytes == &want[key].1,
                "step {step}: tile {} filter {} differs from a fresh build's",
                key.0,
                key.1
            );
            let (old_etag, old_bytes) = &before[key];
            if etag == old_etag {
                assert!(
                    bytes == old_bytes,
                    "step {step}: tile {} changed, ETag kept",
                    key.0
                );
                kept += 1;
            }
        }
    }
    assert!(kept > 1000, "untouched tiles keep their ETag ({kept})");
    // Every delta, creations and retirements too, was prepared from the one before:
    // one lineage, a new generation each time.
    assert_eq!(index.keys().epoch(), epoch);
    assert!(created_or_retired >= 8);
    assert!(
        generations.len() > 10,
        "deltas were prepared from the snapshot before: {generations:?}"
    );
}

#[test]
fn a_delta_changes_only_the_tiles_it_touches() {
    let index = Arc::new(ServingIndex::build(crate::synth::generate(400, 3)));
    let service = TileService::new(Land::none());
    let snap = service.snapshot(&index);
    let none = InstitutionFilter::default();
    let first = index.institutions()[0].clone();
    let far = index
        .institutions()
        .iter()
        .find(|i| (i.location.lat() - first.location.lat()).abs() > 2.0)
        .expect("institutions far apart")
        .clone();
    let at = |i: &Institution, z| {
        TileCoord::covering(
            z,
            [
                i.location.lon(),
                i.location.lat(),
                i.location.lon(),
                i.location.lat(),
            ],
        )
        .next()
        .unwrap()
    };
    // The pyramid exists (a low-zoom tile was drawn), so it is updated, not rebuilt;
    // two zoom-14 tiles are cached in two codings.
    for t in [at(&first, 5), at(&first, 14), at(&far, 14)] {
        for coding in [Coding::Identity, Coding::Brotli] {
            service
                .encoded(&snap, Tileset::Institutions, t, &none, coding)
                .unwrap();
        }
    }
    let mut renamed = first.clone();
    renamed.set_name_vi("Đổi tên").unwrap();
    let next = Arc::new(index.apply(Delta {
        version: "next".into(),
        institutions: [(first.id.as_str().to_owned(), Some(renamed))].into(),
        ..Delta::default()
    }));
    let after = service.snapshot(&next);
    assert_eq!(after.prepared.generation, 1);
    for z in 12..=16 {
        let (t, u) = (at(&first, z), at(&far, z));
        assert_ne!(
            snap.etag(Tileset::Institutions, t, &none),
            after.etag(Tileset::Institutions, t, &none),
            "z{z}"
        );
        assert_eq!(
            snap.etag(Tileset::Institutions, u, &none),
            after.etag(Tileset::Institutions, u, &none),
            "z{z}"
        );
    }
    // Far away, cached bytes survive in every coding; the touched tile is made again.
    for coding in [Coding::Identity, Coding::Brotli] {
        let cached = |t| service.cached(&after, Tileset::Institutions, t, &none, coding);
        assert!(cached(at(&far, 14)).is_some(), "{coding:?}");
        assert!(cached(at(&first, 14)).is_none(), "{coding:?}");
    }
    assert!(
        Arc::ptr_eq(&snap.prepared.areas, &after.prepared.areas),
        "areas are shared"
    );
}

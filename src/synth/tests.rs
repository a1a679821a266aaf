use super::*;
use crate::store::files::{self, ExportFormat};

#[test]
fn the_same_seed_gives_the_same_network_and_another_seed_a_different_one() {
    let a = generate(300, 7);
    let b = generate(300, 7);
    let c = generate(300, 8);
    assert_eq!(a.institutions, b.institutions);
    assert_eq!(a.areas, b.areas);
    assert_ne!(a.institutions, c.institutions);
}

#[test]
fn every_record_is_labelled_synthetic() {
    let ds = generate(200, 1);
    assert!(ds.institutions.iter().all(|i| {
        i.source.contains("synthetic")
            && i.readiness
                .source
                .as_deref()
                .is_some_and(|s| s.contains("synthetic"))
    }));
    assert!(ds.areas.iter().all(|a| {
        a.name.contains("synthetic")
            && a.geometry_source
                .as_deref()
                .is_some_and(|s| s.contains("synthetic"))
    }));
}

#[test]
fn references_resolve_and_programme_codes_fit_their_level() {
    let ds = generate(2_000, 3);
    assert_eq!(ds.broken_references(), vec![]);
    for i in &ds.institutions {
        assert!(!i.programmes.is_empty(), "{} has no programmes", i.id);
        for p in &i.programmes {
            assert!(p.occupation_code().fits_level(p.level()), "{}: {p:?}", i.id);
        }
    }
}

#[test]
fn institutions_cluster_around_towns_with_every_kind_represented() {
    let ds = generate(5_000, 11);
    let near_a_town = ds
        .institutions
        .iter()
        .filter(|i| {
            TOWNS.iter().any(|t| {
                LonLat::new(t.lon, t.lat)
                    .is_ok_and(|c| c.geodesic_distance_m(i.location) < 10_000.0)
            })
        })
        .count();
    assert!(
        near_a_town * 10 > ds.institutions.len() * 6,
        "{near_a_town}"
    );
    for (kind, _) in KIND_SHARES {
        assert!(ds.institutions.iter().any(|i| i.kind == *kind), "{kind}");
    }
}

#[test]
fn written_files_read_back_to_the_same_records() {
    let ds = generate(150, 5);
    for format in [ExportFormat::Geojson, ExportFormat::Csv] {
        let dir = std::env::temp_dir().join(format!(
            "vetmap-synth-test-{}-{format:?}",
            std::process::id()
        ));
        files::write_dataset(&ds, &dir, format).unwrap();
        let back = crate::store::bundled::load_dir(&dir).unwrap().dataset;
        std::fs::remove_dir_all(&dir).ok();
        assert_eq!(back.institutions, ds.institutions, "{format:?}");
        assert_eq!(back.occupations.len(), ds.occupations.len());
        assert_eq!(back.areas.len(), ds.areas.len());
    }
}

#[test]
fn a_rare_occupation_is_taught_by_about_one_percent() {
    let ds = generate(20_000, 5);
    let (family, _, _, share) = catalogue::RARE_FAMILIES[0];
    let teaching = ds
        .institutions
        .iter()
        .filter(|i| {
            i.programmes
                .iter()
                .any(|p| p.occupation_code().family() == family)
        })
        .count();
    let expected = share * ds.institutions.len() as f64;
    assert!(
        (expected * 0.5..expected * 1.5).contains(&(teaching as f64)),
        "{teaching} institutions teach {family}, expected about {expected}"
    );
    assert_eq!(ds.broken_references(), vec![]);
}

//! Coverage checked against a brute-force computation on a small visible fixture: two
//! square districts with geometry, one without, four institutions, a few population points.

use geo::Intersects;
use serde_json::{Value, json};

use super::*;
use crate::coverage::{Filter, Params};
use crate::model::{
    AdminArea, Dataset, Institution, Level, LonLat, Occupation, OccupationCode, PopulationCell,
    Record,
};

fn record(v: Value) -> Record {
    match v {
        Value::Object(m) => Record::new(m),
        _ => unreachable!(),
    }
}

fn square(code: &str, level: &str, parent: Option<&str>, x0: f64, x1: f64) -> AdminArea {
    let geometry = json!({"type": "Polygon", "coordinates": [[[x0, 9.6], [x1, 9.6], [x1, 10.0], [x0, 10.0], [x0, 9.6]]]});
    AdminArea::from_record(
        &record(json!({"scheme": "pre2025", "code": code, "name": format!("Khu {code}"),
                       "level": level, "parent_code": parent, "geometry_source": "schematic test square"})),
        Some(&geometry),
    )
    .unwrap()
}

fn institution(id: &str, lon: f64, lat: f64, district: &str, programmes: Value) -> Institution {
    Institution::from_record(&record(json!({
        "id": id, "name_vi": format!("Trường {id}"), "kind": "college", "ownership": "public",
        "lon": lon, "lat": lat, "position_accuracy": "surveyed", "province_pre2025": "84",
        "district_pre2025": district, "source": "test fixture",
        "updated_at": "2026-01-01T00:00:00Z", "programmes": programmes
    })))
    .unwrap()
}

fn it() -> Value {
    json!([{"occupation_code": "6480201", "occupation_name": "Công nghệ thông tin", "level": "college"}])
}

fn weld() -> Value {
    json!([{"occupation_code": "5520123", "occupation_name": "Hàn", "level": "intermediate"},
           {"occupation_code": "6480201", "occupation_name": "Công nghệ thông tin", "level": "college"}])
}

pub(crate) fn fixture() -> ServingIndex {
    let no_geometry = AdminArea::from_record(
        &record(
            json!({"scheme": "pre2025", "code": "844", "name": "Khu không hình",
                       "level": "district", "parent_code": "84"}),
        ),
        None,
    )
    .unwrap();
    ServingIndex::build(Dataset {
        occupations: vec![
            Occupation {
                code: OccupationCode::parse("6480201").unwrap(),
                name_vi: "Công nghệ thông tin".into(),
                name_en: None,
            },
            Occupation {
                code: OccupationCode::parse("5520123").unwrap(),
                name_vi: "Hàn".into(),
                name_en: None,
            },
        ],
        areas: vec![
            square("84", "province", None, 106.0, 106.4),
            square("842", "district", Some("84"), 106.0, 106.2),
            square("843", "district", Some("84"), 106.2, 106.4),
            no_geometry,
        ],
        mapping: vec![],
        institutions: vec![
            institution("cd-a", 106.05, 9.70, "842", it()),
            institution("cd-b", 106.15, 9.90, "842", weld()),
            institution("cd-c", 106.35, 9.65, "843", it()),
            institution("cd-d", 106.10, 9.80, "844", weld()),
        ],
        version: "test-1".into(),
    })
}

fn population() -> PopulationLayer {
    let cells = [
        (106.1, 9.75, 1000.0),
        (106.3, 9.95, 500.0),
        (106.38, 9.62, 250.0),
        (106.21, 9.7, 10.0),
    ]
    .into_iter()
    .map(|(lon, lat, population)| PopulationCell {
        location: LonLat::new(lon, lat).unwrap(),
        population,
        source: "test fixture, made up".into(),
    })
    .collect();
    PopulationLayer {
        cells,
        version: "p1".into(),
    }
}

fn params(index: &ServingIndex, occupation: Option<&str>, radius_km: f64) -> Params {
    Params::new(
        index,
        Filter {
            occupation: occupation.map(|c| OccupationCode::parse(c).unwrap()),
            level: None,
        },
        radius_km,
        1.0,
        Scheme::Pre2025,
        AdminLevel::District,
    )
    .unwrap()
}

fn brute_nearest(index: &ServingIndex, filter: &Filter, p: LonLat) -> Option<f64> {
    index
        .institutions()
        .iter()
        .filter(|i| filter.offers(i))
        .map(|i| p.geodesic_distance_m(i.location))
        .reduce(f64::min)
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0)
}

#[test]
fn distances_shares_and_counts_equal_a_brute_force_computation() {
    let index = fixture();
    let pop = population();
    for (occupation, radius) in [(Some("5520123"), 8.0), (Some("6480201"), 5.0), (None, 12.0)] {
        let p = params(&index, occupation, radius);
        let a = analyse(&index, &pop, &p).unwrap();
        assert!(a.grid().cells().len() > 500, "a 1 km grid over 40x44 km");
        for (n, cell) in a.grid().cells().iter().enumerate() {
            assert_eq!(
                a.cell_distance_m()[n],
                brute_nearest(&index, &p.filter, cell.centre)
            );
        }
        for area in &a.report.areas {
            let src = index.area(area.scheme, &area.code).unwrap();
            let in_area = |i: &Institution| i.admin.district_pre2025.as_deref() == Some(&area.code);
            let offering: Vec<&Institution> = index
                .institutions()
                .iter()
                .filter(|i| in_area(i) && p.filter.offers(i))
                .collect();
            assert_eq!(area.institutions, offering.len(), "{}", area.code);
            assert_eq!(
                area.programmes,
                offering
                    .iter()
                    .map(|i| p.filter.matching_programmes(i))
                    .sum::<usize>()
            );
            let Some(g) = &src.geometry else {
                assert!(!area.has_geometry);
                assert_eq!(area.share_area_within_radius, None);
                assert_eq!(area.max_distance_m, None);
                assert_eq!(area.population, None);
                continue;
            };
            let samples: Vec<f64> = a
                .grid()
                .cells()
                .iter()
                .filter(|c| g.intersects(&c.centre.to_point()))
                .map(|c| brute_nearest(&index, &p.filter, c.centre).unwrap())
                .collect();
            assert_eq!(area.sample_cells, samples.len());
            let within = samples.iter().filter(|d| **d <= p.radius_m).count();
            assert!(close(
                area.share_area_within_radius.unwrap(),
                within as f64 / samples.len() as f64
            ));
            assert_eq!(
                area.max_distance_m.unwrap(),
                samples.iter().copied().fold(0.0, f64::max)
            );
            assert!(close(
                area.mean_distance_m.unwrap(),
                samples.iter().sum::<f64>() / samples.len() as f64
            ));
            let (people, reached) = pop
                .cells
                .iter()
                .filter(|c| g.intersects(&c.location.to_point()))
                .fold((0.0, 0.0), |(t, w), c| {
                    let d = brute_nearest(&index, &p.filter, c.location).unwrap();
                    (
                        t + c.population,
                        w + if d <= p.radius_m { c.population } else { 0.0 },
                    )
                });
            assert!(close(area.population.unwrap(), people));
            assert!(close(area.population_within_radius.unwrap(), reached));
        }
    }
}

#[test]
fn areas_without_geometry_get_counts_and_a_caveat_not_invented_shares() {
    let index = fixture();
    let a = analyse(
        &index,
        &PopulationLayer::default(),
        &params(&index, None, 10.0),
    )
    .unwrap();
    let none = a.report.areas.iter().find(|x| x.code == "844").unwrap();
    assert!(!none.has_geometry);
    assert_eq!(none.institutions, 1);
    assert_eq!(none.share_area_within_radius, None);
    assert_eq!(none.population, None);
    let caveats = a
        .report
        .caveats
        .iter()
        .map(|c| format!("{}\n{}", c.en, c.vi))
        .collect::<String>();
    assert!(
        caveats.contains("1 of 3 areas have no geometry"),
        "{caveats}"
    );
    assert!(caveats.contains("schematic"), "{caveats}");
    assert!(caveats.contains("No population layer"), "{caveats}");
    assert!(caveats.contains("Chưa nạp lớp dân số"), "{caveats}");
    assert!(!a.report.population.loaded);
}

#[test]
fn the_worst_served_come_first() {
    let index = fixture();
    // Only "c" offers IT in the east and "a"/"b"/"d" in the west; with welding (b, d
    // in the west only) the east district is the worse served.
    let a = analyse(&index, &population(), &params(&index, Some("5520123"), 8.0)).unwrap();
    let worst = &a.report.worst_served;
    assert_eq!(worst.len(), 2, "only areas with geometry are ranked");
    assert_eq!(worst[0].code, "843");
    assert_eq!(worst[0].basis, "population");
    assert!(worst[0].share_within_radius <= worst[1].share_within_radius);
}

#[test]
fn population_is_summed_into_the_grid_cells() {
    let index = fixture();
    let pop = population();
    let a = analyse(&index, &pop, &params(&index, None, 10.0)).unwrap();
    let cells = a.cell_population().unwrap();
    assert!(close(cells.iter().sum::<f64>(), pop.total()));
    assert_eq!(a.report.population.total, Some(pop.total()));
}

#[test]
fn rejects_unknown_occupations_bad_ranges_and_districts_after_2025() {
    let index = fixture();
    let f = |c: &str| Filter {
        occupation: Some(OccupationCode::parse(c).unwrap()),
        level: None,
    };
    let p = |filter, r, c, s, l| Params::new(&index, filter, r, c, s, l);
    use crate::coverage::CoverageError as E;
    let (pre, d) = (Scheme::Pre2025, AdminLevel::District);
    assert!(matches!(
        p(f("6999999"), 10.0, 1.0, pre, d),
        Err(E::UnknownOccupation(_))
    ));
    let mismatch = Filter {
        occupation: Some(OccupationCode::parse("6480201").unwrap()),
        level: Some(Level::Intermediate),
    };
    assert!(matches!(
        p(mismatch, 10.0, 1.0, pre, d),
        Err(E::LevelMismatch { .. })
    ));
    assert!(matches!(
        p(Filter::default(), 0.0, 1.0, pre, d),
        Err(E::Radius(_))
    ));
    assert!(matches!(
        p(Filter::default(), 500.0, 1.0, pre, d),
        Err(E::Radius(_))
    ));
    assert!(matches!(
        p(Filter::default(), 10.0, 0.01, pre, d),
        Err(E::Cell(_))
    ));
    assert!(matches!(
        p(Filter::default(), 10.0, 1.0, Scheme::Y2025, d),
        Err(E::AreaLevel { .. })
    ));
}

#[test]
fn near_identical_questions_are_normalised_to_one() {
    let index = fixture();
    let p = |r: f64, c: f64| {
        Params::new(
            &index,
            Filter::default(),
            r,
            c,
            Scheme::Pre2025,
            AdminLevel::District,
        )
        .unwrap()
    };
    assert_eq!(p(5.13, 1.0), p(5.14, 1.0));
    assert_eq!(p(5.13, 1.0).radius_m, 5100.0);
    assert_eq!(p(10.0, 0.254).cell_m, 250.0);
    assert_eq!(p(10.0, 3.0).cell_m, 3000.0);
    assert_eq!(p(10.0, 12.34).cell_m, 12000.0);
    assert_eq!(p(199.99, 49.9).radius_m, 200_000.0);
    assert_eq!(p(199.99, 49.9).cell_m, 50_000.0);
    // The radius-free part is the same for every radius when shapes give the extent.
    let key = |r| BaseParams::of(&index, &p(r, 1.0)).key();
    assert_eq!(key(5.0), key(150.0));
    assert_ne!(
        BaseParams::of(&index, &p(5.0, 1.0)).key(),
        BaseParams::of(&index, &p(5.0, 2.0)).key()
    );
}

#[test]
fn without_shapes_the_padding_follows_the_radius_on_a_ladder() {
    let index = fixture();
    let p = |r: f64| {
        let p = Params::new(
            &index,
            Filter::default(),
            r,
            1.0,
            Scheme::Y2025,
            AdminLevel::Commune,
        )
        .unwrap();
        BaseParams::of(&index, &p)
    };
    assert_eq!(p(6.0).pad_m, Some(10_000.0));
    assert_eq!(p(6.0).key(), p(9.5).key());
    assert_ne!(p(6.0).key(), p(11.0).key());
}

#[test]
fn an_answer_derived_from_another_radius_equals_a_fresh_computation() {
    let index = fixture();
    let pop = population();
    let shared = analyse(&index, &pop, &params(&index, Some("6480201"), 4.0)).unwrap();
    for radius in [2.5, 8.0, 30.0] {
        let p = params(&index, Some("6480201"), radius);
        let derived = Analysis::derive(shared.base.clone(), &p);
        let fresh = analyse(&index, &pop, &p).unwrap();
        assert_eq!(
            serde_json::to_value(&derived.report).unwrap(),
            serde_json::to_value(&fresh.report).unwrap(),
            "radius {radius}"
        );
    }
}

#[test]
fn a_cancelled_computation_stops_with_cancelled() {
    let index = fixture();
    let cancel = crate::heavy::Cancel::never();
    cancel.cancel();
    let p = params(&index, None, 10.0);
    let got = CoverageBase::compute(&index, &population(), &BaseParams::of(&index, &p), &cancel);
    assert!(matches!(got, Err(CoverageError::Cancelled(_))));
}

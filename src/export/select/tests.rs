use super::*;
use crate::tiles::coord::lonlat_to_world;

fn world_box(lon0: f64, lat0: f64, lon1: f64, lat1: f64) -> [f64; 4] {
    let (x0, y1) = lonlat_to_world(lon0, lat0);
    let (x1, y0) = lonlat_to_world(lon1, lat1);
    [x0, y0, x1, y1]
}

fn at_zoom(tiles: &[TileCoord], z: u8) -> Vec<TileCoord> {
    tiles.iter().copied().filter(|t| t.z == z).collect()
}

#[test]
fn one_institution_is_one_tile_per_zoom_the_one_that_holds_it() {
    let (lon, lat) = (106.34, 9.93);
    let f = Footprint {
        points: vec![lonlat_to_world(lon, lat)],
        ..Footprint::default()
    };
    let tiles = select(0..=14, &f, MAX_TILES).expect("within the limit");
    assert_eq!(tiles.len(), 15);
    for z in 0..=14 {
        let holder = TileCoord::covering(z, [lon, lat, lon, lat])
            .next()
            .expect("a tile");
        assert_eq!(at_zoom(&tiles, z), vec![holder], "zoom {z}");
    }
}

#[test]
fn tiles_come_in_the_archive_directory_order() {
    let f = Footprint {
        areas: vec![(0, world_box(105.9, 9.5, 106.6, 10.1))],
        points: vec![lonlat_to_world(106.0, 9.6), lonlat_to_world(106.5, 10.0)],
        ..Footprint::default()
    };
    let tiles = select(0..=12, &f, MAX_TILES).expect("within the limit");
    let ids: Vec<u64> = tiles.iter().map(|t| tile_id(t.z, t.x, t.y)).collect();
    assert!(
        ids.windows(2).all(|w| w[0] < w[1]),
        "strictly increasing ids"
    );
    assert!(tiles.windows(2).all(|w| w[0].z <= w[1].z), "zoom by zoom");
}

#[test]
fn an_area_box_gives_every_tile_it_touches_from_its_first_zoom() {
    let b = world_box(105.9, 9.5, 106.6, 10.1);
    let f = Footprint {
        areas: vec![(7, b)],
        ..Footprint::default()
    };
    let tiles = select(0..=12, &f, MAX_TILES).expect("within the limit");
    for z in 0..7 {
        assert!(at_zoom(&tiles, z).is_empty(), "nothing at zoom {z}");
    }
    for z in 7..=12 {
        let (x0, y0, x1, y1) = tile_range(z, b);
        let want = ((x1 - x0 + 1) * (y1 - y0 + 1)) as usize;
        let got = at_zoom(&tiles, z);
        assert_eq!(got.len(), want, "zoom {z}");
        assert!(
            got.iter()
                .all(|t| (x0..=x1).contains(&t.x) && (y0..=y1).contains(&t.y))
        );
    }
    // The box spans more than one tile at 12, so this checks more than a corner.
    assert!(at_zoom(&tiles, 12).len() > 4);
}

#[test]
fn land_covers_the_country_only_up_to_its_last_zoom() {
    let f = Footprint {
        land: Some(world_box(102.1, 8.5, 109.5, 23.4)),
        ..Footprint::default()
    };
    let tiles = select(0..=LAND_COUNTRY_MAX_ZOOM + 2, &f, MAX_TILES).expect("within the limit");
    assert!(!at_zoom(&tiles, LAND_COUNTRY_MAX_ZOOM).is_empty());
    assert!(at_zoom(&tiles, LAND_COUNTRY_MAX_ZOOM + 1).is_empty());
    assert!(at_zoom(&tiles, LAND_COUNTRY_MAX_ZOOM + 2).is_empty());
    assert_eq!(at_zoom(&tiles, 0).len(), 1);
}

#[test]
fn tiles_wanted_twice_are_listed_once() {
    let b = world_box(106.0, 9.6, 106.5, 10.0);
    let f = Footprint {
        land: Some(b),
        areas: vec![(0, b), (0, b)],
        points: vec![lonlat_to_world(106.2, 9.8); 3],
    };
    let tiles = select(5..=9, &f, MAX_TILES).expect("within the limit");
    let mut seen = HashSet::new();
    assert!(tiles.iter().all(|t| seen.insert(*t)), "no tile twice");
    for z in 5..=9 {
        let (x0, y0, x1, y1) = tile_range(z, b);
        assert_eq!(
            at_zoom(&tiles, z).len(),
            ((x1 - x0 + 1) * (y1 - y0 + 1)) as usize
        );
    }
}

#[test]
fn institutions_in_neighbouring_tiles_share_the_tile_above() {
    // Two points either side of a zoom-14 tile edge, in one tile at zoom 13.
    let n = f64::from(1u32 << 14);
    let (x, y) = (13_001.0 / n, 7_700.5 / n); // an edge inside a zoom-13 tile
    let eps = 0.25 / n;
    let f = Footprint {
        points: vec![(x - eps, y), (x + eps, y)],
        ..Footprint::default()
    };
    let tiles = select(13..=14, &f, MAX_TILES).expect("within the limit");
    assert_eq!(at_zoom(&tiles, 14).len(), 2);
    assert_eq!(at_zoom(&tiles, 13).len(), 1);
}

#[test]
fn an_export_past_the_limit_is_refused_before_rendering() {
    let f = Footprint {
        land: Some(world_box(102.1, 8.5, 109.5, 23.4)),
        ..Footprint::default()
    };
    let all = select(0..=8, &f, MAX_TILES)
        .expect("within the limit")
        .len() as u64;
    assert!(
        select(0..=8, &f, all).is_ok(),
        "exactly the limit is allowed"
    );
    match select(0..=8, &f, all - 1) {
        Err(ExportError::TooManyTiles { limit, at_zoom, .. }) => {
            assert_eq!(limit, all - 1);
            assert_eq!(at_zoom, 8);
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
    // One box bigger than the limit is refused without listing its tiles.
    let world = Footprint {
        areas: vec![(0, [0.0, 0.0, 1.0, 1.0])],
        ..Footprint::default()
    };
    assert!(matches!(
        select(0..=14, &world, MAX_TILES),
        Err(ExportError::TooManyTiles { at_zoom: 10, .. })
    ));
}

//! Tile paths: valid tiles of every tileset, and coordinates that are huge, negative,
//! overflowing, fractional or not numbers, with odd extensions and segment counts, on
//! every tile route the document lists (with their own query parameters, drawn as the
//! routes' part draws them).

use proptest::prelude::*;
use proptest::sample::select;

use crate::api_doc::{self, Operation};
use crate::check::{self, Req, Target};
use crate::routes::{plausible, query};
use crate::values::{Gen, NUMBERS, enc};

fn coordinate() -> Gen<String> {
    prop_oneof![
        3 => (0u32..4096).prop_map(|n| n.to_string()),
        2 => select(&NUMBERS[..]).prop_map(str::to_owned),
        1 => any::<u64>().prop_map(|n| n.to_string()),
        1 => any::<i32>().prop_map(|n| n.to_string()),
        1 => select(&["", "%00", "1%2F2", "+1", "１", "0b1", "-"][..]).prop_map(str::to_owned),
        1 => (1usize..400).prop_map(|n| "9".repeat(n)),
    ]
    .boxed()
}

/// A valid tile address at zoom 0..=22.
fn valid_zxy() -> Gen<(String, String, String)> {
    (0u32..=22)
        .prop_flat_map(|z| {
            let n = 1u64 << z;
            (Just(z), 0..n, 0..n)
        })
        .prop_map(|(z, x, y)| (z.to_string(), x.to_string(), y.to_string()))
        .boxed()
}

/// A tile over the bundled data (Trà Vinh), at zoom 4..=18, so that tiles with
/// institutions, clusters and areas are rendered, not only empty ones.
fn zxy_over_the_data() -> Gen<(String, String, String)> {
    (4u32..=18, 105.9f64..106.7, 9.5f64..10.2)
        .prop_map(|(z, lon, lat)| {
            let n = f64::from(1u32 << z);
            let x = ((lon + 180.0) / 360.0 * n).floor();
            let lat = lat.to_radians();
            let y = ((1.0 - (lat.tan() + 1.0 / lat.cos()).ln() / std::f64::consts::PI) / 2.0 * n)
                .floor();
            (z.to_string(), format!("{x}"), format!("{y}"))
        })
        .boxed()
}

fn extension() -> Gen<String> {
    prop_oneof![
        4 => Just(".mvt".to_owned()),
        1 => select(&[
            "", ".pbf", ".png", ".MVT", ".mvt.gz", ".mvt%00", ".json", ".mvt.", "..mvt",
            ".mvt/", ".mvt/extra", "%2Emvt",
        ][..])
        .prop_map(str::to_owned),
    ]
    .boxed()
}

/// One request to a tile route.
fn tile_request(ops: &[Operation], tilesets: Vec<String>) -> Gen<Req> {
    let tile_ops: Vec<Operation> = ops
        .iter()
        .filter(|op| op.path.ends_with(".mvt"))
        .cloned()
        .collect();
    assert!(
        tile_ops.len() >= 2,
        "the document lists the tile routes: {tile_ops:?}"
    );
    let tileset = prop_oneof![
        3 => select(tilesets),
        1 => crate::values::junk(),
        1 => (1usize..300).prop_map(|n| "t".repeat(n)),
    ];
    let zxy = prop_oneof![
        3 => zxy_over_the_data(),
        1 => valid_zxy(),
        3 => (coordinate(), coordinate(), coordinate()),
    ];
    let each: Vec<Gen<Req>> = tile_ops
        .into_iter()
        .map(|op| {
            let template = op.path.clone();
            (
                tileset.clone(),
                zxy.clone(),
                extension(),
                // Half without a query string: most drawn ones stop at the parameters.
                prop_oneof![Just(String::new()), query(&op)],
                0usize..8,
            )
                .prop_map(move |(ts, (z, x, y), ext, q, shape)| {
                    let path = template
                        .replace("{tileset}", &ts)
                        .replace("{z}", &z)
                        .replace("{x}", &x)
                        .replace("{y}.mvt", &format!("{y}{ext}"));
                    // Now and then a segment too many or too few.
                    let path = match shape {
                        0 => format!("{path}/0"),
                        1 => path
                            .rsplit_once('/')
                            .map_or(path.clone(), |(a, _)| a.to_owned()),
                        2 => path.replacen("/tiles/", "/tiles//", 1),
                        _ => path,
                    };
                    Req::get(format!("{path}{q}"))
                })
                .boxed()
        })
        .collect();
    let tilejson = (
        prop_oneof![
            select(vec!["institutions".to_owned(), "coverage".to_owned()]),
            crate::values::junk()
        ],
        select(&[".json", ".JSON", "", ".json%00", ".xml"][..]),
    )
        .prop_map(|(ts, ext)| Req::get(format!("/tiles/{ts}{ext}")))
        .boxed();
    prop_oneof![6 => proptest::strategy::Union::new(each), 1 => tilejson].boxed()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tile_paths_of_every_kind_are_answered_or_refused_and_the_server_lives() {
    let s = crate::common::spawn(crate::server_config()).await;
    let t = Target::new(&s.base);
    let (ops, _) = api_doc::operations(&t).await;
    let plausible = plausible(&t).await;
    let tilesets: Vec<String> = plausible
        .get("tileset")
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|s| enc(s))
        .collect();
    check::requests("tile paths", 400, &t, move || tile_request(&ops, tilesets)).await;
}

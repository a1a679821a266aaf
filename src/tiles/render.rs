//! Building one tile of each tileset from a prepared snapshot.

use std::sync::LazyLock;

use geo::Coord;
use strum::IntoEnumIterator;

use super::cluster::{
    CLUSTER_MAX_ZOOM, Cluster, ClusterPyramid, DENSE_TILE_POINTS, cluster_dense_tile,
};
use super::coord::lonlat_to_world;
use super::encode::{LayerBuilder, Prop, TileBuilder};
use super::frame::{TileFrame, outlines};
use super::land::Land;
use super::places;
use super::prepared::Prepared;
use super::tilesets::{area_min_zoom, label_min_zoom};
use super::{InstitutionFilter, TileCoord};
use crate::model::{Institution, InstitutionKind, Level, Scheme};

/// The box whose institutions a point tile (past the clustered zooms) looks at: the
/// tile with a one-pixel margin, in longitude and latitude. `TileService::cheap_to_make`
/// counts the same box to decide where the tile is made.
pub fn points_envelope(coord: TileCoord) -> rstar::AABB<[f64; 2]> {
    let [x0, y0, x1, y1] = coord.lonlat_bounds(1.0);
    rstar::AABB::from_corners([x0, y0], [x1, y1])
}

/// `top_zoom`: the last zoom the client can reach, where dense tiles are no longer
/// clustered (nothing deeper to expand into): the tileset's top zoom for the server, the
/// archive's last zoom for an export.
pub fn institutions(
    prepared: &Prepared,
    coord: TileCoord,
    filter: &InstitutionFilter,
    clusters: Option<&ClusterPyramid>,
    top_zoom: u8,
) -> Option<Vec<u8>> {
    let frame = TileFrame::new(coord);
    let mut tile = TileBuilder::new();
    let mut layer = tile.layer("institutions");
    let all = prepared.index.institutions();
    match clusters {
        Some(pyramid) if coord.z <= CLUSTER_MAX_ZOOM => {
            // A pyramid names lone members by key (stable across deltas).
            let keys = prepared.index.keys();
            for c in pyramid.in_tile(coord) {
                let lone = (c.count == 1)
                    .then(|| keys.position_of(c.member))
                    .flatten()
                    .and_then(|n| all.get(n as usize));
                emit_cluster_or_point(&mut layer, &frame, coord.z, c, lone);
            }
        }
        _ => {
            let mut hits: Vec<u32> = prepared
                .index
                .points()
                .locate_in_envelope(points_envelope(coord))
                .map(|e| e.data)
                .collect();
            // Id order: the same tile encodes to the same bytes every time.
            hits.sort_unstable();
            // Each institution looked up and projected once.
            let inside: Vec<_> = hits
                .into_iter()
                .filter_map(|n| {
                    let inst = all.get(n as usize).filter(|i| filter.matches(i))?;
                    let world = lonlat_to_world(inst.location.lon(), inst.location.lat());
                    let p = frame.point_world(world.0, world.1)?;
                    Some((n, inst, world, p))
                })
                .collect();
            if inside.len() > DENSE_TILE_POINTS && coord.z < top_zoom {
                let members = inside.iter().map(|(n, i, w, _)| (*n, i.kind, *w));
                for c in cluster_dense_tile(coord, members) {
                    let lone = (c.count == 1).then(|| &all[c.member as usize]);
                    emit_cluster_or_point(&mut layer, &frame, coord.z, &c, lone);
                }
            } else {
                // Read first, then encode (see `Shown`).
                let shown: Vec<Shown<'_>> =
                    inside.iter().map(|(_, i, _, p)| Shown::of(i, *p)).collect();
                // Three texts of each are its own (id and names).
                layer.reserve(shown.len(), 3 * shown.len());
                for s in &shown {
                    institution_feature(&mut layer, s);
                }
            }
        }
    }
    tile.add(layer);
    tile.finish()
}

/// A one-member cell (`lone`: its member) is drawn as its institution, at its own
/// position.
fn emit_cluster_or_point(
    layer: &mut LayerBuilder,
    frame: &TileFrame,
    z: u8,
    c: &Cluster,
    lone: Option<&Institution>,
) {
    if c.count == 1 {
        let p = lone.and_then(|i| frame.point_lonlat(i.location.lon(), i.location.lat()));
        if let (Some(inst), Some(p)) = (lone, p) {
            institution_feature(layer, &Shown::of(inst, p));
        }
    } else {
        let (wx, wy) = c.world_position();
        if let Some(p) = frame.point_world(wx, wy) {
            cluster_feature(layer, p, z, c);
        }
    }
}

/// What an institution's feature shows, read from its record. A tile's institutions are
/// all read before any is encoded: at national scale each record, its programmes and its
/// id are cold in the processor's caches, and a loop that only reads lets many of those
/// misses be in flight at once, where reading each record between two encodings waited
/// for them one by one (perf at 200,000: the loads of the programmes' levels and of the
/// kind were half of the time left in `institution_feature`).
struct Shown<'a> {
    p: Coord<f64>,
    feature_id: u64,
    id: &'a str,
    name_vi: &'a str,
    name_en: Option<&'a str>,
    kind: &'static str,
    ownership: &'static str,
    position_accuracy: &'static str,
    levels: &'static str,
    programme_count: i64,
    readiness: [Option<bool>; 3],
}

impl<'a> Shown<'a> {
    fn of(i: &'a Institution, p: Coord<f64>) -> Self {
        let r = &i.readiness;
        Self {
            p,
            feature_id: feature_id(i),
            id: i.id.as_str(),
            name_vi: i.name_vi(),
            name_en: i.name_en(),
            kind: i.kind.as_str(),
            ownership: i.ownership.as_str(),
            position_accuracy: i.position_accuracy.as_str(),
            levels: levels(i),
            programme_count: i.programmes.len() as i64,
            readiness: [
                r.digital_infrastructure,
                r.connected_national_platform,
                r.digitised_diplomas,
            ],
        }
    }
}

fn institution_feature(layer: &mut LayerBuilder, s: &Shown<'_>) {
    // At most 12 properties: a fixed array, not a vector per feature.
    let mut props = [("", Prop::Bool(false)); 12];
    let fixed = [
        ("cluster", Prop::Bool(false)),
        ("id", Prop::Str(s.id)),
        ("name_vi", Prop::Str(s.name_vi)),
        ("kind", Prop::Str(s.kind)),
        ("ownership", Prop::Str(s.ownership)),
        ("programme_count", Prop::Int(s.programme_count)),
        ("levels", Prop::Str(s.levels)),
        ("position_accuracy", Prop::Str(s.position_accuracy)),
    ];
    props[..fixed.len()].copy_from_slice(&fixed);
    let mut n = fixed.len();
    let mut push = |k: &'static str, v| {
        props[n] = (k, v);
        n += 1;
    };
    if let Some(en) = s.name_en {
        push("name_en", Prop::Str(en));
    }
    for (k, v) in [
        "digital_infrastructure",
        "connected_national_platform",
        "digitised_diplomas",
    ]
    .into_iter()
    .zip(s.readiness)
    {
        if let Some(b) = v {
            push(k, Prop::Bool(b));
        }
    }
    layer.point(s.p, Some(s.feature_id), &props[..n]);
}

/// An institution's MVT feature id: from its id alone, so a creation or retirement
/// changes no other institution's (positions would shift) and every server, however it
/// came to its snapshot, draws the same bytes. FNV-1a (stable across builds and
/// platforms, unlike std's hasher) in 52 bits with bit 52 set: a JavaScript number
/// holds it exactly, and it stays apart from cluster ids (below 2^34 at zoom 0, from
/// 2^58 above). Clients select by the `id` property; a collision (about 1 in 2,000 at
/// 2,000,000 institutions) would only make two features share a feature state.
pub fn feature_id(i: &Institution) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in i.id.as_str().bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    (1 << 52) | (h & ((1 << 52) - 1))
}

/// The distinct levels of an institution's programmes, in the vocabulary's order,
/// joined by commas: one of the few texts a set of levels can make, made once.
fn levels(i: &Institution) -> &'static str {
    static JOINED: LazyLock<Vec<String>> = LazyLock::new(|| {
        let all: Vec<Level> = Level::iter().collect();
        (0..1usize << all.len())
            .map(|set| {
                let names: Vec<&str> = all
                    .iter()
                    .enumerate()
                    .filter(|(b, _)| set & (1 << b) != 0)
                    .map(|(_, l)| l.as_str())
                    .collect();
                names.join(",")
            })
            .collect()
    });
    let set = i.programmes.iter().fold(0usize, |set, p| {
        set | Level::iter()
            .position(|l| l == p.level())
            .map_or(0, |b| 1 << b)
    });
    JOINED.get(set).map_or("", String::as_str)
}

fn cluster_feature(layer: &mut LayerBuilder, p: Coord<f64>, z: u8, c: &Cluster) {
    const KEYS: [&str; super::cluster::KINDS] = [
        "count_university",
        "count_college",
        "count_intermediate_school",
        "count_gdnn_gdtx_centre",
        "count_vocational_training_centre",
        "count_enterprise_training_unit",
        "count_other",
    ];
    debug_assert!(
        InstitutionKind::iter()
            .zip(KEYS)
            .all(|(k, key)| key.ends_with(k.as_str()))
    );
    let mut props = [("", Prop::Bool(false)); 3 + super::cluster::KINDS];
    props[..3].copy_from_slice(&[
        ("cluster", Prop::Bool(true)),
        ("point_count", Prop::Int(i64::from(c.count))),
        ("expansion_zoom", Prop::Int(i64::from(c.expansion_zoom))),
    ]);
    for ((slot, k), n) in props[3..].iter_mut().zip(KEYS).zip(c.by_kind) {
        *slot = (k, Prop::Int(i64::from(n)));
    }
    // Cluster ids are apart from institution ids (see `feature_id`).
    layer.point(p, Some(c.id(z)), &props);
}

pub fn admin_areas(prepared: &Prepared, coord: TileCoord) -> Option<Vec<u8>> {
    let frame = TileFrame::new(coord);
    let mut tile = TileBuilder::new();
    let mut pre = tile.layer("areas_pre2025");
    let mut post = tile.layer("areas_2025");
    let mut labels = tile.layer("area_labels");
    let areas = prepared.index.areas();
    let simplified = prepared.areas_at(coord.z);
    for (geom, world) in prepared.areas.iter().zip(simplified) {
        let a = &areas[geom.area as usize];
        if coord.z < area_min_zoom(a.level) {
            continue;
        }
        let props = [
            ("code", Prop::Str(&a.code)),
            ("scheme", Prop::Str(a.scheme.as_str())),
            ("name", Prop::Str(&a.name)),
            ("level", Prop::Str(a.level.as_str())),
            (
                "geometry_source",
                Prop::Str(a.geometry_source.as_deref().unwrap_or("unknown")),
            ),
        ];
        let id = Some(u64::from(geom.area) + 1);
        if let Some(clipped) = frame.polygons_world(world) {
            let layer = match a.scheme {
                Scheme::Pre2025 => &mut pre,
                Scheme::Y2025 => &mut post,
            };
            layer.polygons(&clipped, id, &props);
        }
        if coord.z >= label_min_zoom(a.level)
            && let Some((x, y)) = geom.label
            && let Some(p) = frame.point_world(x, y)
        {
            labels.point(p, id, &props);
        }
    }
    tile.add(pre);
    tile.add(post);
    tile.add(labels);
    tile.finish()
}

pub fn base(prepared: &Prepared, land: &Land, coord: TileCoord) -> Option<Vec<u8>> {
    let frame = TileFrame::new(coord);
    let mut tile = TileBuilder::new();
    let mut land_layer = tile.layer("land");
    if let Some(clipped) = land.at(coord.z).and_then(|w| frame.polygons_world(w)) {
        land_layer.polygons(&clipped, None, &[]);
    }
    let mut boundaries = tile.layer("boundaries");
    let areas = prepared.index.areas();
    for (geom, world) in prepared.areas.iter().zip(prepared.areas_at(coord.z)) {
        let a = &areas[geom.area as usize];
        if coord.z < area_min_zoom(a.level) {
            continue;
        }
        let lines = outlines(world);
        if let Some(clipped) = frame.lines_world(&lines) {
            boundaries.lines(
                &clipped,
                None,
                &[
                    ("scheme", Prop::Str(a.scheme.as_str())),
                    ("level", Prop::Str(a.level.as_str())),
                ],
            );
        }
    }
    let mut names = tile.layer("places");
    for label in places::labels(prepared, &land.places, coord.z) {
        let Some(p) = frame.point_world(label.world.0, label.world.1) else {
            continue;
        };
        let mut props = vec![
            ("name", Prop::Str(label.name)),
            ("name_en", Prop::Str(&label.name_en)),
            ("kind", Prop::Str(label.kind.as_str())),
            ("rank", Prop::Int(label.kind.rank())),
            ("position", Prop::Str(label.position)),
        ];
        if let Some((scheme, code)) = label.area {
            props.push(("scheme", Prop::Str(scheme.as_str())));
            props.push(("code", Prop::Str(code)));
        }
        names.point(p, None, &props);
    }
    tile.add(land_layer);
    tile.add(boundaries);
    tile.add(names);
    tile.finish()
}

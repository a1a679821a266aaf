//! Builds `data/admin-areas.geojson` and `data/commune-mapping.csv` for the bundled
//! dataset from the reference files in `../shared/data/`.
//!
//! No official boundary polygons are available here, so district geometry is
//! **schematic**: the Voronoi cells of the district seats, clipped to a hand-drawn
//! outline of the province intersected with Natural Earth's land. Communes carry no
//! geometry. Every geometry says so in `geometry_source`.
//!
//! Run: `cargo run --example schematic_areas -- ../shared/data data`

use std::path::PathBuf;

use chrono::NaiveDate;
use geo::{BooleanOps, Coord, LineString, MultiPolygon, Polygon};
use vetmap::model::{AdminArea, AdminLevel, CommuneMapping, Dataset, Record, Scheme};
use vetmap::store::files::{ExportFormat, write_dataset};

/// District seats (lon, lat). GeoNames (CC BY 4.0) where it lists the town; otherwise
/// placed by hand from general knowledge, marked "approximate".
const SEATS: &[(&str, f64, f64, &str)] = &[
    ("842", 106.34225, 9.94719, "GeoNames 1563926 Trà Vinh"),
    (
        "844",
        106.2069,
        9.9913,
        "approximate (hand-placed; not in GeoNames extract)",
    ),
    ("845", 106.05497, 9.8724, "GeoNames 1585975 Cầu Kè"),
    ("846", 106.19067, 9.81166, "GeoNames 1564576 Tiểu Cần"),
    ("847", 106.34939, 9.86989, "GeoNames 1942015 Châu Thành"),
    (
        "848",
        106.4563,
        9.7969,
        "approximate (hand-placed; not in GeoNames extract)",
    ),
    ("849", 106.25834, 9.69774, "GeoNames 1564238 Trà Cú"),
    (
        "850",
        106.4027,
        9.6016,
        "approximate (hand-placed seat of Long Thành)",
    ),
    ("851", 106.49237, 9.63497, "GeoNames 9292220 Duyên Hải"),
];

/// A rough outline of Trà Vinh between the Cổ Chiên and Hậu rivers, drawn by hand at
/// about 5 km accuracy. Not a boundary.
const OUTLINE: &[(f64, f64)] = &[
    (106.22, 10.06),
    (106.35, 10.00),
    (106.46, 9.92),
    (106.60, 9.80),
    (106.56, 9.66),
    (106.47, 9.58),
    (106.35, 9.53),
    (106.28, 9.55),
    (106.15, 9.65),
    (106.02, 9.78),
    (105.96, 9.87),
    (106.05, 9.95),
    (106.15, 10.03),
];

const SCHEMATIC: &str = "schematic: Voronoi cells of district seats within a hand-drawn province outline clipped to Natural Earth land; not an official boundary";

fn main() -> anyhow::Result<()> {
    let args: Vec<PathBuf> = std::env::args().skip(1).map(PathBuf::from).collect();
    let [shared, out] = &args[..] else {
        anyhow::bail!("usage: schematic_areas SHARED_DATA_DIR OUT_DIR");
    };
    let land = read_land(&shared.join("basemap/vietnam-land-ne10m.geojson"))?;
    let outline = MultiPolygon::new(vec![Polygon::new(
        LineString::from(
            OUTLINE
                .iter()
                .map(|&(x, y)| Coord { x, y })
                .collect::<Vec<_>>(),
        ),
        vec![],
    )]);
    let province = outline.intersection(&land);

    let reform = NaiveDate::from_ymd_opt(2025, 7, 1).expect("valid date");
    let mut areas = Vec::new();
    let mut rdr = csv::Reader::from_path(shared.join("admin/tra-vinh-units-pre2025.csv"))?;
    for row in rdr.deserialize::<(String, String, String, String, String)>() {
        let (code, name, _division, level, parent) = row?;
        let level: AdminLevel = level
            .parse()
            .map_err(|_| anyhow::anyhow!("bad level {level}"))?;
        let geometry = match level {
            AdminLevel::Province => Some(round(&province)),
            AdminLevel::District => Some(round(&district_cell(&code, &province)?)),
            AdminLevel::Commune => None,
        };
        areas.push(AdminArea {
            scheme: Scheme::Pre2025,
            code,
            name,
            level,
            parent_code: (!parent.is_empty()).then_some(parent),
            valid_from: None,
            valid_to: Some(reform),
            geometry_source: geometry.as_ref().map(|_| SCHEMATIC.to_owned()),
            geometry,
        });
    }
    areas.push(AdminArea {
        scheme: Scheme::Y2025,
        code: "86".into(),
        name: "Tỉnh Vĩnh Long".into(),
        level: AdminLevel::Province,
        parent_code: None,
        valid_from: Some(reform),
        valid_to: None,
        geometry: Some(round(&province)),
        geometry_source: Some(format!(
            "{SCHEMATIC}; covers only the former Trà Vinh province"
        )),
    });
    let mut rdr =
        csv::Reader::from_path(shared.join("admin/vinh-long-2025-units-in-former-tra-vinh.csv"))?;
    let headers = rdr.headers()?.clone();
    for row in rdr.records() {
        let row = row?;
        let r = Record::from_csv(&headers, &row);
        areas.push(AdminArea {
            scheme: Scheme::Y2025,
            code: r.req_str("code")?,
            name: r.req_str("name")?,
            level: AdminLevel::Commune,
            parent_code: Some("86".into()),
            valid_from: Some(reform),
            valid_to: None,
            geometry: None,
            geometry_source: None,
        });
    }
    let mut mapping = Vec::new();
    let mut rdr = csv::Reader::from_path(shared.join("admin/tra-vinh-2025-commune-mapping.csv"))?;
    for row in rdr.deserialize::<(String, String, String, String)>() {
        let (old_code, old_name, new_code, new_name) = row?;
        mapping.push(CommuneMapping {
            old_code,
            old_name,
            new_code,
            new_name,
        });
    }
    let ds = Dataset {
        areas,
        mapping,
        ..Dataset::default()
    };
    let tmp = out.join(".areas-tmp");
    write_dataset(&ds, &tmp, ExportFormat::Geojson)?;
    for f in ["admin-areas.geojson", "commune-mapping.csv"] {
        std::fs::rename(tmp.join(f), out.join(f))?;
    }
    std::fs::remove_dir_all(&tmp)?;
    println!(
        "wrote {} areas and {} mapping rows",
        ds.areas.len(),
        ds.mapping.len()
    );
    Ok(())
}

fn read_land(path: &std::path::Path) -> anyhow::Result<MultiPolygon<f64>> {
    let text = std::fs::read_to_string(path)?;
    let feature: geojson::Feature = text.parse::<geojson::GeoJson>()?.try_into()?;
    let geom = feature
        .geometry
        .ok_or_else(|| anyhow::anyhow!("no geometry"))?;
    Ok(geo::Geometry::<f64>::try_from(geom)?.try_into()?)
}

/// The part of the province closer to this district's seat than to any other.
fn district_cell(code: &str, province: &MultiPolygon<f64>) -> anyhow::Result<MultiPolygon<f64>> {
    let &(_, x, y, _) = SEATS
        .iter()
        .find(|s| s.0 == code)
        .ok_or_else(|| anyhow::anyhow!("no seat for district {code}"))?;
    let mut cell = province.clone();
    for &(other, ox, oy, _) in SEATS {
        if other == code {
            continue;
        }
        cell = cell.intersection(&half_plane((x, y), (ox, oy)));
    }
    Ok(cell)
}

/// The side of the perpendicular bisector of `a`–`b` that holds `a`, as a large polygon.
fn half_plane(a: (f64, f64), b: (f64, f64)) -> MultiPolygon<f64> {
    let (mx, my) = ((a.0 + b.0) / 2.0, (a.1 + b.1) / 2.0);
    let (dx, dy) = (b.0 - a.0, b.1 - a.1);
    let len = (dx * dx + dy * dy).sqrt();
    let (dx, dy) = (dx / len, dy / len);
    let (px, py) = (-dy, dx);
    let l = 10.0;
    let pts = [
        (mx + px * l, my + py * l),
        (mx + px * l - dx * l, my + py * l - dy * l),
        (mx - px * l - dx * l, my - py * l - dy * l),
        (mx - px * l, my - py * l),
    ];
    MultiPolygon::new(vec![Polygon::new(
        LineString::from(pts.iter().map(|&(x, y)| Coord { x, y }).collect::<Vec<_>>()),
        vec![],
    )])
}

/// Six decimals (about 10 cm) is far finer than a schematic outline deserves.
fn round(mp: &MultiPolygon<f64>) -> MultiPolygon<f64> {
    use geo::MapCoords;
    mp.map_coords(|c| Coord {
        x: (c.x * 1e6).round() / 1e6,
        y: (c.y * 1e6).round() / 1e6,
    })
}

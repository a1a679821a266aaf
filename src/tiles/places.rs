//! The base map's names: the towns of `data/basemap/places.csv` (GeoNames, read once
//! with the land), and label points of the administrative areas of both codings taken
//! from the snapshot: each pre-2025 district inside its polygon, and a commune (pre-2025
//! or 2025) only where its seat is a town we hold (from zoom 11, where it replaces the
//! town's own name). Communes carry no geometry in the bundled data, so no other commune
//! gets a made-up position.

use std::path::Path;

use geo::{Contains, Point};
use unicode_normalization::UnicodeNormalization;

use super::TileError;
use super::coord::lonlat_to_world;
use super::prepared::Prepared;
use crate::model::{AdminLevel, Scheme};

/// What a name on the base map names; its rank orders labels (lower first) and its
/// minimum zoom keeps country views free of commune names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum PlaceKind {
    City,
    District,
    Town,
    Commune,
}

impl PlaceKind {
    pub fn as_str(self) -> &'static str {
        match self {
            PlaceKind::City => "city",
            PlaceKind::District => "district",
            PlaceKind::Town => "town",
            PlaceKind::Commune => "commune",
        }
    }

    fn parse(s: &str) -> Option<Self> {
        [Self::City, Self::Town]
            .into_iter()
            .find(|k| k.as_str() == s)
    }

    /// Label priority: 1 is drawn first when labels collide.
    pub fn rank(self) -> i64 {
        self as i64 + 1
    }

    /// The first zoom whose tiles carry places of this kind.
    pub fn min_zoom(self) -> u8 {
        match self {
            PlaceKind::City => 6,
            PlaceKind::District | PlaceKind::Town => 8,
            PlaceKind::Commune => 11,
        }
    }
}

/// A town or city from the places file.
#[derive(Debug, Clone)]
pub struct Place {
    pub name: String,
    pub name_en: String,
    pub kind: PlaceKind,
    /// `gazetteer` (GeoNames' point) or `approximate` (placed by hand).
    pub position: String,
    pub lon: f64,
    pub lat: f64,
    world: (f64, f64),
}

#[derive(Debug, Default)]
pub struct Places {
    pub places: Vec<Place>,
}

impl Places {
    /// Reads `name,name_en,kind,lon,lat,position,source` rows (`source` is for people).
    pub fn load(path: &Path) -> Result<Self, TileError> {
        let err = |m: String| TileError::Basemap(format!("{}: {m}", path.display()));
        let mut reader = csv::Reader::from_path(path).map_err(|e| err(e.to_string()))?;
        let headers = reader.headers().map_err(|e| err(e.to_string()))?.clone();
        let col = |name: &str| {
            headers
                .iter()
                .position(|h| h == name)
                .ok_or_else(|| err(format!("no column {name:?}")))
        };
        let [name, name_en, kind, lon, lat, position] =
            ["name", "name_en", "kind", "lon", "lat", "position"].map(col);
        let (name, name_en, kind, lon, lat, position) =
            (name?, name_en?, kind?, lon?, lat?, position?);
        let mut places = Vec::new();
        for (n, row) in reader.records().enumerate() {
            let line = n + 2;
            let row = row.map_err(|e| err(format!("line {line}: {e}")))?;
            let field = |i: usize| row.get(i).unwrap_or("").trim();
            let coord = |i: usize, range: std::ops::RangeInclusive<f64>| {
                field(i)
                    .parse::<f64>()
                    .ok()
                    .filter(|v| range.contains(v))
                    .ok_or_else(|| err(format!("line {line}: bad coordinate {:?}", field(i))))
            };
            let (x, y) = (coord(lon, -180.0..=180.0)?, coord(lat, -85.0..=85.0)?);
            let kind = PlaceKind::parse(field(kind))
                .ok_or_else(|| err(format!("line {line}: kind is city or town")))?;
            if field(name).is_empty() {
                return Err(err(format!("line {line}: no name")));
            }
            let name_en = match field(name_en) {
                "" => unaccented(field(name)),
                en => en.to_owned(),
            };
            places.push(Place {
                name: field(name).to_owned(),
                name_en,
                kind,
                position: field(position).to_owned(),
                lon: x,
                lat: y,
                world: lonlat_to_world(x, y),
            });
        }
        Ok(Self { places })
    }
}

/// One name to draw, in world units.
pub struct Label<'a> {
    pub name: &'a str,
    pub name_en: String,
    pub kind: PlaceKind,
    pub position: &'a str,
    /// Areas only: their coding and code.
    pub area: Option<(Scheme, &'a str)>,
    pub world: (f64, f64),
}

/// Every name the base tiles show at zoom `z`, most important first.
pub fn labels<'a>(prepared: &'a Prepared, places: &'a Places, z: u8) -> Vec<Label<'a>> {
    let mut out: Vec<Label<'a>> = places
        .places
        .iter()
        .filter(|p| z >= p.kind.min_zoom())
        .map(|p| Label {
            name: &p.name,
            name_en: p.name_en.clone(),
            kind: p.kind,
            position: &p.position,
            area: None,
            world: p.world,
        })
        .collect();
    let areas = prepared.index.areas();
    if z >= PlaceKind::District.min_zoom() {
        for geom in prepared.areas.iter() {
            let a = &areas[geom.area as usize];
            if let (AdminLevel::District, Some(world)) = (a.level, geom.label) {
                let schematic = a
                    .geometry_source
                    .as_deref()
                    .is_some_and(|s| s.starts_with("schematic"));
                out.push(Label {
                    name: &a.name,
                    name_en: english_name(&a.name),
                    kind: PlaceKind::District,
                    position: if schematic { "schematic" } else { "interior" },
                    area: Some((a.scheme, &a.code)),
                    world,
                });
            }
        }
    }
    if z >= PlaceKind::Commune.min_zoom() {
        let mut seats = Vec::new();
        for a in areas.iter().filter(|a| a.level == AdminLevel::Commune) {
            if let Some(town) = commune_seat(prepared, places, a.scheme, &a.code) {
                seats.push(town.world);
                out.push(Label {
                    name: &a.name,
                    name_en: english_name(&a.name),
                    kind: PlaceKind::Commune,
                    position: &town.position,
                    area: Some((a.scheme, &a.code)),
                    world: town.world,
                });
            }
        }
        // Close in, a town that is a commune's seat is named by its communes instead.
        out.retain(|l| l.kind != PlaceKind::Town || !seats.contains(&l.world));
    }
    out.sort_by_key(|l| l.kind);
    out
}

/// The town that is a commune's seat, when we hold one: a pre-2025 "Thị trấn X" is the
/// town X lying in its district's polygon; a 2025 commune keeps the code of its seat
/// commune (GSO, see `shared/data/README.md`), so its seat is that pre-2025 commune's.
fn commune_seat<'a>(
    prepared: &Prepared,
    places: &'a Places,
    scheme: Scheme,
    code: &str,
) -> Option<&'a Place> {
    let areas = prepared.index.areas();
    let seat = areas.iter().find(|a| {
        a.scheme == Scheme::Pre2025 && a.level == AdminLevel::Commune && a.code == code
    })?;
    if scheme == Scheme::Y2025 && seat.code != code {
        return None;
    }
    let town_name = seat.name.strip_prefix("Thị trấn ")?;
    let district = prepared.areas.iter().find(|g| {
        let d = &areas[g.area as usize];
        d.scheme == Scheme::Pre2025
            && d.level == AdminLevel::District
            && Some(&d.code) == seat.parent_code.as_ref()
    })?;
    places
        .places
        .iter()
        .find(|p| p.name == town_name && district.world.contains(&Point::new(p.world.0, p.world.1)))
}

/// A Vietnamese unit name in English: the kind of unit translated and put after the
/// proper name, which loses its diacritics (as Viet Nam's own English documents write
/// place names): "Huyện Cầu Kè" → "Cau Ke District", "Phường 4" → "Ward 4".
pub fn english_name(vi: &str) -> String {
    const KINDS: [(&str, &str); 7] = [
        ("Thành phố ", "City"),
        ("Thị xã ", "Town"),
        ("Thị trấn ", "Township"),
        ("Huyện ", "District"),
        ("Phường ", "Ward"),
        ("Xã ", "Commune"),
        ("Tỉnh ", "Province"),
    ];
    for (prefix, kind) in KINDS {
        if let Some(rest) = vi.strip_prefix(prefix) {
            let rest = unaccented(rest);
            return if rest.chars().all(|c| c.is_ascii_digit()) {
                format!("{kind} {rest}")
            } else {
                format!("{rest} {kind}")
            };
        }
    }
    unaccented(vi)
}

/// `s` without tone marks and other diacritics, `Đ`/`đ` as `D`/`d`, case kept.
pub fn unaccented(s: &str) -> String {
    s.nfd()
        .filter(|c| !('\u{0300}'..='\u{036F}').contains(c))
        .map(|c| match c {
            'đ' => 'd',
            'Đ' => 'D',
            c => c,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn english_names_translate_the_unit_and_drop_diacritics() {
        assert_eq!(english_name("Huyện Cầu Kè"), "Cau Ke District");
        assert_eq!(english_name("Thành phố Trà Vinh"), "Tra Vinh City");
        assert_eq!(english_name("Thị xã Duyên Hải"), "Duyen Hai Town");
        assert_eq!(english_name("Thị trấn Cầu Kè"), "Cau Ke Township");
        assert_eq!(english_name("Phường 4"), "Ward 4");
        assert_eq!(english_name("Xã Đôn Châu"), "Don Chau Commune");
        assert_eq!(english_name("Phường Nguyệt Hóa"), "Nguyet Hoa Ward");
        assert_eq!(unaccented("Trà Ôn"), "Tra On");
    }

    #[test]
    fn the_bundled_places_file_reads_with_every_town_placed_in_the_region() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("data/basemap/places.csv");
        let places = Places::load(&path).expect("the bundled places file reads");
        assert!(places.places.len() >= 17);
        for p in &places.places {
            assert!(
                (105.5..=107.0).contains(&p.lon) && (9.3..=10.3).contains(&p.lat),
                "{p:?}"
            );
            assert!(
                ["gazetteer", "approximate"].contains(&p.position.as_str()),
                "{p:?}"
            );
        }
        let tv = places
            .places
            .iter()
            .find(|p| p.name == "Trà Vinh")
            .expect("Trà Vinh");
        assert_eq!(
            (tv.kind, tv.name_en.as_str()),
            (PlaceKind::City, "Tra Vinh")
        );
    }

    #[test]
    fn a_places_file_with_a_bad_row_is_refused_with_its_line() {
        let dir = std::env::temp_dir().join(format!("vetmap-places-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let path = dir.join("places.csv");
        std::fs::write(
            &path,
            "name,name_en,kind,lon,lat,position,source\nA,,town,106,9.9,gazetteer,x\nB,,village,106,9.9,gazetteer,x\n",
        )
        .expect("write");
        let e = Places::load(&path)
            .expect_err("kind village is refused")
            .to_string();
        assert!(e.contains("line 3"), "{e}");
        std::fs::write(
            &path,
            "name,name_en,kind,lon,lat,position,source\nA,,town,206,9.9,gazetteer,x\n",
        )
        .expect("write");
        assert!(Places::load(&path).is_err());
        let _ = std::fs::remove_dir_all(&dir);
    }
}

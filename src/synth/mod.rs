//! Synthetic GDNN networks for scale tests and benchmarks: `generate(count, seed)` gives
//! the same [`Dataset`] for the same arguments, on every machine (a PCG generator with a
//! fixed algorithm, no global state).
//!
//! What it looks like: institutions cluster around the 63 pre-2025 provincial capitals
//! ([`places`], approximate positions), most within a few kilometres of the town and a
//! share spread over the countryside; kinds, ownership and programme counts follow
//! illustrative national shares ([`catalogue`]); programmes use a catalogue of real-looking
//! 7-digit codes whose level digit matches the programme's level. Each town gets a
//! synthetic "province" (a square around it, in both schemes) that the institutions
//! reference, so area filters and coverage work on synthetic data too.
//!
//! Nothing here is a fact: every institution's `source` and `readiness_source`, and every
//! area's name and `geometry_source`, say "synthetic". Synthetic data is generated on
//! demand and never committed.

pub mod catalogue;
pub mod places;

use chrono::{DateTime, NaiveDate, Utc};
use geo::{MultiPolygon, Polygon, Rect};
use rand::{Rng, RngExt, SeedableRng};
use rand_pcg::Pcg64;

use crate::model::SharedText;
use crate::model::{
    AdminArea, AdminCodes, AdminLevel, Dataset, Institution, InstitutionKind, InstitutionText,
    Interner, Level, LonLat, Occupation, OccupationCode, Ownership, PositionAccuracy, Programme,
    Readiness, Scheme, TextFields,
};
use catalogue::{FAMILIES, KIND_SHARES, RARE_FAMILIES, SPECIALISMS};
use places::{TOWNS, Town};

/// Half the side of a synthetic province's square, in degrees.
const AREA_HALF_SIDE_DEG: f64 = 0.3;
const KM_PER_DEG_LAT: f64 = 111.32;

/// A reproducible synthetic network of `count` institutions.
pub fn generate(count: usize, seed: u64) -> Dataset {
    let mut rng = Pcg64::seed_from_u64(seed);
    let mut common = Common {
        source: format!("synthetic: vetmap synth --seed {seed}; not a real institution").into(),
        readiness_source: "synthetic: illustrative values".into(),
        updated_at: DateTime::from_timestamp(1_767_225_600, 0) // 2026-01-01
            .unwrap_or_default(),
        names: Interner::default(),
    };
    let width = count.to_string().len().max(7);
    let towns = WeightedPick::new(TOWNS.iter().map(|t| t.weight));
    let kinds = WeightedPick::new(KIND_SHARES.iter().map(|k| k.1));
    let occupations = occupations();
    let institutions = (0..count)
        .map(|n| {
            let town_no = towns.pick(&mut rng);
            let kind = KIND_SHARES[kinds.pick(&mut rng)].0;
            institution(&mut rng, Serial { n, width }, town_no, kind, &mut common)
        })
        .collect();
    Dataset {
        occupations,
        areas: areas(),
        mapping: Vec::new(),
        institutions,
        version: format!("synthetic-{count}-{seed}"),
    }
}

/// The catalogue: every family at college (6) and intermediate (5) level.
fn occupations() -> Vec<Occupation> {
    let mut v = Vec::with_capacity((FAMILIES.len() + RARE_FAMILIES.len()) * 2);
    let rare = RARE_FAMILIES.iter().map(|(f, vi, en, _)| (*f, *vi, *en));
    let all: Vec<(&str, &str, &str)> = FAMILIES.iter().copied().chain(rare).collect();
    for digit in ['5', '6'] {
        for (family, vi, en) in &all {
            v.push(Occupation {
                code: code(digit, family),
                name_vi: (*vi).to_owned(),
                name_en: Some((*en).to_owned()),
            });
        }
    }
    v
}

fn code(digit: char, family: &str) -> OccupationCode {
    OccupationCode::parse(&format!("{digit}{family}"))
        .unwrap_or_else(|_| unreachable!("catalogue families have six digits"))
}

/// The synthetic code of the area around the town numbered `n` (from 0).
fn area_code(n: usize) -> String {
    format!("{:02}", n + 1)
}

/// One synthetic province per town, in both schemes, with a square geometry.
fn areas() -> Vec<AdminArea> {
    let reform = NaiveDate::from_ymd_opt(2025, 7, 1);
    let mut v = Vec::with_capacity(TOWNS.len() * 2);
    for scheme in [Scheme::Pre2025, Scheme::Y2025] {
        for (n, town) in TOWNS.iter().enumerate() {
            let square = Rect::new(
                (town.lon - AREA_HALF_SIDE_DEG, town.lat - AREA_HALF_SIDE_DEG),
                (town.lon + AREA_HALF_SIDE_DEG, town.lat + AREA_HALF_SIDE_DEG),
            );
            let (valid_from, valid_to) = match scheme {
                Scheme::Pre2025 => (None, reform),
                Scheme::Y2025 => (reform, None),
            };
            v.push(AdminArea {
                scheme,
                code: area_code(n),
                name: format!("Vùng tổng hợp {} (synthetic)", town.name),
                level: AdminLevel::Province,
                parent_code: None,
                valid_from,
                valid_to,
                geometry: Some(MultiPolygon::new(vec![Polygon::from(square)])),
                geometry_source: Some(
                    "synthetic: a square around an approximate town position, not a boundary"
                        .to_owned(),
                ),
            });
        }
    }
    v
}

/// The running number of an institution and the digits its id is padded to.
#[derive(Clone, Copy)]
struct Serial {
    n: usize,
    width: usize,
}

fn institution(
    rng: &mut impl Rng,
    serial: Serial,
    town_no: usize,
    kind: InstitutionKind,
    common: &mut Common,
) -> Institution {
    let town = &TOWNS[town_no];
    let Serial { n, width } = serial;
    let location = scatter(rng, town);
    let (stem_vi, stem_en) = catalogue::name_stem(kind);
    let (name_vi, name_en) = match kind {
        InstitutionKind::University
        | InstitutionKind::College
        | InstitutionKind::IntermediateSchool => {
            let (spec_vi, spec_en) = SPECIALISMS[rng.random_range(0..SPECIALISMS.len())];
            (
                format!("{stem_vi} {spec_vi} {} {}", town.name, n + 1),
                format!("{} {spec_en} {stem_en} {}", town.name, n + 1),
            )
        }
        _ => (
            format!("{stem_vi} {} {}", town.name, n + 1),
            format!("{} {stem_en} {}", town.name, n + 1),
        ),
    };
    let ownership = match rng.random_range(0..100) {
        0..65 => Ownership::Public,
        65..98 => Ownership::Private,
        _ => Ownership::ForeignInvested,
    };
    let area = common.names.intern(&area_code(town_no));
    let mut maybe = |p: f64| rng.random_bool(p);
    let readiness = Readiness {
        digital_infrastructure: Some(maybe(0.6)),
        connected_national_platform: Some(maybe(0.4)),
        digitised_learning_records: Some(maybe(0.5)),
        digitised_diplomas: Some(maybe(0.3)),
        teachers_digital_trained_pct: Some(f64::from(rng.random_range(0..=100u8))),
        high_quality_school: Some(kind == InstitutionKind::College && rng.random_bool(0.2)),
        digital_school: Some(rng.random_bool(0.2)),
        source: Some(common.readiness_source.clone()),
    };
    let (id, text) = InstitutionText::with_id(
        &format!("syn-{:0width$}", n + 1),
        TextFields {
            name_vi: &name_vi,
            name_en: Some(&name_en),
            address: Some(&format!("Địa chỉ tổng hợp số {}, {}", n + 1, town.name)),
            ..TextFields::default()
        },
    )
    .unwrap_or_else(|e| unreachable!("a synthetic id is a slug and its text short: {e}"));
    Institution {
        id,
        text,
        kind,
        ownership,
        location,
        position_accuracy: PositionAccuracy::Approximate,
        admin: common.names.share_admin(&AdminCodes {
            province_pre2025: Some(area.clone()),
            province_2025: Some(area.clone()),
            ..AdminCodes::default()
        }),
        programmes: programmes(rng, kind, &mut common.names).into(),
        readiness: common.names.share_readiness(&readiness),
        source: common.source.clone(),
        updated_at: common.updated_at,
        version: 1,
    }
}

/// What every generated institution shares: one allocation of each repeated text.
struct Common {
    source: SharedText,
    readiness_source: SharedText,
    updated_at: DateTime<Utc>,
    names: Interner,
}

/// A point near the town: 70% within a few kilometres (the town), the rest spread over
/// its countryside. Normal offsets by Box-Muller; clamped into the synthetic area.
fn scatter(rng: &mut impl Rng, town: &Town) -> LonLat {
    let sigma_km = if rng.random_bool(0.7) { 4.0 } else { 15.0 };
    let u1: f64 = rng.random_range(f64::EPSILON..1.0);
    let u2: f64 = rng.random::<f64>();
    let r = sigma_km * (-2.0 * u1.ln()).sqrt();
    let theta = std::f64::consts::TAU * u2;
    let lim = AREA_HALF_SIDE_DEG * 0.999;
    let dlat = (r * theta.sin() / KM_PER_DEG_LAT).clamp(-lim, lim);
    let dlon = (r * theta.cos() / (KM_PER_DEG_LAT * town.lat.to_radians().cos())).clamp(-lim, lim);
    // Six decimals (about 0.1 m): what real files carry, and exact through text formats.
    let round = |x: f64| (x * 1e6).round() / 1e6;
    LonLat::new(round(town.lon + dlon), round(town.lat + dlat))
        .unwrap_or_else(|_| unreachable!("towns lie well inside the valid range"))
}

fn programmes(rng: &mut impl Rng, kind: InstitutionKind, names: &mut Interner) -> Vec<Programme> {
    let ((lo, hi), levels) = catalogue::profile(kind);
    let count = rng.random_range(lo..=hi).min(FAMILIES.len());
    // Distinct families: a partial Fisher-Yates shuffle of their indexes.
    let mut order: Vec<usize> = (0..FAMILIES.len()).collect();
    let mut list: Vec<Programme> = (0..count)
        .map(|k| {
            let j = rng.random_range(k..order.len());
            order.swap(k, j);
            let (family, name, _) = FAMILIES[order[k]];
            programme(rng, names, levels, family, name)
        })
        .collect();
    for (family, name, _, share) in RARE_FAMILIES {
        if rng.random_bool(*share) {
            list.push(programme(rng, names, levels, family, name));
        }
    }
    list
}

/// One programme of `family` at one of `levels`.
fn programme(
    rng: &mut impl Rng,
    names: &mut Interner,
    levels: &[Level],
    family: &str,
    name: &str,
) -> Programme {
    let level: Level = levels[rng.random_range(0..levels.len())];
    Programme::new(
        code(catalogue::code_digit(level), family),
        names.intern(name),
        level,
        Some(rng.random_range(2..=20u32) * 10),
    )
}

/// Picks an index with probability proportional to its weight.
struct WeightedPick {
    cumulative: Vec<u32>,
}

impl WeightedPick {
    fn new(weights: impl Iterator<Item = u32>) -> Self {
        let mut total = 0;
        let cumulative = weights
            .map(|w| {
                total += w;
                total
            })
            .collect();
        Self { cumulative }
    }

    fn pick(&self, rng: &mut impl Rng) -> usize {
        let total = self.cumulative.last().copied().unwrap_or(1);
        let x = rng.random_range(0..total);
        self.cumulative.partition_point(|&c| c <= x)
    }
}

#[cfg(test)]
mod tests;

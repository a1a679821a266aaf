//! The snapshot's own record types and their conversion to and from the model's.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::SnapshotMeta;
use crate::model::{
    AdminCodes, Institution, InstitutionKind, InstitutionText, Level, LonLat, OccupationCode,
    Ownership, PositionAccuracy, Programme, Readiness, SharedText, TextFields,
};

/// Everything before the records: where the snapshot stands, and the tables of text
/// that many records share (sources, administrative codes, occupation names) and of
/// occupation codes.
#[derive(Serialize, Deserialize)]
pub(super) struct Head {
    change_seq: i64,
    version: String,
    database: String,
    institutions: u64,
    texts: Vec<String>,
    codes: Vec<String>,
    #[serde(skip)]
    shared: Vec<SharedText>,
    #[serde(skip)]
    parsed_codes: Vec<OccupationCode>,
}

/// Records of one chunk that name the same codes, or report the same readiness
/// figures, share one copy. Chunks decode in parallel, so each keeps its own: one copy
/// per distinct value in 65,536 records rather than one per record.
#[derive(Default)]
pub(super) struct ChunkShares {
    admin: HashMap<[u32; 5], Arc<AdminCodes>>,
    readiness: HashMap<ReadinessNumbers, Arc<Readiness>>,
}

/// A record's readiness as the file holds it: the six flags, the percentage's bits
/// and the source's text number.
type ReadinessNumbers = ([Option<bool>; 6], Option<u64>, u32);

/// One institution. Shared text is a number: 0 for none, n + 1 for `texts[n]`.
#[derive(Serialize, Deserialize)]
struct Rec<'a> {
    id: &'a str,
    code: Option<&'a str>,
    name_vi: &'a str,
    name_en: Option<&'a str>,
    kind: InstitutionKind,
    ownership: Ownership,
    position_accuracy: PositionAccuracy,
    lon: f64,
    lat: f64,
    address: Option<&'a str>,
    admin: [u32; 5],
    phone: Option<&'a str>,
    email: Option<&'a str>,
    website: Option<&'a str>,
    /// digital_infrastructure, connected_national_platform, digitised_learning_records,
    /// digitised_diplomas, high_quality_school, digital_school.
    readiness: [Option<bool>; 6],
    teachers_digital_trained_pct: Option<f64>,
    readiness_source: u32,
    source: u32,
    updated_at_micros: i64,
    version: i64,
    programmes: Vec<Prog>,
}

/// One programme: its occupation code as `codes[code]`, its name as a shared text.
#[derive(Serialize, Deserialize)]
struct Prog {
    code: u32,
    name: u32,
    level: Level,
    annual_quota: Option<u32>,
}

/// Numbers texts (or values written as text: codes) as they are first seen.
struct Table<K> {
    numbers: HashMap<K, u32>,
    list: Vec<String>,
}

impl<K> Default for Table<K> {
    fn default() -> Self {
        Self {
            numbers: HashMap::new(),
            list: Vec::new(),
        }
    }
}

impl<K: std::hash::Hash + Eq + std::fmt::Display> Table<K> {
    fn number(&mut self, key: K) -> u32 {
        let next = self.list.len() as u32;
        *self.numbers.entry(key).or_insert_with_key(|key| {
            self.list.push(key.to_string());
            next
        })
    }

    fn optional(&mut self, key: Option<K>) -> u32 {
        key.map_or(0, |k| self.number(k) + 1)
    }
}

/// The records in chunks of `chunk` institutions, each chunk its own postcard message
/// handed to `on_chunk` as soon as it is encoded; then the head (which holds the tables
/// the records refer to) and how many chunks there were.
pub(super) fn encode<'a>(
    meta: &SnapshotMeta,
    institutions: impl ExactSizeIterator<Item = &'a Institution>,
    chunk: usize,
    mut on_chunk: impl FnMut(&[u8]) -> Result<(), std::io::Error>,
) -> Result<(Vec<u8>, u32), std::io::Error> {
    let bad = |e: postcard::Error| std::io::Error::new(std::io::ErrorKind::InvalidData, e);
    let count = institutions.len() as u64;
    let mut texts = Table::default();
    let mut codes = Table::default();
    let mut chunks = 0u32;
    let mut bytes = Vec::new();
    let mut recs: Vec<Rec<'a>> = Vec::with_capacity(chunk);
    for i in institutions {
        let a = &i.admin;
        let r = &i.readiness;
        recs.push(Rec {
            id: i.id.as_str(),
            code: i.code(),
            name_vi: i.name_vi(),
            name_en: i.name_en(),
            kind: i.kind,
            ownership: i.ownership,
            position_accuracy: i.position_accuracy,
            lon: i.location.lon(),
            lat: i.location.lat(),
            address: i.address(),
            admin: [
                texts.optional(a.province_pre2025.as_deref()),
                texts.optional(a.district_pre2025.as_deref()),
                texts.optional(a.commune_pre2025.as_deref()),
                texts.optional(a.province_2025.as_deref()),
                texts.optional(a.commune_2025.as_deref()),
            ],
            phone: i.phone(),
            email: i.email(),
            website: i.website(),
            readiness: [
                r.digital_infrastructure,
                r.connected_national_platform,
                r.digitised_learning_records,
                r.digitised_diplomas,
                r.high_quality_school,
                r.digital_school,
            ],
            teachers_digital_trained_pct: r.teachers_digital_trained_pct,
            readiness_source: texts.optional(r.source.as_deref()),
            source: texts.optional(Some(&i.source)),
            updated_at_micros: i.updated_at.timestamp_micros(),
            version: i.version,
            programmes: i
                .programmes
                .iter()
                .map(|p| Prog {
                    code: codes.number(p.occupation_code()),
                    name: texts.optional(Some(p.occupation_name())),
                    level: p.level(),
                    annual_quota: p.annual_quota(),
                })
                .collect(),
        });
        if recs.len() == chunk {
            // One buffer for every chunk: it grows to the largest once.
            bytes = postcard::to_extend(&recs, std::mem::take(&mut bytes)).map_err(bad)?;
            on_chunk(&bytes)?;
            bytes.clear();
            chunks += 1;
            recs.clear();
        }
    }
    if !recs.is_empty() {
        bytes = postcard::to_extend(&recs, bytes).map_err(bad)?;
        on_chunk(&bytes)?;
        chunks += 1;
    }
    let head = Head {
        change_seq: meta.change_seq,
        version: meta.version.clone(),
        database: meta.database.clone(),
        institutions: count,
        texts: texts.list,
        codes: codes.list,
        shared: Vec::new(),
        parsed_codes: Vec::new(),
    };
    Ok((postcard::to_stdvec(&head).map_err(bad)?, chunks))
}

impl Head {
    /// Decodes the head and readies its tables (shared text as one `SharedText` each).
    pub(super) fn decode(bytes: &[u8]) -> Result<Head, String> {
        let mut head: Head =
            postcard::from_bytes(bytes).map_err(|e| format!("its head does not decode: {e}"))?;
        head.shared = head
            .texts
            .iter()
            .map(|t| SharedText::from(t.as_str()))
            .collect();
        head.parsed_codes = head
            .codes
            .iter()
            .map(|c| OccupationCode::parse(c).map_err(|e| e.message))
            .collect::<Result<_, _>>()?;
        Ok(head)
    }

    pub(super) fn meta(&self) -> SnapshotMeta {
        SnapshotMeta {
            change_seq: self.change_seq,
            version: self.version.clone(),
            database: self.database.clone(),
            institutions: self.institutions,
        }
    }

    fn text(&self, n: u32) -> Result<Option<SharedText>, String> {
        match n {
            0 => Ok(None),
            n => self
                .shared
                .get(n as usize - 1)
                .cloned()
                .map(Some)
                .ok_or_else(|| format!("text {n} is not in its table")),
        }
    }

    /// One chunk's institutions. Values are checked as a load from PostgreSQL checks
    /// them (ids, positions, codes), so a file that decodes is also well formed.
    pub(super) fn decode_chunk(&self, bytes: &[u8]) -> Result<Vec<Institution>, String> {
        let recs: Vec<Rec<'_>> =
            postcard::from_bytes(bytes).map_err(|e| format!("a chunk does not decode: {e}"))?;
        let mut shared = ChunkShares::default();
        recs.into_iter()
            .map(|r| self.institution(r, &mut shared))
            .collect()
    }

    fn institution(&self, r: Rec<'_>, shared: &mut ChunkShares) -> Result<Institution, String> {
        let id = r.id;
        let [
            digital_infrastructure,
            connected_national_platform,
            digitised_learning_records,
            digitised_diplomas,
            high_quality_school,
            digital_school,
        ] = r.readiness;
        // Exactly as many as there are: collecting through `Result` grows the vector by
        // doubling, and the spare room was 100 MB at two million institutions.
        let mut programmes = Vec::with_capacity(r.programmes.len());
        for p in r.programmes {
            programmes.push(Programme::new(
                self.parsed_codes
                    .get(p.code as usize)
                    .cloned()
                    .ok_or_else(|| format!("occupation code {} is not in its table", p.code))?,
                self.text(p.name)?.ok_or("a programme without a name")?,
                p.level,
                p.annual_quota,
            ));
        }
        let admin = match shared.admin.get(&r.admin) {
            Some(shared) => shared.clone(),
            None => {
                let [pp, dp, cp, p25, c25] = r.admin;
                let codes = Arc::new(AdminCodes {
                    province_pre2025: self.text(pp)?,
                    district_pre2025: self.text(dp)?,
                    commune_pre2025: self.text(cp)?,
                    province_2025: self.text(p25)?,
                    commune_2025: self.text(c25)?,
                });
                shared.admin.insert(r.admin, codes.clone());
                codes
            }
        };
        let readiness_key = (
            r.readiness,
            r.teachers_digital_trained_pct.map(f64::to_bits),
            r.readiness_source,
        );
        let readiness = match shared.readiness.get(&readiness_key) {
            Some(figures) => figures.clone(),
            None => {
                let figures = Arc::new(Readiness {
                    digital_infrastructure,
                    connected_national_platform,
                    digitised_learning_records,
                    digitised_diplomas,
                    teachers_digital_trained_pct: r.teachers_digital_trained_pct,
                    high_quality_school,
                    digital_school,
                    source: self.text(r.readiness_source)?,
                });
                shared.readiness.insert(readiness_key, figures.clone());
                figures
            }
        };
        let (id, text) = InstitutionText::with_id(
            id,
            TextFields {
                code: r.code,
                name_vi: r.name_vi,
                name_en: r.name_en,
                address: r.address,
                phone: r.phone,
                email: r.email,
                website: r.website,
            },
        )
        .map_err(|e| format!("{id}: {} {}", e.field, e.message))?;
        Ok(Institution {
            location: LonLat::new(r.lon, r.lat).map_err(|e| format!("{id}: {}", e.message))?,
            updated_at: DateTime::<Utc>::from_timestamp_micros(r.updated_at_micros)
                .ok_or_else(|| format!("{id}: a time out of range"))?,
            source: self
                .text(r.source)?
                .ok_or_else(|| format!("{id}: no source"))?,
            id,
            text,
            kind: r.kind,
            ownership: r.ownership,
            position_accuracy: r.position_accuracy,
            admin,
            programmes: programmes.into(),
            readiness,
            version: r.version,
        })
    }
}

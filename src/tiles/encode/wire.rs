//! The MVT 2.1 protobuf written straight to bytes, as the `mvt` crate (over `prost`)
//! writes it, byte for byte: the same field order, the same key and value tables (each
//! key and each distinct value once per layer, numbered in order of first use) and the
//! same geometry commands (the tests compare the two on generated tiles).
//!
//! Why not the crate: it builds a `prost` message tree first, with a `String` per value
//! (cloned again as its hash key), a `Vec` per feature for tags and another for the
//! geometry, SipHash lookups per property, and then walks the tree twice to encode it.
//! For a tile of a thousand points with a dozen properties each that was most of the
//! cost of an uncached tile. Here a feature is encoded once into the layer's buffer, and
//! value lookups hash the borrowed text; nothing is allocated per feature once the
//! layer's buffers have grown.

use std::collections::HashMap;
use std::hash::BuildHasher;

use foldhash::fast::FixedState;
use hashbrown::HashTable;

use super::Prop;

/// Protobuf wire types.
const VARINT: u32 = 0;
const I64: u32 = 1;
const LEN: u32 = 2;

fn varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

/// Bytes of `v` as a varint (1 to 10).
fn varint_len(v: u64) -> usize {
    (64 - (v | 1).leading_zeros() as usize).div_ceil(7)
}

fn key(out: &mut Vec<u8>, field: u32, wire: u32) {
    varint(out, u64::from((field << 3) | wire));
}

/// A length-delimited field: key, length, then the caller writes `len` bytes.
fn len_field(out: &mut Vec<u8>, field: u32, len: usize) {
    key(out, field, LEN);
    varint(out, len as u64);
}

/// Bytes of a length-delimited field whose content is `len` bytes (keys here fit one
/// byte: fields 1 to 15).
fn len_field_size(len: usize) -> usize {
    1 + varint_len(len as u64) + len
}

fn zigzag64(v: i64) -> u64 {
    ((v << 1) ^ (v >> 63)) as u64
}

/// MVT geometry types (`Tile.GeomType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GeomKind {
    Point = 1,
    Linestring = 2,
    Polygon = 3,
}

const MOVE_TO: u32 = 1;
const LINE_TO: u32 = 2;
const CLOSE_PATH: u32 = 7;

/// Geometry commands in tile units, reused from feature to feature. The rules are those
/// of `mvt::GeomEncoder` for integer input without a clip box: consecutive repeats are
/// dropped, a path that starts where the previous one ended continues it (no `MoveTo`),
/// and a polygon's middle point of three on one horizontal or vertical line going one
/// way is dropped.
#[derive(Debug)]
pub struct Geometry {
    kind: GeomKind,
    data: Vec<u32>,
    /// The point before the last one of the current path, and the last one.
    pt0: Option<(i32, i32)>,
    pt1: Option<(i32, i32)>,
    cmd_offset: usize,
    count: u32,
}

impl Geometry {
    pub fn new() -> Self {
        Self {
            kind: GeomKind::Point,
            data: Vec::new(),
            pt0: None,
            pt1: None,
            cmd_offset: 0,
            count: 0,
        }
    }

    /// Starts a new feature's geometry.
    pub fn reset(&mut self, kind: GeomKind) {
        self.kind = kind;
        self.data.clear();
        self.pt0 = None;
        self.pt1 = None;
        self.cmd_offset = 0;
        self.count = 0;
    }

    pub fn kind(&self) -> GeomKind {
        self.kind
    }

    fn command(&mut self, id: u32) {
        self.cmd_offset = self.data.len();
        self.data.push(id | (1 << 3));
    }

    fn set_count(&mut self, count: u32) {
        if let Some(c) = self.data.get_mut(self.cmd_offset) {
            *c = (*c & 0x7) | (count << 3);
        }
    }

    fn push_point(&mut self, x: i32, y: i32) {
        self.pt0 = self.pt1;
        let (px, py) = self.pt0.unwrap_or((0, 0));
        self.data.push(zigzag32(x.saturating_sub(px)));
        self.data.push(zigzag32(y.saturating_sub(py)));
        self.pt1 = Some((x, y));
        self.count += 1;
    }

    fn pop_point(&mut self) {
        self.data.pop();
        self.data.pop();
        self.pt1 = self.pt0;
        self.count -= 1;
    }

    pub fn add_point(&mut self, x: i32, y: i32) {
        if self.pt1 == Some((x, y)) {
            // The first point of a path on the previous path's last point continues it.
            if self.count == 0 {
                self.count += 1;
            }
            return;
        }
        match (self.kind, self.count) {
            (_, 0) => self.command(MOVE_TO),
            (GeomKind::Linestring | GeomKind::Polygon, 1) => self.command(LINE_TO),
            _ => {}
        }
        if self.kind == GeomKind::Polygon && self.count >= 2 && self.straight_on(x, y) {
            self.pop_point();
        }
        self.push_point(x, y);
    }

    /// Whether the last point lies between the one before it and `(x, y)` on one
    /// horizontal or vertical line.
    fn straight_on(&self, x: i32, y: i32) -> bool {
        let (Some((p0x, p0y)), Some((p1x, p1y))) = (self.pt0, self.pt1) else {
            return false;
        };
        if p0x == p1x && p1x == x {
            return (p0y < p1y && p1y < y) || (p0y > p1y && p1y > y);
        }
        if p0y == p1y && p1y == y {
            return (p0x < p1x && p1x < x) || (p0x > p1x && p1x > x);
        }
        false
    }

    /// Ends the current path (a point feature's points are one path).
    pub fn complete_geom(&mut self) {
        match self.kind {
            GeomKind::Point => {
                self.set_count(self.count);
                return;
            }
            GeomKind::Linestring => {
                if self.count > 1 {
                    self.set_count(self.count - 1);
                }
            }
            GeomKind::Polygon => {
                if self.count > 1 {
                    self.set_count(self.count - 1);
                    self.command(CLOSE_PATH);
                }
            }
        }
        self.count = 0;
        self.pt0 = None;
    }

    /// The commands, the current path ended.
    pub fn finish(&mut self) -> &[u32] {
        self.complete_geom();
        &self.data
    }
}

fn zigzag32(v: i32) -> u32 {
    ((v << 1) ^ (v >> 31)) as u32
}

/// One layer's protobuf: features encoded as they come, the key and value tables.
pub struct LayerWriter {
    name: String,
    extent: u32,
    /// `Layer.features` fields, each complete (key, length, message).
    features: Vec<u8>,
    n_features: usize,
    /// Keys in order of first use. Layers have a dozen or so: a scan beats hashing.
    keys: Vec<Box<str>>,
    /// `Layer.values` fields, each complete.
    values: Vec<u8>,
    n_values: u32,
    /// String values: (index, where the text starts in `values`, its length).
    strings: HashTable<(u32, u32, u32)>,
    sints: HashMap<i64, u32, FixedState>,
    /// By bit pattern, 0.0 and -0.0 as one (as `mvt` compares them).
    doubles: HashMap<u64, u32, FixedState>,
    bools: [Option<u32>; 2],
    tags: Vec<u32>,
    hasher: FixedState,
}

impl LayerWriter {
    pub fn new(name: &str, extent: u32) -> Self {
        Self {
            name: name.to_owned(),
            extent,
            features: Vec::new(),
            n_features: 0,
            keys: Vec::new(),
            values: Vec::new(),
            n_values: 0,
            strings: HashTable::new(),
            sints: HashMap::default(),
            doubles: HashMap::default(),
            bools: [None; 2],
            tags: Vec::new(),
            hasher: FixedState::default(),
        }
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn num_features(&self) -> usize {
        self.n_features
    }

    pub fn reserve(&mut self, features: usize, values: usize) {
        // A point feature with a dozen properties takes about 40 bytes.
        self.features.reserve(features * 40);
        let (buf, hasher) = (&self.values, &self.hasher);
        self.strings
            .reserve(values, |e| hasher.hash_one(string_of(buf, e)));
    }

    /// The key's number; `hint`, a number to try first (keys are unique, so a hit is
    /// the number a scan would find).
    fn key_pos(&mut self, k: &str, hint: Option<u32>) -> u32 {
        if let Some(h) = hint
            && self.keys.get(h as usize).is_some_and(|known| **known == *k)
        {
            return h;
        }
        if let Some(n) = self.keys.iter().position(|known| **known == *k) {
            return n as u32;
        }
        self.keys.push(k.into());
        (self.keys.len() - 1) as u32
    }

    /// Appends a `Layer.values` field holding one `Value` field of `len` bytes after
    /// its key, and numbers it.
    fn new_value(
        &mut self,
        field: u32,
        wire: u32,
        len: usize,
        write: impl FnOnce(&mut Vec<u8>),
    ) -> u32 {
        len_field(&mut self.values, 4, 1 + len);
        key(&mut self.values, field, wire);
        let start = self.values.len();
        write(&mut self.values);
        debug_assert_eq!(self.values.len() - start, len);
        self.n_values += 1;
        self.n_values - 1
    }

    fn value_pos(&mut self, v: Prop<'_>) -> u32 {
        match v {
            Prop::Str(s) => self.string_pos(s),
            Prop::Int(i) => match self.sints.get(&i) {
                Some(&n) => n,
                None => {
                    let z = zigzag64(i);
                    let n = self.new_value(6, VARINT, varint_len(z), |out| varint(out, z));
                    self.sints.insert(i, n);
                    n
                }
            },
            Prop::Double(d) => {
                let bits = if d == 0.0 { 0 } else { d.to_bits() };
                match self.doubles.get(&bits) {
                    Some(&n) => n,
                    None => {
                        let n = self.new_value(3, I64, 8, |out| {
                            out.extend_from_slice(&d.to_bits().to_le_bytes());
                        });
                        self.doubles.insert(bits, n);
                        n
                    }
                }
            }
            Prop::Bool(b) => match self.bools[usize::from(b)] {
                Some(n) => n,
                None => {
                    let n = self.new_value(7, VARINT, 1, |out| out.push(u8::from(b)));
                    self.bools[usize::from(b)] = Some(n);
                    n
                }
            },
        }
    }

    fn string_pos(&mut self, s: &str) -> u32 {
        let hash = self.hasher.hash_one(s.as_bytes());
        let buf = &self.values;
        if let Some(&(n, _, _)) = self
            .strings
            .find(hash, |e| string_of(buf, e) == s.as_bytes())
        {
            return n;
        }
        // Value { string_value = s }, inside a Layer.values field.
        let inner = len_field_size(s.len());
        len_field(&mut self.values, 4, inner);
        len_field(&mut self.values, 1, s.len());
        let start = self.values.len() as u32;
        self.values.extend_from_slice(s.as_bytes());
        let n = self.n_values;
        self.n_values += 1;
        let (buf, hasher) = (&self.values, &self.hasher);
        self.strings
            .insert_unique(hash, (n, start, s.len() as u32), |e| {
                hasher.hash_one(string_of(buf, e))
            });
        n
    }

    /// Adds one feature with its geometry commands.
    pub fn feature(
        &mut self,
        id: Option<u64>,
        props: &[(&str, Prop<'_>)],
        kind: GeomKind,
        geometry: &[u32],
    ) {
        // Features of a layer mostly list their properties in one order: the previous
        // feature's key at the same place is tried first (`tags` still holds its pairs).
        let mut tags = std::mem::take(&mut self.tags);
        for (j, (k, v)) in props.iter().enumerate() {
            let key = self.key_pos(k, tags.get(2 * j).copied());
            let value = self.value_pos(*v);
            match tags.get_mut(2 * j..2 * j + 2) {
                Some(pair) => pair.copy_from_slice(&[key, value]),
                None => tags.extend_from_slice(&[key, value]),
            }
        }
        tags.truncate(2 * props.len());
        let packed = |xs: &[u32]| xs.iter().map(|&t| varint_len(u64::from(t))).sum::<usize>();
        let (tags_len, geom_len) = (packed(&tags), packed(geometry));
        let len = id.map_or(0, |i| 1 + varint_len(i))
            + if tags.is_empty() {
                0
            } else {
                len_field_size(tags_len)
            }
            + 2
            + if geometry.is_empty() {
                0
            } else {
                len_field_size(geom_len)
            };
        let out = &mut self.features;
        len_field(out, 2, len);
        if let Some(i) = id {
            key(out, 1, VARINT);
            varint(out, i);
        }
        if !tags.is_empty() {
            len_field(out, 2, tags_len);
            for &t in &tags {
                varint(out, u64::from(t));
            }
        }
        key(out, 3, VARINT);
        out.push(kind as u8);
        if !geometry.is_empty() {
            len_field(out, 4, geom_len);
            for &g in geometry {
                varint(out, u64::from(g));
            }
        }
        self.n_features += 1;
        self.tags = tags;
    }

    /// Bytes of the `Layer` message.
    fn encoded_len(&self) -> usize {
        len_field_size(self.name.len())
            + self.features.len()
            + self
                .keys
                .iter()
                .map(|k| len_field_size(k.len()))
                .sum::<usize>()
            + self.values.len()
            + 1
            + varint_len(u64::from(self.extent))
            + 1
            + 1
    }

    /// The `Tile.layers` field of this layer.
    fn write(&self, out: &mut Vec<u8>) {
        len_field(out, 3, self.encoded_len());
        len_field(out, 1, self.name.len());
        out.extend_from_slice(self.name.as_bytes());
        out.extend_from_slice(&self.features);
        for k in &self.keys {
            len_field(out, 3, k.len());
            out.extend_from_slice(k.as_bytes());
        }
        out.extend_from_slice(&self.values);
        key(out, 5, VARINT);
        varint(out, u64::from(self.extent));
        // version = 2 (field 15).
        key(out, 15, VARINT);
        out.push(2);
    }
}

/// The text of a string value's table entry, in the layer's values.
fn string_of<'a>(values: &'a [u8], &(_, start, len): &(u32, u32, u32)) -> &'a [u8] {
    &values[start as usize..(start + len) as usize]
}

/// The `Tile` message of these layers, in order.
pub fn tile(layers: &[LayerWriter]) -> Vec<u8> {
    let size = layers.iter().map(|l| len_field_size(l.encoded_len())).sum();
    let mut out = Vec::with_capacity(size);
    for l in layers {
        l.write(&mut out);
    }
    debug_assert_eq!(out.len(), size);
    out
}

use super::*;
use geo::{LineString, Polygon, polygon};

#[test]
fn rings_are_oriented_exterior_positive_and_holes_negative() {
    // Counter-clockwise in y-down coordinates (negative area) must be reversed.
    let ring = LineString::from(vec![
        (0.0, 0.0),
        (0.0, 10.0),
        (10.0, 10.0),
        (10.0, 0.0),
        (0.0, 0.0),
    ]);
    let ext = integer_ring(&ring, true).unwrap();
    let hole = integer_ring(&ring, false).unwrap();
    assert_eq!(ext.len(), 4);
    assert_ne!(ext, hole);
}

#[test]
fn slivers_that_collapse_when_rounded_are_dropped() {
    let sliver: Polygon<f64> = polygon![(x: 0.0, y: 0.0), (x: 100.0, y: 0.1), (x: 200.0, y: 0.2)];
    assert!(integer_ring(sliver.exterior(), true).is_none());
    let mut tile = TileBuilder::new();
    let mut layer = tile.layer("x");
    layer.polygons(&MultiPolygon(vec![sliver]), None, &[]);
    assert!(layer.is_empty());
    tile.add(layer);
    assert!(
        tile.finish().is_none(),
        "a tile with only empty layers is no tile"
    );
}

/// The bytes the `mvt` crate makes of the same features, through its own geometry
/// encoder: what this module wrote before [`wire`] replaced the crate, and what it must
/// go on writing.
mod reference {
    use super::super::{add_ring_with, integer_path, integer_ring, round};
    use super::{Feature, Shape};
    use crate::tiles::Prop;
    use mvt::{GeomEncoder, GeomType};

    pub fn tile(layers: &[(String, Vec<Feature>)]) -> Option<Vec<u8>> {
        let mut tile = mvt::Tile::new(crate::tiles::EXTENT);
        let mut any = false;
        for (name, features) in layers {
            let mut layer = tile.create_layer(name);
            for f in features {
                let Some(geom) = geometry(&f.shape) else {
                    continue;
                };
                let mut feature = layer.into_feature(geom);
                if let Some(id) = f.id {
                    feature.set_id(id);
                }
                for (k, v) in &f.props {
                    match v.as_prop() {
                        Prop::Str(s) => feature.add_tag_string(k, s),
                        Prop::Int(i) => feature.add_tag_sint(k, i),
                        Prop::Double(d) => feature.add_tag_double(k, d),
                        Prop::Bool(b) => feature.add_tag_bool(k, b),
                    }
                }
                layer = feature.into_layer();
            }
            if layer.num_features() > 0 && tile.add_layer(layer).is_ok() {
                any = true;
            }
        }
        any.then(|| tile.to_bytes().unwrap())
    }

    fn geometry(shape: &Shape) -> Option<mvt::GeomData> {
        match shape {
            Shape::Point(p) => {
                let mut enc = GeomEncoder::<i32>::new(GeomType::Point);
                enc.add_point(round(p.x), round(p.y)).unwrap();
                Some(enc.encode().unwrap())
            }
            Shape::Lines(lines) => {
                let mut enc = GeomEncoder::<i32>::new(GeomType::Linestring);
                let mut any = false;
                for line in lines {
                    let pts = integer_path(line);
                    if pts.len() < 2 {
                        continue;
                    }
                    for (x, y) in pts {
                        enc.add_point(x, y).unwrap();
                    }
                    enc.complete_geom().unwrap();
                    any = true;
                }
                any.then(|| enc.encode().unwrap())
            }
            Shape::Polygons(polys) => {
                let mut enc = GeomEncoder::<i32>::new(GeomType::Polygon);
                let mut any = false;
                let mut last = None;
                for poly in polys {
                    let Some(ext) = integer_ring(poly.exterior(), true) else {
                        continue;
                    };
                    let holes = poly
                        .interiors()
                        .iter()
                        .filter_map(|r| integer_ring(r, false));
                    for ring in std::iter::once(ext).chain(holes) {
                        add_ring_with(ring, &mut last, |x, y| enc.add_point(x, y).unwrap());
                        enc.complete_geom().unwrap();
                    }
                    any = true;
                }
                any.then(|| enc.encode().unwrap())
            }
        }
    }
}

#[derive(Debug, Clone)]
enum Value {
    Str(String),
    Int(i64),
    Double(f64),
    Bool(bool),
}

impl Value {
    fn as_prop(&self) -> Prop<'_> {
        match self {
            Value::Str(s) => Prop::Str(s),
            Value::Int(i) => Prop::Int(*i),
            Value::Double(d) => Prop::Double(*d),
            Value::Bool(b) => Prop::Bool(*b),
        }
    }
}

#[derive(Debug, Clone)]
enum Shape {
    Point(Coord<f64>),
    Lines(MultiLineString<f64>),
    Polygons(MultiPolygon<f64>),
}

#[derive(Debug, Clone)]
struct Feature {
    id: Option<u64>,
    props: Vec<(String, Value)>,
    shape: Shape,
}

fn ours(layers: &[(String, Vec<Feature>)]) -> Option<Vec<u8>> {
    let mut tile = TileBuilder::new();
    for (name, features) in layers {
        let mut layer = tile.layer(name);
        for f in features {
            let props: Vec<(&str, Prop<'_>)> = f
                .props
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_prop()))
                .collect();
            match &f.shape {
                Shape::Point(p) => layer.point(*p, f.id, &props),
                Shape::Lines(l) => layer.lines(l, f.id, &props),
                Shape::Polygons(p) => layer.polygons(p, f.id, &props),
            }
        }
        tile.add(layer);
    }
    tile.finish()
}

mod generated {
    use super::*;
    use proptest::collection::vec;
    use proptest::prelude::*;

    fn value() -> impl Strategy<Value = Value> {
        prop_oneof![
            // Few distinct texts, so that values repeat (one entry in the table), and
            // some long enough for a two-byte length.
            prop_oneof![Just(String::new()), "[a-cà]{1,3}", "[a-z]{120,140}"].prop_map(Value::Str),
            prop_oneof![-3i64..3, any::<i64>()].prop_map(Value::Int),
            prop_oneof![Just(0.0), Just(-0.0), Just(1.5), any::<f64>()].prop_map(Value::Double),
            any::<bool>().prop_map(Value::Bool),
        ]
    }

    /// Points on a coarse grid, so that repeats, joined paths and straight runs occur,
    /// and a few far ones (large deltas, long varints).
    fn coord() -> impl Strategy<Value = Coord<f64>> {
        prop_oneof![
            4 => (0i32..4, 0i32..4).prop_map(|(x, y)| Coord {
                x: f64::from(x) * 64.0,
                y: f64::from(y) * 64.0
            }),
            1 => (-1.0e6f64..1.0e6, -1.0e6f64..1.0e6).prop_map(|(x, y)| Coord { x, y }),
        ]
    }

    fn line() -> impl Strategy<Value = LineString<f64>> {
        vec(coord(), 0..7).prop_map(LineString::from)
    }

    fn polygon() -> impl Strategy<Value = Polygon<f64>> {
        (line(), vec(line(), 0..3)).prop_map(|(mut ext, holes)| {
            ext.close();
            let holes = holes
                .into_iter()
                .map(|mut h| {
                    h.close();
                    h
                })
                .collect();
            Polygon::new(ext, holes)
        })
    }

    fn shape() -> impl Strategy<Value = Shape> {
        prop_oneof![
            coord().prop_map(Shape::Point),
            vec(line(), 0..4).prop_map(|l| Shape::Lines(MultiLineString(l))),
            vec(polygon(), 0..4).prop_map(|p| Shape::Polygons(MultiPolygon(p))),
        ]
    }

    fn feature() -> impl Strategy<Value = Feature> {
        let key = prop_oneof![Just("name"), Just("kind"), Just("n"), Just("k\u{00e9}y")];
        (
            proptest::option::of(prop_oneof![0u64..200, any::<u64>()]),
            vec((key.prop_map(str::to_owned), value()), 0..6),
            shape(),
        )
            .prop_map(|(id, props, shape)| Feature { id, props, shape })
    }

    fn layers() -> impl Strategy<Value = Vec<(String, Vec<Feature>)>> {
        // Names from a small set: a repeated name drops the later layer in both.
        vec(
            (
                prop_oneof![Just("a"), Just("b"), Just("c")],
                vec(feature(), 0..12),
            )
                .prop_map(|(n, f)| (n.to_owned(), f)),
            0..4,
        )
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(400))]
        #[test]
        fn bytes_are_those_of_the_mvt_crate(layers in layers()) {
            prop_assert_eq!(ours(&layers), reference::tile(&layers));
        }
    }
}

#[test]
fn a_point_tile_is_the_mvt_crate_s() {
    let props = |n: i64| {
        vec![
            ("cluster".to_owned(), Value::Bool(false)),
            ("name".to_owned(), Value::Str(format!("Trường {}", n % 3))),
            ("count".to_owned(), Value::Int(n)),
            ("share".to_owned(), Value::Double(n as f64 / 7.0)),
        ]
    };
    let features: Vec<Feature> = (0..300)
        .map(|n| Feature {
            id: Some((1 << 52) | (n as u64 * 7919)),
            props: props(n),
            shape: Shape::Point(Coord {
                x: (n * 37 % 4096) as f64 + 0.4,
                y: (n * 91 % 4096) as f64 - 0.6,
            }),
        })
        .collect();
    let layers = vec![("institutions".to_owned(), features)];
    let bytes = ours(&layers).expect("a tile");
    assert_eq!(Some(bytes), reference::tile(&layers));
}

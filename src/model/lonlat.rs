use serde::{Deserialize, Serialize};

use super::FieldError;

/// A WGS84 position in RFC 7946 order (longitude, latitude), finite and in range.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "[f64; 2]", into = "[f64; 2]")]
pub struct LonLat {
    lon: f64,
    lat: f64,
}

/// `[lon, lat]` in the OpenAPI document, as it is serialised.
impl utoipa::PartialSchema for LonLat {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        let number = utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::Type::Number)
            .minimum(Some(-180))
            .maximum(Some(180));
        utoipa::openapi::schema::ArrayBuilder::new()
            .items(number)
            .min_items(Some(2))
            .max_items(Some(2))
            .description(Some("[longitude, latitude], WGS84"))
            .into()
    }
}

impl utoipa::ToSchema for LonLat {}

impl LonLat {
    pub fn new(lon: f64, lat: f64) -> Result<Self, FieldError> {
        if !lon.is_finite() || !(-180.0..=180.0).contains(&lon) {
            return Err(FieldError::new(
                "lon",
                format!("longitude must be a number from -180 to 180, got {lon}"),
            ));
        }
        if !lat.is_finite() || !(-90.0..=90.0).contains(&lat) {
            return Err(FieldError::new(
                "lat",
                format!("latitude must be a number from -90 to 90, got {lat}"),
            ));
        }
        Ok(Self { lon, lat })
    }

    pub fn lon(&self) -> f64 {
        self.lon
    }

    pub fn lat(&self) -> f64 {
        self.lat
    }

    pub fn to_point(self) -> geo::Point<f64> {
        geo::Point::new(self.lon, self.lat)
    }

    /// Geodesic distance on the WGS84 ellipsoid (Karney's algorithm), in metres.
    pub fn geodesic_distance_m(self, other: LonLat) -> f64 {
        use geo::{Distance, Geodesic};
        Geodesic.distance(self.to_point(), other.to_point())
    }
}

impl TryFrom<[f64; 2]> for LonLat {
    type Error = FieldError;
    fn try_from(v: [f64; 2]) -> Result<Self, Self::Error> {
        LonLat::new(v[0], v[1])
    }
}

impl From<LonLat> for [f64; 2] {
    fn from(p: LonLat) -> Self {
        [p.lon, p.lat]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_out_of_range_and_nan() {
        assert!(LonLat::new(181.0, 0.0).is_err());
        assert!(LonLat::new(0.0, -90.5).is_err());
        assert!(LonLat::new(f64::NAN, 0.0).is_err());
        assert!(LonLat::new(106.3, 9.9).is_ok());
    }

    #[test]
    fn geodesic_distance_matches_a_known_degree_of_latitude() {
        // One degree of latitude near 10°N is about 110.6 km on WGS84.
        let a = LonLat::new(106.0, 9.5).unwrap();
        let b = LonLat::new(106.0, 10.5).unwrap();
        let d = a.geodesic_distance_m(b);
        assert!((d - 110_634.0).abs() < 200.0, "{d}");
    }
}

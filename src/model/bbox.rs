use serde::Serialize;

use super::{FieldError, LonLat};

/// A WGS84 bounding box (CRS84: min lon, min lat, max lon, max lat), validated: every
/// number in range, minimum not above maximum. Boxes across the antimeridian are not
/// supported (the data is in Viet Nam) and are rejected rather than misread.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Bbox {
    pub min: LonLat,
    pub max: LonLat,
}

impl Bbox {
    pub fn new(min_lon: f64, min_lat: f64, max_lon: f64, max_lat: f64) -> Result<Self, FieldError> {
        let min = LonLat::new(min_lon, min_lat).map_err(|e| FieldError::new("bbox", e.message))?;
        let max = LonLat::new(max_lon, max_lat).map_err(|e| FieldError::new("bbox", e.message))?;
        if min_lon > max_lon || min_lat > max_lat {
            return Err(FieldError::new(
                "bbox",
                "the first corner must be south-west of the second (minLon,minLat,maxLon,maxLat)",
            ));
        }
        Ok(Self { min, max })
    }

    /// Parses `minLon,minLat,maxLon,maxLat`.
    pub fn parse(s: &str) -> Result<Self, FieldError> {
        let nums: Vec<f64> = s
            .split(',')
            .map(|p| p.trim().parse::<f64>())
            .collect::<Result<_, _>>()
            .map_err(|_| FieldError::new("bbox", format!("{s:?} is not a list of numbers")))?;
        match nums[..] {
            [a, b, c, d] => Self::new(a, b, c, d),
            _ => Err(FieldError::new(
                "bbox",
                format!(
                    "expected 4 numbers (minLon,minLat,maxLon,maxLat), got {}",
                    nums.len()
                ),
            )),
        }
    }

    /// Whether the point lies inside or on the edge.
    pub fn contains(&self, p: LonLat) -> bool {
        (self.min.lon()..=self.max.lon()).contains(&p.lon())
            && (self.min.lat()..=self.max.lat()).contains(&p.lat())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_validates() {
        let b = Bbox::parse("106,9.5,106.7,10.2").unwrap();
        assert!(b.contains(LonLat::new(106.0, 9.5).unwrap()));
        assert!(!b.contains(LonLat::new(105.99, 9.6).unwrap()));
        assert!(Bbox::parse("106,9.5,105,10").is_err());
        assert!(Bbox::parse("106,9.5,107").is_err());
        assert!(Bbox::parse("0,0,0,91").is_err());
        assert!(Bbox::parse("a,b,c,d").is_err());
    }
}

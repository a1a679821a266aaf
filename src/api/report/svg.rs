//! The report's map as inline SVG: the coverage grid shaded by distance band, area
//! outlines and the matching institutions, in an equirectangular projection scaled by
//! the cosine of the central latitude (good enough to read a province at a glance).

use std::fmt::Write;

use geo::BoundingRect;

use super::html::esc;
use crate::coverage::Analysis;
use crate::index::ServingIndex;

/// Distance bands shared with the officials' web view (`web/officials/officials.js`).
pub const BANDS: &[(&str, &str, &str)] = &[
    ("#1a9850", "≤ ½ bán kính", "≤ ½ radius"),
    ("#91cf60", "≤ bán kính", "≤ radius"),
    ("#fc8d59", "≤ 2 × bán kính", "≤ 2 × radius"),
    ("#d73027", "> 2 × bán kính", "> 2 × radius"),
    ("#bdbdbd", "không có cơ sở", "no institution"),
];

pub fn band(distance_m: Option<f64>, radius_m: f64) -> usize {
    match distance_m {
        None => 4,
        Some(d) if d <= radius_m / 2.0 => 0,
        Some(d) if d <= radius_m => 1,
        Some(d) if d <= 2.0 * radius_m => 2,
        Some(_) => 3,
    }
}

struct Frame {
    min_x: f64,
    max_y: f64,
    cos: f64,
    scale: f64,
}

impl Frame {
    fn xy(&self, lon: f64, lat: f64) -> (f64, f64) {
        (
            (lon - self.min_x) * self.cos * self.scale,
            (self.max_y - lat) * self.scale,
        )
    }
}

fn path(frame: &Frame, ring: impl Iterator<Item = (f64, f64)>) -> String {
    let mut d = String::new();
    for (n, (lon, lat)) in ring.enumerate() {
        let (x, y) = frame.xy(lon, lat);
        let _ = write!(d, "{}{x:.1},{y:.1}", if n == 0 { "M" } else { "L" });
    }
    d.push('Z');
    d
}

/// An SVG of `width` pixels; empty when the grid has no cells.
pub fn map(analysis: &Analysis, index: &ServingIndex, width: f64) -> String {
    let cells = analysis.grid().cells();
    if cells.is_empty() {
        return String::new();
    }
    let (mut x0, mut y0, mut x1, mut y1) = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
    for c in cells {
        x0 = x0.min(c.centre.lon());
        x1 = x1.max(c.centre.lon());
        y0 = y0.min(c.centre.lat());
        y1 = y1.max(c.centre.lat());
    }
    let pad = analysis.params.cell_m / 111_000.0;
    let (x0, y0, x1, y1) = (x0 - pad, y0 - pad, x1 + pad, y1 + pad);
    let cos = ((y0 + y1) / 2.0).to_radians().cos();
    let scale = width / ((x1 - x0) * cos).max(1e-9);
    let frame = Frame {
        min_x: x0,
        max_y: y1,
        cos,
        scale,
    };
    let height = (y1 - y0) * scale;
    let mut svg = format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width:.0} {height:.0}" width="100%" role="img" aria-label="coverage map">"#
    );
    for (n, c) in cells.iter().enumerate() {
        let colour = BANDS[band(analysis.cell_distance_m()[n], analysis.params.radius_m)].0;
        let ring = analysis.grid().ring(c).into_iter().map(|[x, y]| (x, y));
        let _ = write!(
            svg,
            r#"<path d="{}" fill="{colour}" stroke="none"/>"#,
            path(&frame, ring)
        );
    }
    for a in &analysis.report.areas {
        let Some(g) = index
            .area(a.scheme, &a.code)
            .and_then(|x| x.geometry.as_ref())
        else {
            continue;
        };
        for poly in &g.0 {
            let ring = poly.exterior().coords().map(|c| (c.x, c.y));
            let _ = write!(
                svg,
                r##"<path d="{}" fill="none" stroke="#333" stroke-width="1"><title>{}</title></path>"##,
                path(&frame, ring),
                esc(&a.name)
            );
        }
        if let Some(r) = g.bounding_rect() {
            let (x, y) = frame.xy(r.center().x, r.center().y);
            let _ = write!(
                svg,
                r##"<text x="{x:.0}" y="{y:.0}" font-size="11" text-anchor="middle" fill="#111">{}</text>"##,
                esc(&a.name)
            );
        }
    }
    for i in index.institutions() {
        if analysis.params.filter.offers(i) {
            let (x, y) = frame.xy(i.location.lon(), i.location.lat());
            let _ = write!(
                svg,
                r##"<circle cx="{x:.1}" cy="{y:.1}" r="4" fill="#08306b" stroke="#fff"><title>{}</title></circle>"##,
                esc(i.name_vi())
            );
        }
    }
    svg.push_str("</svg>");
    svg
}

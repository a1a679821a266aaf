//! A small SVG chart of one indicator's path towards its targets: its values over time
//! joined by a line, the range its unknowns leave open as a grey bar behind each value,
//! unknown values as "?" on the axis, the targets as red diamonds at the end of their
//! year (a dashed line for one without a year) and a dashed path from the latest known
//! value to each target still ahead. The same markup serves the printable report and the
//! officials' page (which inserts it as parsed SVG): attributes only, no `style`, no
//! script, so the Content-Security-Policy allows it, and every text escaped.

use std::fmt::Write;

use chrono::{Datelike, NaiveDate};

use super::progress::{PointKind, Series, end_of, years};
use crate::model::Lang;

const W: f64 = 560.0;
const H: f64 = 224.0;
const LEFT: f64 = 40.0;
const RIGHT: f64 = 548.0;
const TOP: f64 = 16.0;
const BOTTOM: f64 = 168.0;
const BLUE: &str = "#2b8cbe";
const RED: &str = "#d73027";

fn esc(s: &str) -> String {
    html_escape::encode_quoted_attribute(s).into_owned()
}

fn pct(v: Option<f64>, lang: Lang) -> String {
    v.map_or_else(
        || lang.t("chưa rõ", "unknown").to_owned(),
        |v| format!("{v:.1}%"),
    )
}

/// A date as a fraction of years.
fn fractional(d: NaiveDate) -> f64 {
    let days = if d.leap_year() { 366.0 } else { 365.0 };
    f64::from(d.year()) + f64::from(d.ordinal0()) / days
}

struct Frame {
    start: f64,
    end: f64,
}

impl Frame {
    fn x(&self, d: NaiveDate) -> f64 {
        LEFT + (fractional(d) - self.start) / (self.end - self.start) * (RIGHT - LEFT)
    }

    fn x_year(&self, y: i32) -> f64 {
        LEFT + (f64::from(y) - self.start) / (self.end - self.start) * (RIGHT - LEFT)
    }

    fn y(&self, pct: f64) -> f64 {
        BOTTOM - pct.clamp(0.0, 100.0) / 100.0 * (BOTTOM - TOP)
    }
}

/// The chart of `s`, its texts in `lang`.
pub fn svg(s: &Series, lang: Lang) -> String {
    let (first, last) = years(s);
    let f = Frame {
        start: f64::from(first),
        end: f64::from(last) + 1.0,
    };
    let title = lang.t(s.title_vi, s.title_en);
    let latest = s.points.iter().rev().find(|p| p.value_pct.is_some());
    let summary = format!(
        "{title}: {} {} · {} {}",
        lang.t("mới nhất", "latest"),
        pct(latest.and_then(|p| p.value_pct), lang),
        lang.t("mục tiêu", "targets"),
        s.targets
            .iter()
            .map(|t| match t.year {
                Some(y) => format!("{}% {y}", t.pct),
                None => format!("{}% ({})", t.pct, lang.t("không nêu năm", "no year")),
            })
            .collect::<Vec<_>>()
            .join(", ")
    );
    let mut h = String::new();
    let _ = write!(
        h,
        r#"<svg xmlns="http://www.w3.org/2000/svg" class="progress" viewBox="0 0 {W} {H}" width="{W}" height="{H}" role="img" data-indicator="{id}" data-lang="{code}" font-family="sans-serif" font-size="10"><title>{summary}</title>"#,
        id = esc(s.id),
        code = lang.code(),
        summary = esc(&summary),
    );
    // Axes: percentages and years.
    for p in [0.0, 50.0, 100.0] {
        let y = f.y(p);
        let _ = write!(
            h,
            r##"<line x1="{LEFT}" x2="{RIGHT}" y1="{y:.1}" y2="{y:.1}" stroke="#ddd"/><text x="{:.1}" y="{:.1}" text-anchor="end" fill="#555">{p}%</text>"##,
            LEFT - 4.0,
            y + 3.0
        );
    }
    let every = if last - first > 12 { 5 } else { 1 };
    for year in first..=last {
        let x = f.x_year(year);
        let _ = write!(
            h,
            r##"<line x1="{x:.1}" x2="{x:.1}" y1="{TOP}" y2="{BOTTOM}" stroke="#eee"/>"##
        );
        if year % every == 0 || every == 1 {
            let _ = write!(
                h,
                r##"<text x="{:.1}" y="{:.1}" text-anchor="middle" fill="#555">{year}</text>"##,
                (x + f.x_year(year + 1)) / 2.0,
                BOTTOM + 13.0
            );
        }
    }
    // What the unknowns leave open, behind the values.
    for p in &s.points {
        if let (Some(lo), Some(hi)) = (p.lower_bound_pct, p.upper_bound_pct)
            && hi > lo
        {
            let _ = write!(
                h,
                r##"<rect class="unknown-range" x="{:.1}" y="{:.1}" width="8" height="{:.1}" fill="#999" fill-opacity="0.35"><title>{}: {}–{}</title></rect>"##,
                f.x(p.at) - 4.0,
                f.y(hi),
                f.y(lo) - f.y(hi),
                esc(lang.t(
                    "Khoảng nếu mọi câu chưa rõ là không … có",
                    "Range if every unknown were no … yes"
                )),
                pct(Some(lo), lang),
                pct(Some(hi), lang),
            );
        }
    }
    // Targets.
    for t in s.targets {
        let y = f.y(t.pct);
        match t.year {
            Some(year) => {
                let x = f.x(end_of(i32::from(year)));
                let _ = write!(
                    h,
                    r#"<path class="target" d="M{x:.1} {:.1}l5 5l-5 5l-5 -5z" fill="{RED}"><title>{} {}% {year}</title></path><text x="{:.1}" y="{:.1}" text-anchor="end" fill="{RED}">{}% {year}</text>"#,
                    y - 5.0,
                    esc(lang.t("Mục tiêu", "Target")),
                    t.pct,
                    x - 6.0,
                    (y - 7.0).max(TOP - 4.0),
                    t.pct
                );
            }
            None => {
                let _ = write!(
                    h,
                    r#"<line class="target" x1="{LEFT}" x2="{RIGHT}" y1="{y:.1}" y2="{y:.1}" stroke="{RED}" stroke-dasharray="6 3"/><text x="{RIGHT}" y="{:.1}" text-anchor="end" fill="{RED}">{} {}% ({})</text>"#,
                    y - 3.0,
                    esc(lang.t("Mục tiêu", "Target")),
                    t.pct,
                    esc(lang.t("không nêu năm", "no year")),
                );
            }
        }
    }
    // The path still to go: from the latest known value to each target ahead of it.
    if let Some(p) = latest {
        let (x0, y0) = (f.x(p.at), f.y(p.value_pct.unwrap_or(0.0)));
        for t in s.targets {
            if let Some(year) = t.year.map(i32::from)
                && end_of(year) > p.at
            {
                let _ = write!(
                    h,
                    r#"<line class="to-target" x1="{x0:.1}" y1="{y0:.1}" x2="{:.1}" y2="{:.1}" stroke="{RED}" stroke-opacity="0.5" stroke-dasharray="3 3"/>"#,
                    f.x(end_of(year)),
                    f.y(t.pct)
                );
            }
        }
    }
    // The known values, joined.
    let known: Vec<String> = s
        .points
        .iter()
        .filter_map(|p| Some(format!("{:.1},{:.1}", f.x(p.at), f.y(p.value_pct?))))
        .collect();
    if known.len() > 1 {
        let _ = write!(
            h,
            r#"<polyline points="{}" fill="none" stroke="{BLUE}" stroke-width="2"/>"#,
            known.join(" ")
        );
    }
    for p in &s.points {
        let x = f.x(p.at);
        let when = match (p.kind, p.period) {
            (_, Some(period)) => format!("{} {period}", lang.t("Kỳ", "Period")),
            (PointKind::Now, None) => lang.t("Hiện tại", "Now").to_owned(),
            _ => p.at.to_string(),
        };
        let detail = format!(
            "{when}: {} · {} {}",
            pct(p.value_pct, lang),
            lang.t("chưa rõ", "unknown"),
            p.unknown
        );
        match p.value_pct {
            Some(v) => {
                let (fill, r) = match p.kind {
                    PointKind::Now => ("#fff", 5),
                    _ => (BLUE, 4),
                };
                let _ = write!(
                    h,
                    r#"<circle class="value {kind}" cx="{x:.1}" cy="{:.1}" r="{r}" fill="{fill}" stroke="{BLUE}" stroke-width="2"><title>{}</title></circle>"#,
                    f.y(v),
                    esc(&detail),
                    kind = kind_class(p.kind),
                );
            }
            None => {
                let _ = write!(
                    h,
                    r##"<text class="unknown-value" x="{x:.1}" y="{:.1}" text-anchor="middle" font-size="13" font-weight="bold" fill="#777">?<title>{}</title></text>"##,
                    BOTTOM - 4.0,
                    esc(&detail)
                );
            }
        }
    }
    legend(&mut h, lang);
    h.push_str("</svg>");
    h
}

fn kind_class(k: PointKind) -> &'static str {
    match k {
        PointKind::Period => "period",
        PointKind::Dated => "dated",
        PointKind::Now => "now",
    }
}

fn legend(h: &mut String, lang: Lang) {
    let y = H - 14.0;
    let items: [(&str, &str, &str); 5] = [
        (
            r##"<circle cx="5" cy="-3" r="4" fill="#2b8cbe"/>"##,
            "giá trị đã biết",
            "known value",
        ),
        (
            r##"<circle cx="5" cy="-3" r="4" fill="#fff" stroke="#2b8cbe" stroke-width="2"/>"##,
            "hiện tại",
            "now",
        ),
        (
            r##"<rect x="1" y="-9" width="8" height="12" fill="#999" fill-opacity="0.35"/>"##,
            "khoảng chưa rõ",
            "unknowns' range",
        ),
        (
            r##"<path d="M5 -9l5 5l-5 5l-5 -5z" fill="#d73027"/>"##,
            "mục tiêu",
            "target",
        ),
        (
            r##"<text x="5" y="1" text-anchor="middle" font-size="13" font-weight="bold" fill="#777">?</text>"##,
            "chưa rõ",
            "unknown",
        ),
    ];
    // Each item as wide as its label (about 5.6 units a character at this size).
    let _ = write!(
        h,
        r#"<g class="chart-legend" transform="translate({LEFT} {y})">"#
    );
    let mut x = 0.0;
    for (mark, vi, en) in items {
        let label = lang.t(vi, en);
        let _ = write!(
            h,
            r##"<g transform="translate({x:.0} 0)">{mark}<text x="14" y="0" fill="#333">{}</text></g>"##,
            esc(label)
        );
        x += 14.0 + 5.6 * label.chars().count() as f64 + 16.0;
    }
    h.push_str("</g>");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::indicators::definitions::definition;
    use crate::indicators::progress::Point;

    fn series(points: Vec<Point>) -> Series {
        let d = definition("digital_platform_connection").unwrap();
        Series {
            id: d.id,
            target: d.target,
            basis: "institutions",
            title_vi: d.title_vi,
            title_en: d.title_en,
            targets: d.targets,
            points,
        }
    }

    fn point(at: &str, kind: PointKind, v: Option<f64>, lo: f64, hi: f64) -> Point {
        Point {
            at: at.parse().unwrap(),
            kind,
            period: None,
            value_pct: v,
            lower_bound_pct: Some(lo),
            upper_bound_pct: Some(hi),
            unknown: 2,
        }
    }

    #[test]
    fn the_chart_shows_values_the_unknowns_range_targets_and_unknown_points_apart() {
        let s = series(vec![
            point("2024-06-01", PointKind::Dated, None, 0.0, 100.0),
            point("2025-12-31", PointKind::Period, Some(40.0), 30.0, 60.0),
            point("2026-03-01", PointKind::Now, Some(45.0), 45.0, 45.0),
        ]);
        let vi = svg(&s, Lang::Vi);
        assert_eq!(vi.matches(r#"class="target""#).count(), 2, "2025 and 2030");
        assert!(vi.contains(">50% 2025<") && vi.contains(">100% 2030<"));
        assert_eq!(
            vi.matches("unknown-range").count(),
            2,
            "none where lower = upper"
        );
        assert_eq!(vi.matches("unknown-value").count(), 1);
        assert_eq!(vi.matches(r#"class="value "#).count(), 2);
        assert!(vi.contains("<polyline"));
        assert!(vi.contains("to-target"), "a path from now to 2030");
        assert!(vi.contains("mục tiêu") && vi.contains("chưa rõ"));
        let en = svg(&s, Lang::En);
        assert!(en.contains("unknowns&#x27; range") || en.contains("unknowns' range"));
        assert!(en.contains("latest 45.0%"));
        for chart in [&vi, &en] {
            assert!(
                !chart.contains("style="),
                "the CSP refuses style attributes"
            );
            assert!(!chart.contains("<script"));
        }
    }

    #[test]
    fn a_target_without_a_year_is_a_dashed_line() {
        let d = definition("high_quality_digital_schools").unwrap();
        let s = Series {
            targets: d.targets,
            ..series(vec![point("2026-03-01", PointKind::Now, None, 0.0, 100.0)])
        };
        let en = svg(&s, Lang::En);
        assert!(en.contains("stroke-dasharray=\"6 3\""));
        assert!(en.contains("(no year)"));
        assert!(!en.contains("to-target"), "no known value, no path");
    }
}

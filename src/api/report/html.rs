//! The printable periodic report: coverage map, tables and indicator charts in one HTML
//! page with print styles, that an official can save as PDF or print and file. Its
//! stylesheet and print button are files (`/assets/report.css`, `/assets/print.js`): the
//! Content-Security-Policy allows nothing inline. Its charts are SVG, whose fills and
//! percentage widths are attributes (no `style`), and which print without the browser's
//! "background graphics" option.

use std::fmt::Write;

use chrono::{DateTime, Utc};

use super::{scorecard, svg};
use crate::coverage::Analysis;
use crate::index::ServingIndex;
use crate::indicators::progress::Series;
use crate::indicators::{IndicatorsReport, Snapshot};
pub use crate::model::Lang;

pub struct ReportInput<'a> {
    pub lang: Lang,
    pub generated_at: DateTime<Utc>,
    pub source: &'a str,
    pub coverage: &'a Analysis,
    pub index: &'a ServingIndex,
    pub indicators: &'a IndicatorsReport,
    /// `None` without a database.
    pub snapshots: Option<&'a [Snapshot]>,
    /// Each indicator's path towards its targets.
    pub progress: &'a [Series],
}

/// Escapes text for HTML content and attribute values.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

pub(super) fn pct(v: Option<f64>) -> String {
    v.map_or("—".into(), |v| format!("{:.1}%", v))
}

fn km(v: Option<f64>) -> String {
    v.map_or("—".into(), |v| format!("{:.1}", v / 1000.0))
}

/// The hatching of the share that unknowns leave open, defined once per page.
const HATCH: &str = r##"<svg class="defs" width="0" height="0" aria-hidden="true" focusable="false"><defs><pattern id="unknown-share" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="6" height="6" fill="#eee"/><rect width="3" height="6" fill="#bbb"/></pattern></defs></svg>"##;

pub fn render(r: &ReportInput) -> String {
    let l = r.lang;
    let c = &r.coverage.report;
    let mut h = String::new();
    let occupation = c
        .occupation
        .as_deref()
        .map(|code| {
            let name = crate::model::OccupationCode::parse(code)
                .ok()
                .and_then(|oc| r.index.occupation(&oc).map(|o| o.name_vi.clone()))
                .unwrap_or_default();
            format!("{code} {name}")
        })
        .unwrap_or_else(|| l.t("mọi ngành, nghề", "all occupations").to_owned());
    let _ = write!(
        h,
        r#"<!doctype html><html lang="{lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>{title}</title><link rel="icon" href="/favicon.svg" type="image/svg+xml"><link rel="stylesheet" href="/assets/report.css"><script src="/assets/print.js" defer></script></head><body>{HATCH}"#,
        lang = l.t("vi", "en"),
        title = l.t(
            "Báo cáo định kỳ mạng lưới GDNN",
            "Periodic report on the GDNN network"
        ),
    );
    let _ = write!(
        h,
        r#"<h1>{}</h1><p class="meta">{}: {} · {}: {} · {}: {}</p><p class="noprint"><button type="button" data-print>{}</button></p>"#,
        l.t(
            "Báo cáo định kỳ: mạng lưới cơ sở GDNN và chỉ số chuyển đổi số (Kế hoạch theo Quyết định 2104/QĐ-UBND)",
            "Periodic report: the GDNN institution network and digital-transformation indicators (Plan of Decision 2104/QĐ-UBND)"
        ),
        l.t("Lập lúc", "Generated"),
        r.generated_at.format("%Y-%m-%d %H:%M UTC"),
        l.t("Phiên bản dữ liệu", "Data version"),
        esc(&c.data_version),
        l.t("Nguồn", "Source"),
        esc(r.source),
        l.t("In / lưu PDF", "Print / save as PDF"),
    );
    let _ = write!(
        h,
        r#"<div class="caveats"><strong>{}</strong><ul>"#,
        l.t("Lưu ý về dữ liệu", "Data caveats")
    );
    for cav in c.caveats.iter().chain(r.indicators.data_caveats.iter()) {
        let _ = write!(h, "<li>{}</li>", esc(cav.text(l)));
    }
    h.push_str("</ul></div>");

    // Coverage.
    let _ = write!(
        h,
        "<h2>1. {}</h2><p>{}: <strong>{}</strong>{} · {}: <strong>{} km</strong> · {}: {} km · {}: {} ({})</p>",
        l.t("Độ phủ mạng lưới", "Network coverage"),
        l.t("Ngành, nghề", "Occupation"),
        esc(&occupation),
        c.level
            .as_deref()
            .map(|v| format!(" ({})", esc(v)))
            .unwrap_or_default(),
        l.t("Bán kính", "Radius"),
        c.radius_km,
        l.t("Ô lưới", "Grid cell"),
        c.cell_km,
        l.t("Cơ sở phù hợp", "Matching institutions"),
        c.matching_institutions,
        c.matching_programmes,
    );
    h.push_str(&svg::map(r.coverage, r.index, 760.0));
    h.push_str(r#"<p class="legend">"#);
    for (colour, vi, en) in svg::BANDS {
        let _ = write!(
            h,
            r#"<svg width="16" height="16" aria-hidden="true"><rect width="16" height="16" fill="{colour}"/></svg>{}"#,
            l.t(vi, en)
        );
    }
    let _ = write!(
        h,
        "</p><p>{}: {} / {} ({})",
        l.t("Ô lưới trong bán kính", "Grid cells within the radius"),
        c.grid.cells_within_radius,
        c.grid.cells,
        pct(c.grid.share_within_radius.map(|s| s * 100.0)),
    );
    if let (Some(t), Some(w)) = (c.population.total, c.population.within_radius) {
        let _ = write!(
            h,
            " · {}: {:.0} / {:.0} ({})",
            l.t("Dân số trong bán kính", "People within the radius"),
            w,
            t,
            pct(c.population.share_within_radius.map(|s| s * 100.0))
        );
    }
    h.push_str("</p>");
    let _ = write!(
        h,
        "<table><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead><tbody>",
        l.t("Đơn vị hành chính", "Area"),
        l.t("Cơ sở", "Institutions"),
        l.t("Chương trình", "Programmes"),
        l.t(
            "Từ trung tâm đến cơ sở gần nhất (km)",
            "Centre to nearest (km)"
        ),
        l.t("Xa nhất (km)", "Farthest (km)"),
        l.t("Diện tích trong bán kính", "Area within radius"),
        l.t("Dân số trong bán kính", "People within radius"),
    );
    for a in &c.areas {
        let geo_note = if a.has_geometry {
            String::new()
        } else {
            format!(" <em>({})</em>", l.t("không có ranh giới", "no geometry"))
        };
        let _ = write!(
            h,
            r#"<tr><td>{} {}{}</td><td class="n">{}</td><td class="n">{}</td><td class="n">{}</td><td class="n">{}</td><td class="n">{}</td><td class="n">{}</td></tr>"#,
            esc(&a.code),
            esc(&a.name),
            geo_note,
            a.institutions,
            a.programmes,
            km(a.distance_from_centre_m),
            km(a.max_distance_m),
            pct(a.share_area_within_radius.map(|s| s * 100.0)),
            pct(a.share_population_within_radius.map(|s| s * 100.0)),
        );
    }
    h.push_str("</tbody></table>");
    let _ = write!(
        h,
        "<h3>{}</h3><ol>",
        l.t("Khu vực được phục vụ kém nhất", "Worst-served areas")
    );
    for w in c.worst_served.iter().take(10) {
        let _ = write!(
            h,
            "<li>{} {} — {} {} ({})</li>",
            esc(&w.code),
            esc(&w.name),
            pct(Some(w.share_within_radius * 100.0)),
            l.t("trong bán kính", "within the radius"),
            if w.basis == "population" {
                l.t("theo dân số", "of people")
            } else {
                l.t("theo diện tích", "of the area")
            },
        );
    }
    h.push_str("</ol>");

    scorecard::render(&mut h, r);
    h.push_str("</body></html>");
    h
}

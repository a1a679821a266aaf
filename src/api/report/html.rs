//! The printable periodic report: coverage map, tables and indicator charts in one HTML
//! page with print styles, that an official can save as PDF or print and file. Its
//! stylesheet and print button are files (`/assets/report.css`, `/assets/print.js`): the
//! Content-Security-Policy allows nothing inline. Its charts are SVG, whose fills and
//! percentage widths are attributes (no `style`), and which print without the browser's
//! "background graphics" option.

use std::fmt::Write;

use chrono::{DateTime, Utc};

use super::svg;
use crate::coverage::Analysis;
use crate::index::ServingIndex;
use crate::indicators::{IndicatorsReport, Snapshot};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Vi,
    En,
}

impl Lang {
    fn t<'a>(self, vi: &'a str, en: &'a str) -> &'a str {
        match self {
            Lang::Vi => vi,
            Lang::En => en,
        }
    }
}

pub struct ReportInput<'a> {
    pub lang: Lang,
    pub generated_at: DateTime<Utc>,
    pub source: &'a str,
    pub coverage: &'a Analysis,
    pub index: &'a ServingIndex,
    pub indicators: &'a IndicatorsReport,
    /// `None` without a database.
    pub snapshots: Option<&'a [Snapshot]>,
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

fn pct(v: Option<f64>) -> String {
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
        let _ = write!(h, "<li>{}</li>", esc(cav));
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

    // Indicators.
    let _ = write!(
        h,
        "<h2>2. {}</h2>",
        l.t("Chỉ số của Kế hoạch", "The Plan's indicators")
    );
    for i in &r.indicators.indicators {
        let value = i.counts.value_pct.unwrap_or(0.0).clamp(0.0, 100.0);
        let lower = i.counts.lower_bound_pct.unwrap_or(0.0).clamp(0.0, 100.0);
        let upper = i.counts.upper_bound_pct.unwrap_or(0.0).clamp(0.0, 100.0);
        let _ = write!(
            h,
            r#"<h3>{}</h3><blockquote lang="vi">“{}” ({} {})</blockquote><p class="meta">{}</p>"#,
            esc(l.t(i.title_vi, i.title_en)),
            esc(i.plan_text),
            l.t("mục", "section"),
            i.plan_section,
            esc(l.t(i.method_vi, i.method_en)),
        );
        let _ = write!(
            h,
            r##"<svg class="bar" height="16" role="img" aria-label="{v}"><rect y="3" width="100%" height="10" fill="#eee"/><rect y="3" width="{lower:.1}%" height="10" fill="#2b8cbe"/><rect x="{lower:.1}%" y="3" width="{w:.1}%" height="10" fill="url(#unknown-share)"/>"##,
            v = pct(i.counts.value_pct),
            w = (upper - lower).max(0.0),
        );
        for t in &i.targets {
            let _ = write!(
                h,
                r##"<rect x="{:.1}%" width="2" height="16" fill="#d73027"><title>{}</title></rect>"##,
                t.target_pct.min(99.7),
                t.year.map_or("—".into(), |y| y.to_string())
            );
        }
        let _ = write!(
            h,
            "</svg><p>{}: <strong>{}</strong> ({} / {}) · {}: {} · {}: {} · {}: {}–{} · {}: {}</p>",
            l.t("Giá trị", "Value"),
            pct(i.counts.value_pct),
            i.counts.numerator,
            i.counts.denominator,
            l.t("Trong phạm vi", "In scope"),
            i.counts.in_scope,
            l.t("Chưa rõ", "Unknown"),
            i.counts.unknown,
            l.t("Khoảng", "Range"),
            pct(Some(lower)),
            pct(Some(upper)),
            l.t("Mục tiêu", "Targets"),
            i.targets
                .iter()
                .map(|t| format!(
                    "{}% {}",
                    t.target_pct,
                    t.year.map_or(
                        l.t("(không nêu năm)", "(no year given)").to_owned(),
                        |y| y.to_string()
                    )
                ))
                .collect::<Vec<_>>()
                .join(", "),
        );
        let _ = value;
        h.push_str("<table><thead><tr>");
        for th in [
            l.t("Huyện", "District"),
            l.t("Trong phạm vi", "In scope"),
            l.t("Có", "Yes"),
            l.t("Không", "No"),
            l.t("Chưa rõ", "Unknown"),
            l.t("Giá trị", "Value"),
        ] {
            let _ = write!(h, "<th>{th}</th>");
        }
        h.push_str("</tr></thead><tbody>");
        for a in &i.breakdown {
            let _ = write!(
                h,
                r#"<tr><td>{} {}</td><td class="n">{}</td><td class="n">{}</td><td class="n">{}</td><td class="n">{}</td><td class="n">{}</td></tr>"#,
                esc(a.code.as_deref().unwrap_or("—")),
                esc(a.name.as_deref().unwrap_or("")),
                a.counts.in_scope,
                a.counts.yes.map_or("—".into(), |v| v.to_string()),
                a.counts.no.map_or("—".into(), |v| v.to_string()),
                a.counts.unknown,
                pct(a.counts.value_pct),
            );
        }
        h.push_str("</tbody></table>");
    }

    let _ = write!(
        h,
        "<h2>3. {}</h2>",
        l.t("Diễn biến theo thời gian", "Progress over time")
    );
    match r.snapshots {
        None => {
            let _ = write!(h, "<p>{}</p>", l.t(
                "Máy chủ chạy không có cơ sở dữ liệu: chưa lưu ảnh chụp chỉ số theo ngày (cần DATABASE_URL và lệnh `vetmap indicators snapshot`).",
                "The server runs without a database: no dated indicator snapshots are stored (needs DATABASE_URL and `vetmap indicators snapshot`).",
            ));
        }
        Some([]) => {
            let _ = write!(
                h,
                "<p>{}</p>",
                l.t("Chưa có ảnh chụp chỉ số nào.", "No snapshots yet.")
            );
        }
        Some(snaps) => {
            let _ = write!(h, "<table><thead><tr><th>{}</th>", l.t("Ngày", "Date"));
            for i in &r.indicators.indicators {
                let _ = write!(h, "<th>{}</th>", esc(i.id));
            }
            h.push_str("</tr></thead><tbody>");
            for s in snaps {
                let _ = write!(h, "<tr><td>{}</td>", s.taken_on);
                for i in &r.indicators.indicators {
                    let v = s
                        .rows
                        .iter()
                        .find(|x| x.indicator == i.id)
                        .and_then(|x| x.value_pct);
                    let _ = write!(h, r#"<td class="n">{}</td>"#, pct(v));
                }
                h.push_str("</tr>");
            }
            h.push_str("</tbody></table>");
        }
    }
    h.push_str("</body></html>");
    h
}

//! The report's scorecard: the Plan's twelve targets in its order, each quoted, with its
//! indicators (value and range against the targets, where the figures come from, the path
//! over time as a chart, and per district or the department's report and its evidence),
//! then the table of stored snapshots.

use std::fmt::Write;

use super::html::{Lang, ReportInput, esc, pct};
use crate::indicators::IndicatorResult;
use crate::indicators::chart;

fn basis_label(basis: &str, l: Lang) -> &'static str {
    match basis {
        "institutions" => l.t(
            "Tính từ số liệu của các cơ sở",
            "Computed from the institutions' figures",
        ),
        "service" => l.t(
            "Tính từ dữ liệu của hệ thống bản đồ",
            "Computed from what this map service holds",
        ),
        _ => l.t("Sở báo cáo", "Reported by the department"),
    }
}

pub fn render(h: &mut String, r: &ReportInput) {
    let l = r.lang;
    let _ = write!(
        h,
        "<h2>2. {}</h2><p class=\"meta\">{}</p>",
        l.t(
            "Các mục tiêu của Kế hoạch (mục II.2)",
            "The Plan's targets (part II.2)"
        ),
        l.t(
            "Mười hai mục tiêu đo được của Kế hoạch, mỗi mục tiêu với các chỉ số đo nó. Biểu đồ: giá trị theo thời gian, khoảng chưa rõ (xám), mục tiêu (đỏ).",
            "The Plan's twelve measurable targets, each with the indicators that measure it. Charts: values over time, the range unknowns leave open (grey), targets (red).",
        ),
    );
    for target in &r.indicators.scorecard {
        let _ = write!(
            h,
            r#"<section class="target" id="target-{code}"><h3>{code} · {section}</h3><blockquote lang="vi">“{text}”</blockquote>"#,
            code = target.code,
            section = target.plan_section,
            text = esc(target.text_vi),
        );
        if l == Lang::En {
            let _ = write!(
                h,
                r#"<p class="meta">Our rendering (not an official translation): {}</p>"#,
                esc(target.text_en)
            );
        }
        for id in &target.indicators {
            if let Some(i) = r.indicators.indicators.iter().find(|i| i.id == *id) {
                indicator(h, r, i);
            }
        }
        h.push_str("</section>");
    }
    snapshots(h, r);
}

fn indicator(h: &mut String, r: &ReportInput, i: &IndicatorResult) {
    let l = r.lang;
    let lower = i.counts.lower_bound_pct.unwrap_or(0.0).clamp(0.0, 100.0);
    let upper = i.counts.upper_bound_pct.unwrap_or(100.0).clamp(0.0, 100.0);
    let _ = write!(
        h,
        r#"<h4>{}</h4><p class="meta"><strong>{}</strong> · {}</p>"#,
        esc(l.t(i.title_vi, i.title_en)),
        basis_label(i.basis, l),
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
    let targets = i
        .targets
        .iter()
        .map(|t| {
            let year = t.year.map_or(
                l.t("(không nêu năm)", "(no year given)").to_owned(),
                |y| y.to_string(),
            );
            let met = match t.met {
                Some(true) => l.t("đạt", "met"),
                Some(false) => l.t("chưa đạt", "not met"),
                None => l.t("chưa rõ", "unknown"),
            };
            format!("{}% {year} ({met})", t.target_pct)
        })
        .collect::<Vec<_>>()
        .join(", ");
    let _ = write!(
        h,
        "</svg><p>{}: <strong>{}</strong> ({} / {}) · {}: {}",
        l.t("Giá trị", "Value"),
        pct(i.counts.value_pct),
        i.counts.numerator,
        i.counts.denominator,
        l.t("Mục tiêu", "Targets"),
        targets,
    );
    if i.basis != "province" {
        let _ = write!(
            h,
            " · {}: {} · {}: {} · {}: {}–{}",
            l.t("Trong phạm vi", "In scope"),
            i.counts.in_scope,
            l.t("Chưa rõ", "Unknown"),
            i.counts.unknown,
            l.t("Khoảng", "Range"),
            pct(Some(lower)),
            pct(Some(upper)),
        );
    }
    h.push_str("</p>");
    if let Some(series) = r.progress.iter().find(|s| s.id == i.id) {
        h.push_str(&chart::svg(series, l));
    }
    match &i.province_report {
        Some(Some(p)) => {
            let evidence = match (&p.figure.evidence_url, &p.figure.evidence_ref) {
                (Some(u), Some(rf)) => format!(r#"<a href="{0}">{0}</a> · {1}"#, esc(u), esc(rf)),
                (Some(u), None) => format!(r#"<a href="{0}">{0}</a>"#, esc(u)),
                (None, Some(rf)) => esc(rf),
                (None, None) => "—".into(),
            };
            let _ = write!(
                h,
                "<p class=\"meta\">{}: {} · {}: {} ({}) · {}: {} · {}: {}</p>",
                l.t("Kỳ báo cáo", "Reporting period"),
                p.period,
                l.t("Người báo cáo", "Reported by"),
                esc(&p.reported_by),
                p.reported_at.format("%Y-%m-%d"),
                l.t("Duyệt", "Review"),
                p.reviewed_by
                    .as_deref()
                    .map_or_else(|| l.t("chưa duyệt", "not reviewed yet").to_owned(), esc),
                l.t("Minh chứng", "Evidence"),
                evidence,
            );
        }
        Some(None) => {
            let _ = write!(
                h,
                "<p class=\"meta\"><strong>{}</strong></p>",
                l.t(
                    "Sở chưa báo cáo chỉ số này: giá trị chưa rõ.",
                    "The department has not reported this indicator: its value is unknown."
                )
            );
        }
        None => breakdown(h, l, i),
    }
}

fn breakdown(h: &mut String, l: Lang, i: &IndicatorResult) {
    if i.breakdown.is_empty() {
        return;
    }
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

fn snapshots(h: &mut String, r: &ReportInput) {
    let l = r.lang;
    let _ = write!(
        h,
        "<h2>3. {}</h2>",
        l.t("Ảnh chụp chỉ số đã lưu", "Stored indicator snapshots")
    );
    match r.snapshots {
        None => {
            let _ = write!(h, "<p>{}</p>", l.t(
                "Máy chủ chạy không có cơ sở dữ liệu: chưa lưu ảnh chụp chỉ số theo ngày hay theo kỳ (cần DATABASE_URL và lệnh `vetmap indicators snapshot`).",
                "The server runs without a database: no indicator snapshots by date or period are stored (needs DATABASE_URL and `vetmap indicators snapshot`).",
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
            let _ = write!(
                h,
                r#"<div class="scroll"><table><thead><tr><th>{}</th>"#,
                l.t("Kỳ / ngày", "Period / date")
            );
            for i in &r.indicators.indicators {
                let _ = write!(h, "<th>{}</th>", esc(i.id));
            }
            h.push_str("</tr></thead><tbody>");
            for s in snaps {
                let when = s.period.map_or_else(
                    || s.taken_on.to_string(),
                    |p| format!("{} {p}", l.t("Kỳ", "Period")),
                );
                let _ = write!(h, "<tr><td>{when}</td>");
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
            h.push_str("</tbody></table></div>");
        }
    }
}

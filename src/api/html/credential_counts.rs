//! The "credentials issued" section of an institution's page: counts per graduation year
//! and level, with totals. Only aggregates reach this module; never a holder or a serial.

use std::collections::BTreeMap;
use std::fmt::Write;

use super::institution::level_label;
use super::{Lang, escape as e};
use crate::credentials::CredentialCount;
use crate::model::Level;

/// The levels credentials are issued at, in the table's column order.
const CREDENTIAL_LEVELS: [Level; 3] = [Level::College, Level::Intermediate, Level::Elementary];

/// How many credentials were issued per graduation year (newest first) and level, with
/// totals: counts only, never a holder or a serial.
/// `None`: the counts could not be read (the database is away).
pub(super) fn table(h: &mut String, counts: Option<&[CredentialCount]>, lang: Lang) {
    let t = |vi, en| lang.t(vi, en);
    let _ = writeln!(
        h,
        "<h2>{}</h2>",
        t("Văn bằng, chứng chỉ đã cấp", "Credentials issued")
    );
    let Some(counts) = counts else {
        let _ = writeln!(
            h,
            "<p>{}</p>",
            t(
                "Tạm thời không đọc được số liệu văn bằng, chứng chỉ.",
                "Credential counts are unavailable right now."
            )
        );
        return;
    };
    if counts.is_empty() {
        let _ = writeln!(
            h,
            "<p>{}</p>",
            t(
                "Chưa có số liệu văn bằng, chứng chỉ đã cấp.",
                "No credentials issued on record."
            )
        );
        return;
    }
    let mut years: BTreeMap<i32, [u64; 3]> = BTreeMap::new();
    for c in counts {
        if let Some(i) = CREDENTIAL_LEVELS.iter().position(|l| *l == c.level) {
            years.entry(c.graduation_year).or_default()[i] += c.count;
        }
    }
    let caption = t(
        "Số văn bằng, chứng chỉ theo năm tốt nghiệp và trình độ",
        "Credentials by graduation year and level",
    );
    // The wrapper scrolls sideways on the narrowest phones, reachable by keyboard.
    let _ = write!(
        h,
        "<div class=\"scroll\" role=\"region\" tabindex=\"0\" aria-label=\"{caption}\">\
         <table class=\"credential-counts\">\n<caption>{caption}</caption>\n\
         <thead><tr><th scope=\"col\">{}</th>",
        t("Năm", "Year"),
    );
    for l in CREDENTIAL_LEVELS {
        let _ = write!(
            h,
            "<th scope=\"col\" class=\"num\">{}</th>",
            e(level_label(l, lang))
        );
    }
    let total_label = t("Tổng", "Total");
    let _ = writeln!(
        h,
        "<th scope=\"col\" class=\"num\">{total_label}</th></tr></thead>\n<tbody>"
    );
    let mut totals = [0u64; 3];
    for (year, row) in years.iter().rev() {
        let _ = write!(h, "<tr><th scope=\"row\">{year}</th>");
        for (n, total) in row.iter().zip(totals.iter_mut()) {
            *total += n;
            let _ = write!(h, "<td class=\"num\">{}</td>", group(*n, lang));
        }
        let _ = writeln!(
            h,
            "<td class=\"num\">{}</td></tr>",
            group(row.iter().sum(), lang)
        );
    }
    let _ = write!(
        h,
        "</tbody>\n<tfoot><tr><th scope=\"row\">{total_label}</th>"
    );
    for n in totals {
        let _ = write!(h, "<td class=\"num\">{}</td>", group(n, lang));
    }
    let _ = writeln!(
        h,
        "<td class=\"num\">{}</td></tr></tfoot>\n</table></div>",
        group(totals.iter().sum(), lang)
    );
    let _ = writeln!(
        h,
        "<p class=\"note\">{} <a href=\"/verify.html{}\">{}</a></p>",
        t(
            "Chỉ công bố số lượng, không bao giờ công bố hồ sơ cá nhân.",
            "Only counts are published, never individual records."
        ),
        if lang == Lang::En { "?lang=en" } else { "" },
        t("Kiểm tra một văn bằng", "Check a credential"),
    );
}

/// A count with thousands grouped the language's way: 1.234 in Vietnamese, 1,234 in English.
fn group(n: u64, lang: Lang) -> String {
    let sep = lang.t(".", ",");
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push_str(sep);
        }
        out.push(c);
    }
    out
}

//! `GET /institutions/{id}`: an institution's page, in Vietnamese (or English with
//! `?lang=en`), with schema.org JSON-LD and Open Graph tags so that a shared link shows
//! a proper card and search engines read the address and position. Styled by
//! `/assets/institution.css`: the Content-Security-Policy allows no inline style (the
//! JSON-LD is a data block, which it does not govern).

use std::fmt::Write;

use axum::extract::State;
use axum::response::Html;
use serde::Deserialize;
use serde_json::{Value, json};
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{Lang, escape as e, script_json};
use crate::api::AppState;
use crate::api::edge::extract::{Path, Query};
use crate::api::profile::{admin_areas, available_credential_counts, find, programmes_by_level};
use crate::credentials::CredentialCount;
use crate::error::{ApiError, ErrorBody};
use crate::index::ServingIndex;
use crate::model::{Institution, InstitutionKind, Level, Ownership, PositionAccuracy, Scheme};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(page))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct Params {
    /// Page language (Vietnamese by default).
    #[param(value_type = Option<String>, pattern = "^(vi|en)$")]
    lang: Option<String>,
}

/// An institution's page: HTML with schema.org JSON-LD and Open Graph
#[utoipa::path(get, path = "/institutions/{id}", tag = "institutions",
    params(("id" = crate::model::InstitutionId, Path, description = "Institution id (slug)"), Params),
    responses(
        (status = 200, description = "the page", body = String, content_type = "text/html"),
        (status = 400, description = "the id cannot be an institution's", body = ErrorBody),
        (status = 404, description = "no institution has this id", body = ErrorBody)))]
async fn page(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(p): Query<Params>,
) -> Result<Html<String>, ApiError> {
    let index = state.index.current();
    let inst = find(&index, &id)?;
    let lang = Lang::from_param(p.lang.as_deref());
    let counts = available_credential_counts(&state, &id).await;
    let base = state
        .config
        .public_url
        .as_deref()
        .unwrap_or("")
        .trim_end_matches('/');
    Ok(Html(render(&index, inst, counts.as_deref(), lang, base)))
}

fn name(inst: &Institution, lang: Lang) -> &str {
    match lang {
        Lang::En => inst.name_en().unwrap_or(inst.name_vi()),
        Lang::Vi => inst.name_vi(),
    }
}

pub fn render(
    index: &ServingIndex,
    inst: &Institution,
    counts: Option<&[CredentialCount]>,
    lang: Lang,
    base: &str,
) -> String {
    let t = |vi, en| lang.t(vi, en);
    let id = inst.id.as_str();
    let title = name(inst, lang);
    let kind = kind_label(inst.kind, lang);
    let description = format!(
        "{kind} · {} · {} {}",
        inst.address().unwrap_or(""),
        inst.programmes.len(),
        t("chương trình đào tạo", "training programmes")
    );
    let url = format!("{base}/institutions/{id}");
    let mut h = String::with_capacity(8192);
    let _ = write!(
        h,
        r#"<!doctype html>
<html lang="{lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<meta name="description" content="{desc}">
<link rel="canonical" href="{url}{canon_q}">
<link rel="alternate" hreflang="vi" href="{url}">
<link rel="alternate" hreflang="en" href="{url}?lang=en">
<meta property="og:type" content="website">
<meta property="og:title" content="{title}">
<meta property="og:description" content="{desc}">
<meta property="og:url" content="{url}{canon_q}">
<meta property="og:locale" content="{locale}">
<meta property="og:site_name" content="vetmap">
<script type="application/ld+json">{ld}</script>
<link rel="icon" href="/favicon.svg" type="image/svg+xml">
<link rel="stylesheet" href="/assets/institution.css">
</head>
<body>
<nav><a href="/">{map}</a> · <a href="{other_href}" hreflang="{other_lang}">{other_label}</a></nav>
<main>
<h1>{title}</h1>
"#,
        lang = lang.code(),
        title = e(title),
        desc = e(&description),
        url = e(&url),
        canon_q = if lang == Lang::En { "?lang=en" } else { "" },
        locale = t("vi_VN", "en_US"),
        ld = script_json(&json_ld(index, inst, &url)),
        map = t("← Bản đồ", "← Map"),
        other_href = if lang == Lang::En {
            format!("/institutions/{id}")
        } else {
            format!("/institutions/{id}?lang=en")
        },
        other_lang = t("en", "vi"),
        other_label = t("English", "Tiếng Việt"),
    );
    if lang == Lang::En && inst.name_en().is_some() {
        let _ = writeln!(h, "<p lang=\"vi\">{}</p>", e(inst.name_vi()));
    }
    let _ = writeln!(
        h,
        "<p>{} · {}</p>",
        e(kind),
        e(ownership_label(inst.ownership, lang))
    );
    let _ = writeln!(
        h,
        "<h2>{}</h2>\n<dl>",
        t("Địa chỉ và liên hệ", "Address and contacts")
    );
    row(&mut h, t("Địa chỉ", "Address"), inst.address());
    for (scheme, level, area) in admin_areas(index, inst) {
        let label = match (scheme, level) {
            (Scheme::Pre2025, "province") => {
                t("Tỉnh (trước 7/2025)", "Province (before July 2025)")
            }
            (Scheme::Pre2025, "district") => {
                t("Huyện (trước 7/2025)", "District (before July 2025)")
            }
            (Scheme::Pre2025, _) => t("Xã (trước 7/2025)", "Commune (before July 2025)"),
            (_, "province") => t("Tỉnh (từ 7/2025)", "Province (from July 2025)"),
            _ => t("Xã/phường (từ 7/2025)", "Commune/ward (from July 2025)"),
        };
        row(
            &mut h,
            label,
            area.map(|a| format!("{} ({})", a.name, a.code)).as_deref(),
        );
    }
    row(&mut h, t("Điện thoại", "Phone"), inst.phone());
    if let Some(m) = inst.email() {
        let _ = writeln!(
            h,
            "<dt>Email</dt><dd><a href=\"mailto:{0}\">{0}</a></dd>",
            e(m)
        );
    }
    if let Some(w) = inst.website() {
        let _ = writeln!(
            h,
            "<dt>Website</dt><dd><a href=\"{0}\" rel=\"nofollow\">{0}</a></dd>",
            e(w)
        );
    }
    let _ = writeln!(
        h,
        "<dt>{}</dt><dd>{:.5}, {:.5} — {}</dd>\n</dl>",
        t("Vị trí (kinh độ, vĩ độ)", "Position (longitude, latitude)"),
        inst.location.lon(),
        inst.location.lat(),
        e(accuracy_label(inst.position_accuracy, lang)),
    );
    let _ = writeln!(
        h,
        "<h2>{}</h2>",
        t("Chương trình đào tạo", "Training programmes")
    );
    if inst.programmes.is_empty() {
        let _ = writeln!(h, "<p>{}</p>", t("Chưa có dữ liệu.", "No data yet."));
    }
    for (level, ps) in programmes_by_level(inst) {
        let _ = writeln!(
            h,
            "<h3>{}</h3>\n<table><thead><tr><th>{}</th><th>{}</th><th>{}</th></tr></thead><tbody>",
            e(level_label(level, lang)),
            t("Mã nghề", "Code"),
            t("Tên nghề", "Occupation"),
            t("Chỉ tiêu/năm", "Annual quota"),
        );
        for p in ps {
            let _ = writeln!(
                h,
                "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
                e(p.occupation_code().as_str()),
                e(p.occupation_name()),
                p.annual_quota()
                    .map(|q| q.to_string())
                    .unwrap_or_else(|| "—".into()),
            );
        }
        h.push_str("</tbody></table>\n");
    }
    super::credential_counts::table(&mut h, counts, lang);
    readiness(&mut h, inst, lang);
    let _ = write!(
        h,
        r#"<h2>{src_h}</h2>
<p class="note">{src}</p>
<p class="note">{upd}: {updated}</p>
<p><a href="/api/v1/institutions/{id}">JSON</a> · <a href="/collections/institutions/items/{id}">GeoJSON</a></p>
</main>
</body>
</html>
"#,
        src_h = t("Nguồn dữ liệu", "Data source"),
        src = e(&inst.source),
        upd = t("Cập nhật", "Updated"),
        updated = inst.updated_at.format("%Y-%m-%d"),
    );
    h
}

fn row(h: &mut String, label: &str, value: Option<&str>) {
    if let Some(v) = value {
        let _ = writeln!(h, "<dt>{}</dt><dd>{}</dd>", e(label), e(v));
    }
}

fn readiness(h: &mut String, inst: &Institution, lang: Lang) {
    let t = |vi, en| lang.t(vi, en);
    let r = &inst.readiness;
    let yn = |v: Option<bool>| match v {
        Some(true) => t("Có", "Yes"),
        Some(false) => t("Chưa", "No"),
        None => t("Không rõ", "Unknown"),
    };
    let _ = writeln!(
        h,
        "<h2>{}</h2>\n<dl>",
        t("Chỉ số chuyển đổi số", "Digital readiness")
    );
    for (label, v) in [
        (
            t("Hạ tầng số", "Digital infrastructure"),
            r.digital_infrastructure,
        ),
        (
            t(
                "Kết nối nền tảng GDNN quốc gia",
                "Connected to the national GDNN platform",
            ),
            r.connected_national_platform,
        ),
        (
            t("Số hóa hồ sơ học tập", "Digitised learning records"),
            r.digitised_learning_records,
        ),
        (
            t("Số hóa văn bằng", "Digitised diplomas"),
            r.digitised_diplomas,
        ),
        (
            t("Trường chất lượng cao", "High-quality school"),
            r.high_quality_school,
        ),
        (t("Trường số", "Digital school"), r.digital_school),
    ] {
        let _ = writeln!(h, "<dt>{}</dt><dd>{}</dd>", e(label), yn(v));
    }
    let pct = r.teachers_digital_trained_pct.map(|p| format!("{p}%"));
    row(
        h,
        t(
            "Nhà giáo, cán bộ quản lý được bồi dưỡng năng lực số",
            "Teachers and managers trained in digital competence",
        ),
        Some(pct.as_deref().unwrap_or(t("Không rõ", "Unknown"))),
    );
    h.push_str("</dl>\n");
    if let Some(s) = &r.source {
        let _ = writeln!(
            h,
            "<p class=\"note\">{}: {}</p>",
            t("Nguồn chỉ số", "Indicators' source"),
            e(s)
        );
    }
}

/// schema.org description: a college or university, or an educational organisation.
/// Its position's accuracy goes with it (`additionalProperty` `position_accuracy`, as
/// schema.org's `GeoCoordinates` has no accuracy of its own), and `geo` is given only for
/// a position surveyed or geocoded from the address: a town's centre or a guess published
/// as the institution's coordinates would be taken for its site by every consumer.
fn json_ld(index: &ServingIndex, inst: &Institution, url: &str) -> Value {
    let kind = match inst.kind {
        InstitutionKind::University | InstitutionKind::College => "CollegeOrUniversity",
        _ => "EducationalOrganization",
    };
    let region = admin_areas(index, inst)
        .iter()
        .find(|(s, l, a)| *s == Scheme::Y2025 && *l == "province" && a.is_some())
        .and_then(|x| x.2.map(|a| a.name.clone()));
    let mut v = json!({
        "@context": "https://schema.org",
        "@type": kind,
        "@id": url,
        "url": url,
        "identifier": inst.id,
        "name": inst.name_vi(),
        "address": {
            "@type": "PostalAddress",
            "streetAddress": inst.address(),
            "addressRegion": region,
            "addressCountry": "VN",
        },
        "additionalProperty": {
            "@type": "PropertyValue",
            "propertyID": "position_accuracy",
            "name": "Độ chính xác vị trí / Position accuracy",
            "value": inst.position_accuracy,
            "description": format!(
                "{} / {}",
                accuracy_label(inst.position_accuracy, Lang::Vi),
                accuracy_label(inst.position_accuracy, Lang::En)
            ),
        },
    });
    if matches!(
        inst.position_accuracy,
        PositionAccuracy::Surveyed | PositionAccuracy::Address
    ) {
        v["geo"] = json!({
            "@type": "GeoCoordinates",
            "longitude": inst.location.lon(),
            "latitude": inst.location.lat(),
        });
    }
    if let Some(en) = inst.name_en() {
        v["alternateName"] = json!(en);
    }
    if let Some(p) = inst.phone() {
        v["telephone"] = json!(p);
    }
    if let Some(m) = inst.email() {
        v["email"] = json!(m);
    }
    if let Some(w) = inst.website() {
        v["sameAs"] = json!(w);
    }
    v
}

fn kind_label(k: InstitutionKind, lang: Lang) -> &'static str {
    use InstitutionKind::*;
    match k {
        University => lang.t("Trường đại học", "University"),
        College => lang.t("Trường cao đẳng", "College"),
        IntermediateSchool => lang.t("Trường trung cấp", "Intermediate school"),
        GdnnGdtxCentre => lang.t(
            "Trung tâm GDNN-GDTX",
            "Vocational and continuing education centre",
        ),
        VocationalTrainingCentre => lang.t(
            "Trung tâm giáo dục nghề nghiệp",
            "Vocational training centre",
        ),
        EnterpriseTrainingUnit => {
            lang.t("Doanh nghiệp có hoạt động GDNN", "Enterprise training unit")
        }
        Other => lang.t("Cơ sở khác", "Other"),
    }
}

fn ownership_label(o: Ownership, lang: Lang) -> &'static str {
    match o {
        Ownership::Public => lang.t("Công lập", "Public"),
        Ownership::Private => lang.t("Tư thục", "Private"),
        Ownership::ForeignInvested => lang.t("Có vốn đầu tư nước ngoài", "Foreign-invested"),
    }
}

pub(super) fn level_label(l: Level, lang: Lang) -> &'static str {
    match l {
        Level::College => lang.t("Cao đẳng", "College"),
        Level::Intermediate => lang.t("Trung cấp", "Intermediate"),
        Level::Elementary => lang.t("Sơ cấp", "Elementary"),
        Level::ShortCourse => lang.t("Đào tạo thường xuyên (ngắn hạn)", "Short course"),
    }
}

fn accuracy_label(a: PositionAccuracy, lang: Lang) -> &'static str {
    match a {
        PositionAccuracy::Surveyed => lang.t("đo đạc tại chỗ", "surveyed on site"),
        PositionAccuracy::Address => lang.t("theo địa chỉ", "geocoded from the address"),
        PositionAccuracy::Town => lang.t(
            "vị trí trung tâm thị trấn, không phải vị trí chính xác",
            "the town's centre, not the exact site",
        ),
        PositionAccuracy::Approximate => lang.t(
            "vị trí gần đúng, có thể lệch vài km",
            "approximate, possibly kilometres off",
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Dataset, Record};

    fn institution(id: &str, accuracy: &str) -> Institution {
        let serde_json::Value::Object(m) = json!({
            "id": id, "name_vi": "Trường X", "kind": "college", "ownership": "public",
            "lon": 106.3, "lat": 9.9, "position_accuracy": accuracy,
            "source": "test", "updated_at": "2026-01-01T00:00:00Z"
        }) else {
            unreachable!()
        };
        Institution::from_record(&Record::new(m)).unwrap()
    }

    #[test]
    fn json_ld_carries_the_positions_accuracy_and_no_geo_unless_it_is_the_site() {
        let index = ServingIndex::build(Dataset {
            institutions: vec![
                institution("surveyed", "surveyed"),
                institution("address", "address"),
                institution("town", "town"),
                institution("guess", "approximate"),
            ],
            ..Dataset::default()
        });
        let ld = |id: &str| json_ld(&index, index.institution(id).unwrap(), "https://x/i");
        for (id, has_geo) in [
            ("surveyed", true),
            ("address", true),
            ("town", false),
            ("guess", false),
        ] {
            let v = ld(id);
            assert_eq!(v.get("geo").is_some(), has_geo, "{id}");
            assert_eq!(v["additionalProperty"]["propertyID"], "position_accuracy");
            assert_eq!(
                v["additionalProperty"]["value"],
                id.replace("guess", "approximate")
            );
        }
        assert!(
            ld("guess")["additionalProperty"]["description"]
                .as_str()
                .unwrap()
                .contains("kilometres")
        );
    }
}

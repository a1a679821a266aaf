//! The HTML representation of the OGC API resources: small server-rendered pages,
//! Vietnamese first with English, no JavaScript, every value escaped, styled by
//! `/assets/ogc.css` (the Content-Security-Policy allows no inline style). They render the
//! same JSON documents the JSON representation sends, so the two cannot disagree.

use html_escape::{encode_double_quoted_attribute as attr, encode_text as text};
use serde_json::Value;

use super::collections::Collection;

fn layout(title: &str, body: &str) -> String {
    format!(
        "<!doctype html><html lang=\"vi\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\
         <title>{t}</title><link rel=\"icon\" href=\"/favicon.svg\" type=\"image/svg+xml\">\
         <link rel=\"stylesheet\" href=\"/assets/ogc.css\"></head><body>\
         <header><nav><a href=\"/?f=html\">Trang chủ / Home</a>\
         <a href=\"/collections?f=html\">Lớp dữ liệu / Collections</a>\
         <a href=\"/api\">API (OpenAPI)</a><a href=\"/\">Bản đồ / Map</a></nav></header>\
         <main><h1>{t}</h1>{body}</main></body></html>",
        t = text(title)
    )
}

fn a(href: &str, label: &str) -> String {
    format!("<a href=\"{}\">{}</a>", attr(href), text(label))
}

/// A JSON value as readable text (strings without quotes, lists joined).
fn show(v: &Value) -> String {
    match v {
        Value::Null => "—".into(),
        Value::String(s) => s.clone(),
        Value::Array(items) if items.iter().all(|i| !i.is_object()) => {
            items.iter().map(show).collect::<Vec<_>>().join(", ")
        }
        other => other.to_string(),
    }
}

/// Links of a document as a list, skipping `self`.
fn link_list(links: &Value) -> String {
    let items: String = links
        .as_array()
        .into_iter()
        .flatten()
        .filter(|l| l["rel"] != "self")
        .map(|l| {
            format!(
                "<li>{} <small>({}, {})</small></li>",
                a(
                    l["href"].as_str().unwrap_or(""),
                    l["title"].as_str().unwrap_or("")
                ),
                text(l["rel"].as_str().unwrap_or("")),
                text(l["type"].as_str().unwrap_or(""))
            )
        })
        .collect();
    format!("<ul>{items}</ul>")
}

pub fn landing_page(doc: &Value) -> String {
    layout(
        doc["title"].as_str().unwrap_or("vetmap"),
        &format!(
            "<p>{}</p>{}",
            text(doc["description"].as_str().unwrap_or("")),
            link_list(&doc["links"])
        ),
    )
}

pub fn conformance_page(doc: &Value) -> String {
    let items: String = doc["conformsTo"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|c| format!("<li>{}</li>", text(c.as_str().unwrap_or(""))))
        .collect();
    layout("Chuẩn tuân thủ / Conformance", &format!("<ul>{items}</ul>"))
}

pub fn collections_page(doc: &Value) -> String {
    let rows: String = doc["collections"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|c| {
            let id = c["id"].as_str().unwrap_or("");
            format!(
                "<tr><td>{}</td><td>{}</td><td>{} · {}</td></tr>",
                a(
                    &format!("/collections/{id}?f=html"),
                    c["title"].as_str().unwrap_or(id)
                ),
                text(c["description"].as_str().unwrap_or("")),
                a(&format!("/collections/{id}/items?f=html"), "HTML"),
                a(&format!("/collections/{id}/items?f=json"), "GeoJSON"),
            )
        })
        .collect();
    layout(
        "Lớp dữ liệu / Collections",
        &format!(
            "<table><tr><th>Lớp / Collection</th><th>Mô tả / Description</th><th>Đối tượng / Items</th></tr>{rows}</table>"
        ),
    )
}

pub fn collection_page(doc: &Value) -> String {
    let extent = doc["extent"]["spatial"]["bbox"][0]
        .as_array()
        .map(|b| b.iter().map(show).collect::<Vec<_>>().join(", "))
        .unwrap_or_else(|| "—".into());
    layout(
        doc["title"].as_str().unwrap_or(""),
        &format!(
            "<p>{}</p><p>Phạm vi / Extent (CRS84): {}</p><p>Giới hạn / Limit: {} (tối đa / max {})</p>{}",
            text(doc["description"].as_str().unwrap_or("")),
            text(&extent),
            text(&show(&doc["limit"]["default"])),
            text(&show(&doc["limit"]["maximum"])),
            link_list(&doc["links"])
        ),
    )
}

/// The title a feature is shown under.
fn feature_title(coll: Collection, f: &Value) -> String {
    let p = &f["properties"];
    match coll {
        Collection::Institutions => p["name_vi"].as_str().map(str::to_owned),
        Collection::AdminAreas => p["name"]
            .as_str()
            .map(|n| format!("{n} ({}, {})", show(&p["level"]), show(&p["scheme"]))),
    }
    .unwrap_or_else(|| show(&f["id"]))
}

pub fn items_page(coll: Collection, body: &Value, start: usize) -> String {
    let features = body["features"].as_array().cloned().unwrap_or_default();
    let rows: String = features
        .iter()
        .enumerate()
        .map(|(n, f)| {
            let id = show(&f["id"]);
            format!(
                "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
                start + n + 1,
                a(
                    &format!("/collections/{}/items/{id}?f=html", coll.id()),
                    &feature_title(coll, f)
                ),
                text(&id)
            )
        })
        .collect();
    let paging: String = body["links"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|l| matches!(l["rel"].as_str(), Some("prev" | "next" | "alternate")))
        .map(|l| {
            a(
                l["href"].as_str().unwrap_or(""),
                l["title"].as_str().unwrap_or(""),
            )
        })
        .collect::<Vec<_>>()
        .join(" · ");
    layout(
        coll.title(),
        &format!(
            "<p>{} / {} (số khớp / matched)</p><table><tr><th>#</th><th>Tên / Name</th><th>id</th></tr>{rows}</table><p>{paging}</p>",
            text(&show(&body["numberReturned"])),
            text(&show(&body["numberMatched"])),
        ),
    )
}

pub fn item_page(coll: Collection, f: &Value) -> String {
    let rows: String = f["properties"]
        .as_object()
        .into_iter()
        .flatten()
        .filter(|(k, _)| k.as_str() != "programmes")
        .map(|(k, v)| format!("<tr><th>{}</th><td>{}</td></tr>", text(k), text(&show(v))))
        .collect();
    let programmes: String = f["properties"]["programmes"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|p| {
            format!(
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                text(&show(&p["occupation_code"])),
                text(&show(&p["occupation_name"])),
                text(&show(&p["level"])),
                text(&show(&p["annual_quota"]))
            )
        })
        .collect();
    let programmes = if programmes.is_empty() {
        String::new()
    } else {
        format!(
            "<h2>Chương trình đào tạo / Programmes</h2><table><tr><th>Mã nghề / Code</th>\
             <th>Tên nghề / Occupation</th><th>Trình độ / Level</th><th>Chỉ tiêu / Quota</th></tr>{programmes}</table>"
        )
    };
    let geometry = match f["geometry"]["type"].as_str() {
        Some("Point") => format!(
            "Vị trí / Position (lon, lat): {}",
            show(&f["geometry"]["coordinates"])
        ),
        Some(t) => format!("Hình học / Geometry: {t}"),
        None => "Chưa có ranh giới / No geometry".into(),
    };
    layout(
        &feature_title(coll, f),
        &format!(
            "<p>{}</p><table>{rows}</table>{programmes}{}",
            text(&geometry),
            link_list(&f["links"])
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn escapes_everything_it_shows() {
        let f = json!({"id": "x", "geometry": null, "links": [],
            "properties": {"name_vi": "<script>alert(1)</script>", "note": "a & b"}});
        let page = item_page(Collection::Institutions, &f);
        assert!(!page.contains("<script>"));
        assert!(page.contains("&lt;script&gt;"));
        assert!(page.contains("a &amp; b"));
    }
}

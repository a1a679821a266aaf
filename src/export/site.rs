//! `vetmap export --site DIR`: the web map as a folder of static files that any web host
//! or CDN serves, under any sub-path, with no vetmap server behind it (issue 17 part 3):
//!
//! ```text
//! DIR/index.html, DIR/embed.html   the pages, marked static (<html data-vetmap-static>),
//!                                  relative URLs only
//! DIR/favicon.svg, DIR/dist/...    the built web files (web/dist, without the .br/.gz
//!                                  twins a plain host does not use)
//! DIR/vetmap.pmtiles               every tileset the map draws (export::pmtiles)
//! DIR/static/manifest.json         what the pages read first: where the rest is
//! DIR/static/index.json            the compact search and nearby index (search_index.rs)
//! DIR/static/occupations.json      the body of GET /api/v1/occupations
//! DIR/static/profiles/{id}.json    the body of GET /api/v1/institutions/{id}
//! ```
//!
//! The JSON bodies are made by the API's own functions (`api::profile::profile_of`,
//! `occupations_of`), so the files and the service cannot drift apart. Credentials appear
//! only as the profile's counts per year and level, never a record.

mod search_index;

use std::error::Error as StdError;
use std::path::{Path, PathBuf};

use chrono::{SecondsFormat, Utc};
use serde::Serialize;

use crate::api::profile::{occupations_of, profile_of};
use crate::credentials::{Source, credential_counts};
use crate::index::ServingIndex;

/// The site's index is read whole by every visitor's browser (the list near the map
/// centre needs it on arrival) and each profile is a file. Measured on a synthetic
/// network of 20,000 (`vetmap synth --count 20000`): an index of 6.4 MB, 810 kB gzipped,
/// and 81 MB of profiles (2 kB each). Beyond that a phone on a slow connection waits too
/// long, and the service is the right tool; Viet Nam's whole GDNN network is about a
/// tenth of it.
pub const MAX_INSTITUTIONS: usize = 20_000;
/// The archive's file name in DIR.
pub const ARCHIVE: &str = "vetmap.pmtiles";
/// The attribute that tells the pages they run from static files, and where the manifest is.
pub const MARKER: &str = "data-vetmap-static=\"static/manifest.json\"";
/// The pages written, from the web directory.
const PAGES: [&str; 2] = ["index.html", "embed.html"];

#[derive(Debug, thiserror::Error)]
pub enum SiteError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the built web map is missing ({0}): run `npm ci --prefix web` first")]
    NoWebBuild(PathBuf),
    #[error("{page}: {problem}")]
    Page { page: String, problem: String },
    #[error(
        "{0} institutions: a static site holds at most {MAX_INSTITUTIONS} (its index is read whole by every browser); serve the map instead"
    )]
    TooMany(usize),
    #[error(
        "{0} exists, is not empty and holds no static/manifest.json: not overwriting a folder that is not a site"
    )]
    NotASite(PathBuf),
    #[error("writing the archive: {0}")]
    Archive(Box<dyn StdError + Send + Sync>),
    #[error("encoding JSON: {0}")]
    Json(#[from] serde_json::Error),
}

/// What was written.
#[derive(Debug, Clone, Serialize)]
pub struct SiteSummary {
    pub institutions: u64,
    pub profiles: u64,
    pub files: u64,
    pub bytes: u64,
}

#[derive(Serialize)]
struct Manifest<'a> {
    format: u32,
    version: &'a str,
    generated: String,
    archive: &'a str,
    institutions: usize,
    occupations: &'a str,
    index: &'a str,
    profiles: &'a str,
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> SiteError + '_ {
    move |source| SiteError::Io {
        path: path.to_owned(),
        source,
    }
}

/// Writes the site of `index` into `out` from the web files in `web_dir` (its pages and
/// its `dist/`); `write_archive` writes the tiles to the path it is given.
/// `credentials` gives the profiles their counts (null without a source, as the service
/// says while its database is away).
pub async fn write_site<A>(
    index: &ServingIndex,
    credentials: Option<&Source>,
    web_dir: &Path,
    out: &Path,
    write_archive: A,
) -> Result<SiteSummary, SiteError>
where
    A: FnOnce(&Path) -> Result<(), Box<dyn StdError + Send + Sync>>,
{
    let n = index.institutions().len();
    if n > MAX_INSTITUTIONS {
        return Err(SiteError::TooMany(n));
    }
    let dist = web_dir.join("dist");
    // static.js too: a build from before the static mode would give a site that cannot start.
    for file in ["map.js", "static.js"] {
        if !dist.join(file).is_file() {
            return Err(SiteError::NoWebBuild(dist.join(file)));
        }
    }
    let pages = PAGES
        .iter()
        .map(|name| {
            let path = web_dir.join(name);
            let html = std::fs::read_to_string(&path).map_err(io(&path))?;
            Ok((name, static_page(name, &html)?))
        })
        .collect::<Result<Vec<_>, SiteError>>()?;
    prepare(out)?;
    let mut w = Writer::default();

    write_archive(&out.join(ARCHIVE)).map_err(SiteError::Archive)?;
    w.count(&out.join(ARCHIVE))?;
    for (name, html) in &pages {
        w.write(&out.join(name), html.as_bytes())?;
    }
    let favicon = web_dir.join("favicon.svg");
    w.write(
        &out.join("favicon.svg"),
        &std::fs::read(&favicon).map_err(io(&favicon))?,
    )?;
    w.copy_dist(&dist, &out.join("dist"))?;
    w.empty_glyph_ranges(&out.join("dist/fonts"))?;

    let statics = out.join("static");
    w.json(&statics.join("index.json"), &search_index::build(index))?;
    w.json(&statics.join("occupations.json"), &occupations_of(index))?;
    let profiles = statics.join("profiles");
    for inst in index.institutions().iter() {
        let counts = match credentials {
            Some(source) => credential_counts(source, inst.id.as_str())
                .await
                .inspect_err(|e| tracing::warn!(error = %e, "credential counts unavailable"))
                .ok(),
            None => None,
        };
        let profile = profile_of(index, inst).with_credential_counts(counts);
        w.json(
            &profiles.join(format!("{}.json", inst.id.as_str())),
            &profile,
        )?;
    }
    let manifest = Manifest {
        format: search_index::FORMAT,
        version: index.version(),
        generated: Utc::now().to_rfc3339_opts(SecondsFormat::Secs, true),
        archive: ARCHIVE,
        institutions: n,
        occupations: "static/occupations.json",
        index: "static/index.json",
        profiles: "static/profiles/",
    };
    w.json(&statics.join("manifest.json"), &manifest)?;
    Ok(SiteSummary {
        institutions: n as u64,
        profiles: n as u64,
        files: w.files,
        bytes: w.bytes,
    })
}

/// Makes `out` ready: created when missing; a previous site's generated parts removed
/// (so a retired institution's profile does not linger); any other non-empty folder
/// refused.
fn prepare(out: &Path) -> Result<(), SiteError> {
    if out.exists() {
        let mut entries = std::fs::read_dir(out).map_err(io(out))?;
        if entries.next().is_some() && !out.join("static/manifest.json").is_file() {
            return Err(SiteError::NotASite(out.to_owned()));
        }
        for generated in ["dist", "static"] {
            let p = out.join(generated);
            if p.exists() {
                std::fs::remove_dir_all(&p).map_err(io(&p))?;
            }
        }
    }
    std::fs::create_dir_all(out.join("static/profiles")).map_err(io(out))
}

/// A page as the static site serves it: marked static, its own files by relative URL.
/// Every other root-relative URL must sit on an element marked `data-needs-server`
/// (hidden in static mode by the stylesheet): anything else would break under a
/// sub-path or on a host without the service, so it is refused here rather than found
/// broken on the host.
fn static_page(name: &str, html: &str) -> Result<String, SiteError> {
    let fail = |problem: String| SiteError::Page {
        page: name.to_owned(),
        problem,
    };
    let open = "<html lang=\"vi\">";
    if html.matches(open).count() != 1 {
        return Err(fail(format!("expected one {open} to mark static")));
    }
    let page = html
        .replacen(open, &format!("<html lang=\"vi\" {MARKER}>"), 1)
        .replace("=\"/dist/", "=\"dist/")
        .replace("=\"/favicon.svg\"", "=\"favicon.svg\"");
    for tag in page.split('<').skip(1) {
        let tag = tag.split('>').next().unwrap_or_default();
        let absolute = tag.contains("=\"/") || tag.contains("='/");
        if absolute && !tag.contains("data-needs-server") {
            return Err(fail(format!(
                "<{tag}> has a root-relative URL: make it relative or mark the element data-needs-server"
            )));
        }
    }
    Ok(page)
}

/// Writes files and counts them.
#[derive(Default)]
struct Writer {
    files: u64,
    bytes: u64,
}

impl Writer {
    fn write(&mut self, path: &Path, bytes: &[u8]) -> Result<(), SiteError> {
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(io(parent))?;
        }
        std::fs::write(path, bytes).map_err(io(path))?;
        self.files += 1;
        self.bytes += bytes.len() as u64;
        Ok(())
    }

    fn count(&mut self, path: &Path) -> Result<(), SiteError> {
        self.files += 1;
        self.bytes += std::fs::metadata(path).map_err(io(path))?.len();
        Ok(())
    }

    fn json<T: Serialize>(&mut self, path: &Path, value: &T) -> Result<(), SiteError> {
        self.write(path, &serde_json::to_vec(value)?)
    }

    /// The built web files, without the `.br`/`.gz` twins the service sends (a plain host
    /// ignores them; a CDN compresses by itself).
    fn copy_dist(&mut self, from: &Path, to: &Path) -> Result<(), SiteError> {
        std::fs::create_dir_all(to).map_err(io(to))?;
        for entry in std::fs::read_dir(from).map_err(io(from))? {
            let entry = entry.map_err(io(from))?;
            let path = entry.path();
            let target = to.join(entry.file_name());
            if path.is_dir() {
                self.copy_dist(&path, &target)?;
            } else if !matches!(path.extension().and_then(|e| e.to_str()), Some("br" | "gz")) {
                std::fs::copy(&path, &target).map_err(io(&path))?;
                self.count(&target)?;
            }
        }
        Ok(())
    }

    /// The service answers a glyph range it does not ship with an empty set (so a rare
    /// character does not fail its whole label); a static host would answer 404, which
    /// MapLibre reports as an error. So every range we do not ship is written empty
    /// (256 files of zero bytes per font: an empty protobuf message).
    fn empty_glyph_ranges(&mut self, fonts: &Path) -> Result<(), SiteError> {
        for entry in std::fs::read_dir(fonts).map_err(io(fonts))? {
            let font = entry.map_err(io(fonts))?.path();
            if !font.is_dir() {
                continue;
            }
            for start in (0u32..65536).step_by(256) {
                let path = font.join(format!("{start}-{}.pbf", start + 255));
                if !path.exists() {
                    self.write(&path, &[])?;
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_are_marked_static_with_relative_urls() {
        let html = "<html lang=\"vi\"><head><link rel=\"icon\" href=\"/favicon.svg\">\
                    <script type=\"module\" src=\"/dist/map.js\"></script></head>\
                    <body><a href=\"/verify.html\" data-needs-server>v</a></body></html>";
        let page = static_page("index.html", html).expect("a page");
        assert!(page.contains(MARKER));
        assert!(page.contains("src=\"dist/map.js\""));
        assert!(page.contains("href=\"favicon.svg\""));
        assert!(page.contains("href=\"/verify.html\" data-needs-server"));
    }

    #[test]
    fn a_root_relative_url_the_site_cannot_serve_is_refused() {
        let html = "<html lang=\"vi\"><body><a href=\"/collections\">x</a></body></html>";
        let err = static_page("index.html", html).expect_err("refused");
        assert!(err.to_string().contains("/collections"), "{err}");
        let unmarked = "<html><body></body></html>";
        assert!(static_page("embed.html", unmarked).is_err());
    }

    #[test]
    fn the_repository_pages_make_static_pages() {
        let web = Path::new(env!("CARGO_MANIFEST_DIR")).join("web");
        for name in PAGES {
            let html = std::fs::read_to_string(web.join(name)).expect("the page");
            static_page(name, &html).expect("a static page");
        }
    }
}

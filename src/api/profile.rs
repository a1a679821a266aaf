//! `GET /api/v1/institutions/{id}`: an institution's full profile; `GET /api/v1/occupations`:
//! the catalogue with how many institutions teach each occupation at each level.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::State;
use chrono::NaiveDate;
use serde::Serialize;
use strum::IntoEnumIterator;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::edge::extract::Path;
use crate::credentials::CredentialCount;
use crate::error::{ApiError, ErrorBody};
use crate::index::ServingIndex;
use crate::model::{
    AdminArea, Institution, InstitutionId, Level, OccupationCode, Programme, Scheme, SharedText,
};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(profile))
        .routes(routes!(occupations))
}

/// Where an institution can be read.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Links {
    /// This profile.
    profile: String,
    /// Its page.
    html: String,
    /// Its GeoJSON feature.
    geojson: String,
    /// A profile's only: the institutions near it.
    #[serde(skip_serializing_if = "Option::is_none")]
    nearby: Option<String>,
}

/// Where an institution can be read: this profile, its page, its GeoJSON feature.
pub fn links(id: &str) -> Links {
    Links {
        profile: format!("/api/v1/institutions/{id}"),
        html: format!("/institutions/{id}"),
        geojson: format!("/collections/institutions/items/{id}"),
        nearby: None,
    }
}

/// Finds an institution by the id in a path: 400 for what cannot be an id, 404 for an
/// id the data does not have.
pub fn find<'a>(index: &'a ServingIndex, id: &str) -> Result<&'a Institution, ApiError> {
    InstitutionId::parse(id).map_err(|e| ApiError::bad_parameter("id", e.message))?;
    index
        .institution(id)
        .ok_or_else(|| ApiError::NotFound(format!("no institution has the id {id:?}")))
}

/// An institution's full profile
///
/// Every stored field (the same fields an [`Institution`] has, so a profile reads back
/// into one), plus views that save clients work: its levels, programmes by level, the
/// areas its codes name in both codings, links, and its credentials issued per
/// graduation year and level (aggregates only; null while the database is away).
#[utoipa::path(get, path = "/api/v1/institutions/{id}", tag = "institutions",
    params(("id" = InstitutionId, Path, description = "Institution id (slug)")),
    responses(
        (status = 200, description = "the profile", body = Profile),
        (status = 400, description = "the id cannot be an institution's", body = ErrorBody),
        (status = 404, description = "no institution has this id", body = ErrorBody)))]
async fn profile(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<Profile>, ApiError> {
    let index = state.index.current();
    let inst = find(&index, &id)?;
    let profile = profile_of(&index, inst)
        .with_credential_counts(available_credential_counts(&state, &id).await);
    Ok(Json(profile))
}

#[derive(Serialize, ToSchema)]
pub struct Profile {
    #[serde(flatten)]
    institution: Institution,
    levels: Vec<Level>,
    /// Programmes grouped by level (keys are levels), highest first.
    programmes_by_level: BTreeMap<Level, Vec<Programme>>,
    /// The areas the institution's codes name, in both codings.
    admin_areas: AdminAreas,
    data_version: String,
    links: Links,
    /// Credentials issued per graduation year and level; null while the database is away.
    credential_counts: Option<Vec<CredentialCount>>,
}

#[derive(Default, Serialize, ToSchema)]
pub struct AdminAreas {
    pre2025: AreasOfScheme,
    #[serde(rename = "2025")]
    y2025: AreasOfScheme,
}

/// Each the area the institution's code names, or null where the code is missing or
/// unknown; `district` in the pre-2025 coding only.
#[derive(Default, Serialize, ToSchema)]
pub struct AreasOfScheme {
    province: Option<AreaName>,
    #[serde(skip_serializing_if = "Option::is_none")]
    district: Option<Option<AreaName>>,
    commune: Option<AreaName>,
}

#[derive(Serialize, ToSchema)]
pub struct AreaName {
    code: String,
    name: String,
    /// First day on which the unit no longer exists.
    valid_to: Option<NaiveDate>,
}

/// An institution's credentials issued per graduation year and level: aggregates only,
/// never individual records. They come from the database while the rest of a profile
/// comes from the index, so a profile is served without them (`None`) when the database
/// is away.
pub async fn available_credential_counts(
    state: &AppState,
    id: &str,
) -> Option<Vec<crate::credentials::CredentialCount>> {
    crate::credentials::credential_counts(&state.credentials.source, id)
        .await
        .inspect_err(|e| tracing::warn!(error = %e, "credential counts unavailable"))
        .ok()
}

/// Programmes grouped by level, highest first (college, intermediate, ...), each
/// group in the stored order.
pub fn programmes_by_level(inst: &Institution) -> Vec<(Level, Vec<&Programme>)> {
    Level::iter()
        .map(|l| {
            (
                l,
                inst.programmes
                    .iter()
                    .filter(|p| p.level() == l)
                    .collect::<Vec<_>>(),
            )
        })
        .filter(|(_, ps)| !ps.is_empty())
        .collect()
}

/// The areas an institution's codes name, in both schemes (`None` where a code is
/// missing or unknown).
pub fn admin_areas<'a>(
    index: &'a ServingIndex,
    inst: &Institution,
) -> [(Scheme, &'static str, Option<&'a AdminArea>); 5] {
    let a = &inst.admin;
    let get = |s, c: &Option<SharedText>| c.as_deref().and_then(|c| index.area(s, c));
    [
        (
            Scheme::Pre2025,
            "province",
            get(Scheme::Pre2025, &a.province_pre2025),
        ),
        (
            Scheme::Pre2025,
            "district",
            get(Scheme::Pre2025, &a.district_pre2025),
        ),
        (
            Scheme::Pre2025,
            "commune",
            get(Scheme::Pre2025, &a.commune_pre2025),
        ),
        (
            Scheme::Y2025,
            "province",
            get(Scheme::Y2025, &a.province_2025),
        ),
        (
            Scheme::Y2025,
            "commune",
            get(Scheme::Y2025, &a.commune_2025),
        ),
    ]
}

impl Profile {
    /// The profile with its credentials issued per year and level (aggregates only).
    pub fn with_credential_counts(mut self, counts: Option<Vec<CredentialCount>>) -> Self {
        self.credential_counts = counts;
        self
    }
}

/// Everything the store holds about the institution, plus views that save clients
/// work; the HTTP handler adds `credential_counts` from the credentials module (so does
/// the static site's exporter, `export::site`, which writes this very body to a file).
pub fn profile_of(index: &ServingIndex, inst: &Institution) -> Profile {
    let programmes_by_level = programmes_by_level(inst)
        .into_iter()
        .map(|(level, ps)| (level, ps.into_iter().cloned().collect()))
        .collect();
    let mut admin_areas = AdminAreas::default();
    for (scheme, level, area) in self::admin_areas(index, inst) {
        let of_scheme = match scheme {
            Scheme::Pre2025 => &mut admin_areas.pre2025,
            Scheme::Y2025 => &mut admin_areas.y2025,
        };
        let named = area.map(|a| AreaName {
            code: a.code.clone(),
            name: a.name.clone(),
            valid_to: a.valid_to,
        });
        match level {
            "province" => of_scheme.province = named,
            "district" => of_scheme.district = Some(named),
            _ => of_scheme.commune = named,
        }
    }
    let mut links = links(inst.id.as_str());
    links.nearby = Some(format!(
        "/api/v1/nearby?lon={}&lat={}",
        inst.location.lon(),
        inst.location.lat()
    ));
    Profile {
        institution: inst.clone(),
        levels: inst.levels(),
        programmes_by_level,
        admin_areas,
        data_version: index.version().to_owned(),
        links,
        credential_counts: None,
    }
}

#[derive(Serialize, ToSchema)]
pub struct Occupations {
    count: usize,
    data_version: String,
    /// By code.
    occupations: Vec<OccupationEntry>,
}

#[derive(Serialize, ToSchema)]
struct OccupationEntry {
    code: OccupationCode,
    name_vi: Option<String>,
    name_en: Option<String>,
    /// False for a code taught somewhere but missing from the catalogue.
    in_catalogue: bool,
    /// Institutions teaching it at any level.
    institutions: usize,
    /// Institutions teaching it, by level (keys are levels).
    institutions_by_level: BTreeMap<&'static str, u32>,
}

/// The occupation catalogue with how many institutions teach each occupation at each level
#[utoipa::path(get, path = "/api/v1/occupations", tag = "finder",
    responses((status = 200, description = "the catalogue", body = Occupations)))]
async fn occupations(State(state): State<AppState>) -> Json<Occupations> {
    Json(occupations_of(&state.index.current()))
}

/// The body of `GET /api/v1/occupations` for one snapshot (also written by the static
/// site's exporter).
pub fn occupations_of(index: &ServingIndex) -> Occupations {
    let search = index.search();
    let counts = search.level_counts();
    let mut codes: Vec<_> = index.occupations().map(|o| o.code.clone()).collect();
    codes.extend(
        counts
            .keys()
            .filter(|c| index.occupation(c).is_none())
            .cloned(),
    );
    codes.sort();
    let list: Vec<OccupationEntry> = codes
        .iter()
        .map(|code| {
            let o = index.occupation(code);
            let by_level: BTreeMap<&str, u32> = counts
                .get(code)
                .map(|m| m.iter().map(|(l, n)| (l.as_str(), *n)).collect())
                .unwrap_or_default();
            OccupationEntry {
                code: code.clone(),
                name_vi: o.map(|o| o.name_vi.clone()),
                name_en: o.and_then(|o| o.name_en.clone()),
                in_catalogue: o.is_some(),
                institutions: search.count_teaching(code),
                institutions_by_level: by_level,
            }
        })
        .collect();
    Occupations {
        count: list.len(),
        data_version: index.version().to_owned(),
        occupations: list,
    }
}

//! `/api/v1/accounts`: administrators list, create and change officials' accounts
//! (role, scope, name, password, disabled) and end their sessions. Every change is in
//! the audit log.

use axum::extract::{DefaultBodyLimit, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::BODY_LIMIT;
use crate::api::AppState;
use crate::api::edge::auth::Official;
use crate::api::edge::extract::{Json, Path};
use crate::auth::{
    AreaRef, AuthError, MAX_SCOPE, NewPassword, Role, check_scope, parse_area, parse_display_name,
    parse_login,
};
use crate::error::{ApiError, ErrorBody};
use crate::model::{InstitutionId, Scheme};
use crate::store::pg::accounts::{self, AccountUpdate, NewAccount, StoredAccount};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(update))
        .routes(routes!(end_sessions))
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
}

/// An account as administrators see it.
#[derive(Serialize, ToSchema)]
struct AccountView {
    id: i64,
    login: String,
    display_name: String,
    role: Role,
    areas: Vec<AreaRef>,
    institutions: Vec<InstitutionId>,
    created_at: DateTime<Utc>,
    disabled: bool,
}

#[derive(Serialize, ToSchema)]
struct Accounts {
    accounts: Vec<AccountView>,
}

#[derive(Serialize, ToSchema)]
struct Created {
    id: i64,
    login: String,
}

fn admin_only(official: &Official) -> Result<(), ApiError> {
    if official.account.may_manage_accounts() {
        Ok(())
    } else {
        Err(ApiError::Forbidden(
            "only an administrator manages accounts".into(),
        ))
    }
}

fn pool(state: &AppState) -> Result<&sqlx::PgPool, ApiError> {
    state
        .db
        .as_ref()
        .ok_or(ApiError::NeedsDatabase("managing accounts"))
}

fn view(s: &StoredAccount) -> AccountView {
    AccountView {
        id: s.account.id,
        login: s.account.login.clone(),
        display_name: s.account.display_name.clone(),
        role: s.account.role,
        areas: s.account.areas.clone(),
        institutions: s.account.institutions.clone(),
        created_at: s.created_at,
        disabled: s.disabled_at.is_some(),
    }
}

/// Every account (administrators)
#[utoipa::path(get, path = "/api/v1/accounts", tag = "officials", operation_id = "listAccounts",
    security(("apiToken" = []), ("sessionCookie" = [])),
    responses(
        (status = 200, description = "the accounts", body = Accounts),
        (status = 401, description = "not signed in, or an unknown, expired or revoked token", body = ErrorBody),
        (status = 403, description = "the account is not an administrator", body = ErrorBody),
        (status = 503, description = "no database (`NeedsDatabase`), or it does not answer", body = ErrorBody)))]
async fn list(State(state): State<AppState>, official: Official) -> Result<Response, ApiError> {
    admin_only(&official)?;
    let all = accounts::list_accounts(pool(&state)?).await?;
    Ok(axum::Json(Accounts {
        accounts: all.iter().map(view).collect(),
    })
    .into_response())
}

/// An administrative unit of a district account's scope.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct AreaBody {
    #[schema(value_type = Scheme)]
    scheme: String,
    /// The unit's code in that scheme (2, 3 or 5 digits).
    #[schema(pattern = "^[0-9]{2}([0-9]([0-9]{2})?)?$")]
    code: String,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct NewAccountBody {
    #[schema(pattern = "^[a-z0-9][a-z0-9._@-]{2,63}$")]
    login: String,
    display_name: String,
    #[schema(value_type = Role)]
    role: String,
    /// At least 12 characters.
    #[schema(format = Password, min_length = 12)]
    password: String,
    /// A district account's areas.
    #[serde(default)]
    areas: Vec<AreaBody>,
    /// An institution account's institutions.
    #[serde(default)]
    institutions: Vec<String>,
}

fn role(s: &str) -> Result<Role, ApiError> {
    crate::api::edge::params::vocabulary::<Role>("role", Some(s))?
        .ok_or_else(|| ApiError::bad_parameter("role", "role is required"))
}

fn invalid(e: AuthError) -> ApiError {
    ApiError::bad_parameter(e.field().to_owned(), e.to_string())
}

fn areas(list: &[AreaBody]) -> Result<Vec<AreaRef>, ApiError> {
    if list.len() > MAX_SCOPE {
        return Err(ApiError::bad_parameter(
            "areas",
            format!("at most {MAX_SCOPE} areas"),
        ));
    }
    list.iter()
        .enumerate()
        .map(|(n, a)| parse_area(&format!("areas[{n}]"), &a.scheme, &a.code).map_err(invalid))
        .collect()
}

fn institutions(list: &[String]) -> Result<Vec<InstitutionId>, ApiError> {
    if list.len() > MAX_SCOPE {
        return Err(ApiError::bad_parameter(
            "institutions",
            format!("at most {MAX_SCOPE} institutions"),
        ));
    }
    list.iter()
        .enumerate()
        .map(|(n, id)| {
            InstitutionId::parse(id)
                .map_err(|e| ApiError::bad_parameter(format!("institutions[{n}]"), e.message))
        })
        .collect()
}

async fn hash(state: &AppState, password: NewPassword) -> Result<String, ApiError> {
    let _permit = state
        .auth
        .hashing
        .try_acquire()
        .map_err(|_| ApiError::Busy {
            description: "too many password operations at once; try again in a moment".into(),
            retry_after_secs: 1,
        })?;
    tokio::task::spawn_blocking(move || password.hash())
        .await
        .map_err(|e| ApiError::Internal(format!("hashing: {e}")))?
        .map_err(|e| ApiError::Internal(e.to_string()))
}

/// Create an account (administrators)
#[utoipa::path(post, path = "/api/v1/accounts", tag = "officials", operation_id = "createAccount",
    security(("apiToken" = []), ("sessionCookie" = [], "csrfToken" = [])),
    request_body = NewAccountBody,
    responses(
        (status = 201, description = "created", body = Created),
        (status = 400, description = "a bad field (named in `parameter`), or a scope that does not fit the role", body = ErrorBody),
        (status = 401, description = "not signed in, or an unknown, expired or revoked token", body = ErrorBody),
        (status = 403, description = "the CSRF token is missing, or the account is not an administrator", body = ErrorBody),
        (status = 409, description = "the login is taken", body = ErrorBody),
        (status = 415, description = "the body is not declared application/json", body = ErrorBody),
        (status = 503, description = "`Busy` (too many password operations at once), `NeedsDatabase`, or the database does not answer", body = ErrorBody)))]
async fn create(
    State(state): State<AppState>,
    official: Official,
    Json(body): Json<NewAccountBody>,
) -> Result<Response, ApiError> {
    admin_only(&official)?;
    let pool = pool(&state)?;
    let login = parse_login(&body.login).map_err(invalid)?;
    let display_name = parse_display_name(&body.display_name).map_err(invalid)?;
    let role = role(&body.role)?;
    let areas = areas(&body.areas)?;
    let institutions = institutions(&body.institutions)?;
    check_scope(role, &areas, &institutions).map_err(invalid)?;
    let password = NewPassword::parse(&body.password).map_err(invalid)?;
    if accounts::account_by_login(pool, &login).await?.is_some() {
        return Err(ApiError::Conflict(format!("the login {login:?} is taken")));
    }
    let new = NewAccount {
        login,
        display_name,
        role,
        password_hash: hash(&state, password).await?,
        areas,
        institutions,
    };
    let id = accounts::create_account(pool, &new, &official.actor).await?;
    Ok((
        StatusCode::CREATED,
        axum::Json(Created {
            id,
            login: new.login,
        }),
    )
        .into_response())
}

/// The fields to change; absent ones stay.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct UpdateBody {
    display_name: Option<String>,
    #[schema(value_type = Option<Role>)]
    role: Option<String>,
    areas: Option<Vec<AreaBody>>,
    institutions: Option<Vec<String>>,
    disabled: Option<bool>,
    /// At least 12 characters.
    #[schema(format = Password, min_length = 12)]
    password: Option<String>,
}

/// Change an account: name, role, scope, password, disabled (administrators)
#[utoipa::path(patch, path = "/api/v1/accounts/{id}", tag = "officials",
    security(("apiToken" = []), ("sessionCookie" = [], "csrfToken" = [])),
    params(("id" = i64, Path, description = "The account's id")),
    request_body = UpdateBody,
    responses(
        (status = 200, description = "the account as changed", body = AccountView),
        (status = 400, description = "a bad field, or an administrator disabling or demoting themself", body = ErrorBody),
        (status = 401, description = "not signed in, or an unknown, expired or revoked token", body = ErrorBody),
        (status = 403, description = "the CSRF token is missing, or the account is not an administrator", body = ErrorBody),
        (status = 404, description = "no such account", body = ErrorBody),
        (status = 415, description = "the body is not declared application/json", body = ErrorBody),
        (status = 503, description = "`Busy` (too many password operations at once), `NeedsDatabase`, or the database does not answer", body = ErrorBody)))]
async fn update(
    State(state): State<AppState>,
    official: Official,
    Path(id): Path<i64>,
    Json(body): Json<UpdateBody>,
) -> Result<Response, ApiError> {
    admin_only(&official)?;
    let pool = pool(&state)?;
    let before = accounts::account_by_id(pool, id)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("no account {id}")))?;
    let role = body.role.as_deref().map(role).transpose()?;
    if id == official.account.id
        && (body.disabled == Some(true) || role.is_some_and(|r| r != Role::Admin))
    {
        return Err(ApiError::bad_parameter(
            "role",
            "an administrator cannot disable or demote their own account (ask another administrator)",
        ));
    }
    let new_areas = body.areas.as_deref().map(areas).transpose()?;
    let new_institutions = body.institutions.as_deref().map(institutions).transpose()?;
    check_scope(
        role.unwrap_or(before.account.role),
        new_areas.as_deref().unwrap_or(&before.account.areas),
        new_institutions
            .as_deref()
            .unwrap_or(&before.account.institutions),
    )
    .map_err(invalid)?;
    let display_name = body
        .display_name
        .as_deref()
        .map(parse_display_name)
        .transpose()
        .map_err(invalid)?;
    let password_hash = match body.password {
        Some(p) => Some(hash(&state, NewPassword::parse(&p).map_err(invalid)?).await?),
        None => None,
    };
    let update = AccountUpdate {
        display_name,
        role,
        areas: new_areas,
        institutions: new_institutions,
        disabled: body.disabled,
        password_hash,
    };
    accounts::update_account(pool, id, &update, &official.actor).await?;
    let after = accounts::account_by_id(pool, id)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("no account {id}")))?;
    Ok(axum::Json(view(&after)).into_response())
}

/// End every session of an account (administrators)
#[utoipa::path(delete, path = "/api/v1/accounts/{id}/sessions", tag = "officials",
    security(("apiToken" = []), ("sessionCookie" = [], "csrfToken" = [])),
    params(("id" = i64, Path, description = "The account's id")),
    responses(
        (status = 204, description = "every session ended"),
        (status = 400, description = "the id is not a number", body = ErrorBody),
        (status = 401, description = "not signed in, or an unknown, expired or revoked token", body = ErrorBody),
        (status = 403, description = "the CSRF token is missing, or the account is not an administrator", body = ErrorBody),
        (status = 404, description = "no such account", body = ErrorBody),
        (status = 503, description = "no database (`NeedsDatabase`), or it does not answer", body = ErrorBody)))]
async fn end_sessions(
    State(state): State<AppState>,
    official: Official,
    Path(id): Path<i64>,
) -> Result<StatusCode, ApiError> {
    admin_only(&official)?;
    let pool = pool(&state)?;
    if accounts::account_by_id(pool, id).await?.is_none() {
        return Err(ApiError::NotFound(format!("no account {id}")));
    }
    accounts::revoke_sessions_of(pool, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

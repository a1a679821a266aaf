//! Officials' accounts, their scopes, sessions and personal API tokens. Secrets arrive
//! here already digested (`auth::secret::digest`); nothing here sees a password, only
//! its Argon2id hash.

use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgPool};

use super::audit::{self, Actor};
use crate::auth::{Account, AreaRef, Role};
use crate::model::InstitutionId;
use crate::store::StoreError;

/// An account as stored: what permission checks need, and what only sign-in needs.
#[derive(Debug, Clone)]
pub struct StoredAccount {
    pub account: Account,
    pub password_hash: String,
    pub created_at: DateTime<Utc>,
    pub disabled_at: Option<DateTime<Utc>>,
}

/// A new account (the password already hashed).
pub struct NewAccount {
    pub login: String,
    pub display_name: String,
    pub role: Role,
    pub password_hash: String,
    pub areas: Vec<AreaRef>,
    pub institutions: Vec<InstitutionId>,
}

/// What an administrator changes on an account; `None` leaves a field as it is.
#[derive(Default)]
pub struct AccountUpdate {
    pub display_name: Option<String>,
    pub role: Option<Role>,
    pub areas: Option<Vec<AreaRef>>,
    pub institutions: Option<Vec<InstitutionId>>,
    pub disabled: Option<bool>,
    pub password_hash: Option<String>,
}

#[derive(sqlx::FromRow)]
struct AccountRow {
    id: i64,
    login: String,
    display_name: String,
    role: String,
    password_hash: String,
    created_at: DateTime<Utc>,
    disabled_at: Option<DateTime<Utc>>,
}

const ACCOUNT_COLUMNS: &str =
    "id, login, display_name, role, password_hash, created_at, disabled_at";

async fn with_scope(conn: &mut PgConnection, row: AccountRow) -> Result<StoredAccount, StoreError> {
    let db = StoreError::db;
    let areas = sqlx::query_as::<_, (String, String)>(
        "SELECT scheme, code FROM account_areas WHERE account_id = $1 ORDER BY scheme, code",
    )
    .bind(row.id)
    .fetch_all(&mut *conn)
    .await
    .map_err(db("reading an account's areas"))?
    .into_iter()
    .map(|(scheme, code)| {
        Ok(AreaRef {
            scheme: scheme
                .parse()
                .map_err(|_| StoreError::Corrupt(format!("account area scheme {scheme:?}")))?,
            code,
        })
    })
    .collect::<Result<Vec<_>, StoreError>>()?;
    let institutions = sqlx::query_scalar::<_, String>(
        "SELECT institution_id FROM account_institutions WHERE account_id = $1
         ORDER BY institution_id",
    )
    .bind(row.id)
    .fetch_all(&mut *conn)
    .await
    .map_err(db("reading an account's institutions"))?
    .iter()
    .map(|id| InstitutionId::parse(id).map_err(|e| StoreError::Corrupt(e.to_string())))
    .collect::<Result<Vec<_>, StoreError>>()?;
    Ok(StoredAccount {
        account: Account {
            id: row.id,
            login: row.login,
            display_name: row.display_name,
            role: row
                .role
                .parse()
                .map_err(|_| StoreError::Corrupt(format!("account role {:?}", row.role)))?,
            areas,
            institutions,
        },
        password_hash: row.password_hash,
        created_at: row.created_at,
        disabled_at: row.disabled_at,
    })
}

pub async fn account_by_login(
    pool: &PgPool,
    login: &str,
) -> Result<Option<StoredAccount>, StoreError> {
    account_where(pool, "login = $1", |q| q.bind(login.to_owned())).await
}

pub async fn account_by_id(pool: &PgPool, id: i64) -> Result<Option<StoredAccount>, StoreError> {
    account_where(pool, "id = $1", |q| q.bind(id)).await
}

type AccountQuery<'q> =
    sqlx::query::QueryAs<'q, sqlx::Postgres, AccountRow, sqlx::postgres::PgArguments>;

/// The one account a condition on one bound value selects, with its scope.
async fn account_where(
    pool: &PgPool,
    condition: &'static str,
    bind: impl for<'q> FnOnce(AccountQuery<'q>) -> AccountQuery<'q>,
) -> Result<Option<StoredAccount>, StoreError> {
    let context = "reading an account";
    let mut conn = pool.acquire().await.map_err(StoreError::db(context))?;
    let query = sqlx::query_as::<_, AccountRow>(sqlx::AssertSqlSafe(format!(
        "SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE {condition}"
    )));
    let row = bind(query)
        .fetch_optional(&mut *conn)
        .await
        .map_err(StoreError::db(context))?;
    match row {
        Some(r) => Ok(Some(with_scope(&mut conn, r).await?)),
        None => Ok(None),
    }
}

pub async fn list_accounts(pool: &PgPool) -> Result<Vec<StoredAccount>, StoreError> {
    let mut conn = pool
        .acquire()
        .await
        .map_err(StoreError::db("listing accounts"))?;
    let rows = sqlx::query_as::<_, AccountRow>(sqlx::AssertSqlSafe(format!(
        "SELECT {ACCOUNT_COLUMNS} FROM accounts ORDER BY login"
    )))
    .fetch_all(&mut *conn)
    .await
    .map_err(StoreError::db("listing accounts"))?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        out.push(with_scope(&mut conn, r).await?);
    }
    Ok(out)
}

/// Creates an account and records it in the audit log, in one transaction. A login
/// that is taken, or a scope naming an unknown area or institution, is refused at its
/// field.
pub async fn create_account(
    pool: &PgPool,
    new: &NewAccount,
    actor: &Actor,
) -> Result<i64, StoreError> {
    let db = StoreError::db;
    let mut tx = pool.begin().await.map_err(db("creating an account"))?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO accounts (login, display_name, role, password_hash)
         VALUES ($1, $2, $3, $4) RETURNING id",
    )
    .bind(&new.login)
    .bind(&new.display_name)
    .bind(new.role.as_str())
    .bind(&new.password_hash)
    .fetch_one(&mut *tx)
    .await
    .map_err(|e| super::refused("login", e, "creating an account"))?;
    write_scope(&mut tx, id, Some(&new.areas), Some(&new.institutions)).await?;
    let changes = serde_json::json!({
        "login": {"before": null, "after": new.login},
        "display_name": {"before": null, "after": new.display_name},
        "role": {"before": null, "after": new.role},
        "areas": {"before": null, "after": new.areas},
        "institutions": {"before": null, "after": new.institutions},
    });
    audit::append(
        &mut tx,
        actor,
        "account.create",
        None,
        Some(&new.login),
        &changes,
    )
    .await?;
    tx.commit().await.map_err(db("creating an account"))?;
    Ok(id)
}

async fn write_scope(
    conn: &mut PgConnection,
    id: i64,
    areas: Option<&[AreaRef]>,
    institutions: Option<&[InstitutionId]>,
) -> Result<(), StoreError> {
    if let Some(areas) = areas {
        sqlx::query("DELETE FROM account_areas WHERE account_id = $1")
            .bind(id)
            .execute(&mut *conn)
            .await
            .map_err(StoreError::db("writing an account's areas"))?;
        for a in areas {
            sqlx::query("INSERT INTO account_areas (account_id, scheme, code) VALUES ($1, $2, $3)")
                .bind(id)
                .bind(a.scheme.as_str())
                .bind(&a.code)
                .execute(&mut *conn)
                .await
                .map_err(|e| super::refused("areas", e, "writing an account's areas"))?;
        }
    }
    if let Some(institutions) = institutions {
        sqlx::query("DELETE FROM account_institutions WHERE account_id = $1")
            .bind(id)
            .execute(&mut *conn)
            .await
            .map_err(StoreError::db("writing an account's institutions"))?;
        for i in institutions {
            sqlx::query(
                "INSERT INTO account_institutions (account_id, institution_id) VALUES ($1, $2)",
            )
            .bind(id)
            .bind(i.as_str())
            .execute(&mut *conn)
            .await
            .map_err(|e| super::refused("institutions", e, "writing an account's institutions"))?;
        }
    }
    Ok(())
}

/// Applies an administrator's changes and records them; disabling an account, changing
/// its role or scope, or resetting its password ends its sessions.
pub async fn update_account(
    pool: &PgPool,
    id: i64,
    update: &AccountUpdate,
    actor: &Actor,
) -> Result<(), StoreError> {
    let db = StoreError::db;
    let before = account_by_id(pool, id)
        .await?
        .ok_or_else(|| StoreError::Missing(format!("no account {id}")))?;
    let mut tx = pool.begin().await.map_err(db("updating an account"))?;
    sqlx::query("SELECT 1 FROM accounts WHERE id = $1 FOR UPDATE")
        .bind(id)
        .execute(&mut *tx)
        .await
        .map_err(db("updating an account"))?;
    sqlx::query(
        "UPDATE accounts SET
             display_name = COALESCE($2, display_name),
             role = COALESCE($3, role),
             password_hash = COALESCE($4, password_hash),
             disabled_at = CASE WHEN $5::boolean IS NULL THEN disabled_at
                                WHEN $5 THEN COALESCE(disabled_at, now()) ELSE NULL END
         WHERE id = $1",
    )
    .bind(id)
    .bind(&update.display_name)
    .bind(update.role.map(|r| r.as_str()))
    .bind(&update.password_hash)
    .bind(update.disabled)
    .execute(&mut *tx)
    .await
    .map_err(|e| super::refused("display_name", e, "updating an account"))?;
    write_scope(
        &mut tx,
        id,
        update.areas.as_deref(),
        update.institutions.as_deref(),
    )
    .await?;
    let mut changes = serde_json::Map::new();
    let mut note = |field: &str, before: serde_json::Value, after: serde_json::Value| {
        if before != after {
            changes.insert(
                field.into(),
                serde_json::json!({"before": before, "after": after}),
            );
        }
    };
    let b = &before.account;
    if let Some(n) = &update.display_name {
        note(
            "display_name",
            b.display_name.clone().into(),
            n.clone().into(),
        );
    }
    if let Some(r) = update.role {
        note("role", b.role.as_str().into(), r.as_str().into());
    }
    if let Some(a) = &update.areas {
        note("areas", serde_json::json!(b.areas), serde_json::json!(a));
    }
    if let Some(i) = &update.institutions {
        note(
            "institutions",
            serde_json::json!(b.institutions),
            serde_json::json!(i),
        );
    }
    if let Some(d) = update.disabled {
        note("disabled", before.disabled_at.is_some().into(), d.into());
    }
    if update.password_hash.is_some() {
        // Never the hash itself: only that it changed.
        changes.insert(
            "password".into(),
            serde_json::json!({"before": "…", "after": "(reset)"}),
        );
    }
    let ends_sessions = update.role.is_some_and(|r| r != b.role)
        || update.areas.is_some()
        || update.institutions.is_some()
        || update.disabled == Some(true)
        || update.password_hash.is_some();
    if ends_sessions {
        end_sessions(&mut tx, id).await?;
    }
    if !changes.is_empty() {
        audit::append(
            &mut tx,
            actor,
            "account.update",
            None,
            Some(&b.login),
            &serde_json::Value::Object(changes),
        )
        .await?;
    }
    tx.commit().await.map_err(db("updating an account"))?;
    Ok(())
}

async fn end_sessions(conn: &mut PgConnection, account_id: i64) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE sessions SET revoked_at = now() WHERE account_id = $1 AND revoked_at IS NULL",
    )
    .bind(account_id)
    .execute(&mut *conn)
    .await
    .map_err(StoreError::db("ending sessions"))?;
    Ok(())
}

/// Ends every session of an account (signed out everywhere).
pub async fn revoke_sessions_of(pool: &PgPool, account_id: i64) -> Result<(), StoreError> {
    let mut conn = pool
        .acquire()
        .await
        .map_err(StoreError::db("ending sessions"))?;
    end_sessions(&mut conn, account_id).await
}

pub async fn create_session(
    pool: &PgPool,
    account_id: i64,
    token_hash: &[u8],
    csrf_token: &str,
    expires_at: DateTime<Utc>,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO sessions (token_hash, account_id, csrf_token, expires_at)
         VALUES ($1, $2, $3, $4)",
    )
    .bind(token_hash)
    .bind(account_id)
    .bind(csrf_token)
    .bind(expires_at)
    .execute(pool)
    .await
    .map_err(StoreError::db("starting a session"))?;
    Ok(())
}

/// A live session: its account (enabled), its CSRF token and when it ends.
pub struct LiveSession {
    pub account: StoredAccount,
    pub csrf_token: String,
    pub expires_at: DateTime<Utc>,
}

/// The session a cookie names, if it is live: not revoked, not past its end, used within
/// `idle_secs`, its account enabled. Marks it used (at most once a minute, so reads do
/// not all write).
pub async fn live_session(
    pool: &PgPool,
    token_hash: &[u8],
    idle_secs: i64,
) -> Result<Option<LiveSession>, StoreError> {
    let db = StoreError::db;
    let found = sqlx::query_as::<_, (i64, String, DateTime<Utc>)>(
        "UPDATE sessions SET last_seen_at = CASE
             WHEN last_seen_at < now() - interval '1 minute' THEN now() ELSE last_seen_at END
         WHERE token_hash = $1 AND revoked_at IS NULL AND expires_at > now()
           AND last_seen_at > now() - make_interval(secs => $2)
         RETURNING account_id, csrf_token, expires_at",
    )
    .bind(token_hash)
    .bind(idle_secs as f64)
    .fetch_optional(pool)
    .await
    .map_err(db("reading a session"))?;
    let Some((account_id, csrf_token, expires_at)) = found else {
        return Ok(None);
    };
    match account_by_id(pool, account_id).await? {
        Some(a) if a.disabled_at.is_none() => Ok(Some(LiveSession {
            account: a,
            csrf_token,
            expires_at,
        })),
        _ => Ok(None),
    }
}

pub async fn revoke_session(pool: &PgPool, token_hash: &[u8]) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE sessions SET revoked_at = now() WHERE token_hash = $1 AND revoked_at IS NULL",
    )
    .bind(token_hash)
    .execute(pool)
    .await
    .map_err(StoreError::db("ending a session"))?;
    Ok(())
}

/// A personal API token as listed to its owner (never the token itself).
#[derive(Debug, Clone, serde::Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct TokenInfo {
    pub id: i64,
    pub name: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub last_used_at: Option<DateTime<Utc>>,
}

pub async fn create_token(
    pool: &PgPool,
    account: &Account,
    name: &str,
    token_hash: &[u8],
    expires_at: DateTime<Utc>,
    actor: &Actor,
) -> Result<TokenInfo, StoreError> {
    let db = StoreError::db;
    let mut tx = pool.begin().await.map_err(db("creating a token"))?;
    let info = sqlx::query_as::<_, TokenInfo>(
        "INSERT INTO api_tokens (account_id, name, token_hash, expires_at) VALUES ($1, $2, $3, $4)
         RETURNING id, name, created_at, expires_at, revoked_at, last_used_at",
    )
    .bind(account.id)
    .bind(name)
    .bind(token_hash)
    .bind(expires_at)
    .fetch_one(&mut *tx)
    .await
    .map_err(|e| super::refused("name", e, "creating a token"))?;
    let changes = serde_json::json!({"token": {"before": null,
        "after": {"id": info.id, "name": info.name, "expires_at": info.expires_at}}});
    audit::append(
        &mut tx,
        actor,
        "token.create",
        None,
        Some(&account.login),
        &changes,
    )
    .await?;
    tx.commit().await.map_err(db("creating a token"))?;
    Ok(info)
}

pub async fn list_tokens(pool: &PgPool, account_id: i64) -> Result<Vec<TokenInfo>, StoreError> {
    sqlx::query_as::<_, TokenInfo>(
        "SELECT id, name, created_at, expires_at, revoked_at, last_used_at FROM api_tokens
         WHERE account_id = $1 ORDER BY id",
    )
    .bind(account_id)
    .fetch_all(pool)
    .await
    .map_err(StoreError::db("listing tokens"))
}

/// Revokes one of the account's tokens; false when it has no such live token.
pub async fn revoke_token(
    pool: &PgPool,
    account: &Account,
    token_id: i64,
    actor: &Actor,
) -> Result<bool, StoreError> {
    let db = StoreError::db;
    let mut tx = pool.begin().await.map_err(db("revoking a token"))?;
    let done = sqlx::query(
        "UPDATE api_tokens SET revoked_at = now()
         WHERE id = $1 AND account_id = $2 AND revoked_at IS NULL",
    )
    .bind(token_id)
    .bind(account.id)
    .execute(&mut *tx)
    .await
    .map_err(db("revoking a token"))?
    .rows_affected()
        == 1;
    if done {
        let changes =
            serde_json::json!({"token": {"before": {"id": token_id}, "after": "revoked"}});
        audit::append(
            &mut tx,
            actor,
            "token.revoke",
            None,
            Some(&account.login),
            &changes,
        )
        .await?;
    }
    tx.commit().await.map_err(db("revoking a token"))?;
    Ok(done)
}

/// The enabled account a live token belongs to; marks the token used (at most once a
/// minute).
pub async fn account_by_token(
    pool: &PgPool,
    token_hash: &[u8],
) -> Result<Option<StoredAccount>, StoreError> {
    let id: Option<i64> = sqlx::query_scalar(
        "UPDATE api_tokens SET last_used_at = CASE
             WHEN last_used_at IS NULL OR last_used_at < now() - interval '1 minute' THEN now()
             ELSE last_used_at END
         WHERE token_hash = $1 AND revoked_at IS NULL AND expires_at > now()
         RETURNING account_id",
    )
    .bind(token_hash)
    .fetch_optional(pool)
    .await
    .map_err(StoreError::db("reading a token"))?;
    let Some(id) = id else { return Ok(None) };
    match account_by_id(pool, id).await? {
        Some(a) if a.disabled_at.is_none() => Ok(Some(a)),
        _ => Ok(None),
    }
}

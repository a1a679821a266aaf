//! The audit log: appended in the transaction of the change it records, read back by
//! institution, account, date and kind of change. The table refuses UPDATE, DELETE and
//! TRUNCATE (migration 20261201000001), so nothing here could rewrite it if it tried.

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;
use sqlx::{PgConnection, PgPool};

use crate::store::StoreError;

/// Who acts: the signed-in account (or none, for the server's own commands) and the
/// request that carried the change.
#[derive(Debug, Clone)]
pub struct Actor {
    pub account_id: Option<i64>,
    /// The account's login, or what else acted ("vetmap accounts").
    pub name: String,
    pub request_id: Option<String>,
}

impl Actor {
    /// The command line, acting for the server's operator.
    pub fn command(name: &str) -> Self {
        Self {
            account_id: None,
            name: name.to_owned(),
            request_id: None,
        }
    }
}

/// Appends one entry. `changes` is `{"field": {"before", "after"}}` and never holds a
/// credential holder's data.
pub async fn append(
    conn: &mut PgConnection,
    actor: &Actor,
    action: &str,
    institution_id: Option<&str>,
    subject: Option<&str>,
    changes: &Value,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO audit_log (account_id, actor, request_id, action, institution_id, subject,
                                changes)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(actor.account_id)
    .bind(&actor.name)
    .bind(&actor.request_id)
    .bind(action)
    .bind(institution_id)
    .bind(subject)
    .bind(changes)
    .execute(conn)
    .await
    .map_err(StoreError::db("recording the change in the audit log"))?;
    Ok(())
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct AuditEntry {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub account_id: Option<i64>,
    pub actor: String,
    pub request_id: Option<String>,
    pub action: String,
    pub institution_id: Option<String>,
    pub subject: Option<String>,
    /// `{"field": {"before", "after"}}`, or what the action records.
    #[schema(value_type = Object)]
    pub changes: Value,
}

/// A search of the log; every criterion is optional. Newest first, paged by id.
#[derive(Debug, Clone, Default)]
pub struct AuditQuery {
    /// Entries made by this account (by id) ...
    pub account_id: Option<i64>,
    /// ... or by this actor name (a login, "import", "sql:postgres").
    pub actor: Option<String>,
    pub institution_id: Option<String>,
    /// Actions starting with this (`institution.` or `institution.update`).
    pub action_prefix: Option<String>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    /// Entries older than this id (the next page).
    pub before_id: Option<i64>,
    pub limit: i64,
}

pub async fn audit_entries(pool: &PgPool, q: &AuditQuery) -> Result<Vec<AuditEntry>, StoreError> {
    // LIKE's wildcards in a prefix the client sent are matched literally.
    let prefix = q.action_prefix.as_ref().map(|p| {
        let escaped = p
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_");
        format!("{escaped}%")
    });
    sqlx::query_as::<_, AuditEntry>(
        "SELECT id, at, account_id, actor, request_id, action, institution_id, subject, changes
         FROM audit_log
         WHERE ($1::bigint IS NULL OR account_id = $1)
           AND ($2::text IS NULL OR actor = $2)
           AND ($3::text IS NULL OR institution_id = $3)
           AND ($4::text IS NULL OR action LIKE $4)
           AND ($5::timestamptz IS NULL OR at >= $5)
           AND ($6::timestamptz IS NULL OR at < $6)
           AND ($7::bigint IS NULL OR id < $7)
         ORDER BY id DESC
         LIMIT $8",
    )
    .bind(q.account_id)
    .bind(&q.actor)
    .bind(&q.institution_id)
    .bind(prefix)
    .bind(q.from)
    .bind(q.to)
    .bind(q.before_id)
    .bind(q.limit)
    .fetch_all(pool)
    .await
    .map_err(StoreError::db("reading the audit log"))
}

//! The province's own figures per indicator and period (`province_indicator_reports`):
//! submitted by a province official or administrator (a resubmission replaces the figure
//! and clears the review), reviewed by another one, listed. Each submission and review
//! appends its per-field history to the audit log in the same transaction.

use chrono::{DateTime, Utc};
use serde_json::{Map, Value, json};
use sqlx::{PgConnection, PgPool};

use super::audit::{self, Actor};
use crate::indicators::{ProvinceFigure, ProvinceReport};
use crate::model::report::Period;
use crate::store::StoreError;

/// A report's columns with who submitted and reviewed it; `r` is the report, `ra`/`va`
/// the accounts. Statements are built from constant fragments only; values are bound.
const COLUMNS: &str = "r.indicator, r.period, r.value_pct, r.numerator, r.denominator,
    r.evidence_url, r.evidence_ref, r.note, ra.login AS reported_by,
    ra.display_name AS reported_by_name, r.reported_at, va.login AS reviewed_by,
    va.display_name AS reviewed_by_name, r.reviewed_at";

const JOINS: &str = "JOIN accounts ra ON ra.id = r.reported_by
    LEFT JOIN accounts va ON va.id = r.reviewed_by";

#[derive(sqlx::FromRow)]
struct Row {
    indicator: String,
    period: i32,
    value_pct: f64,
    numerator: Option<f64>,
    denominator: Option<f64>,
    evidence_url: Option<String>,
    evidence_ref: Option<String>,
    note: Option<String>,
    reported_by: String,
    reported_by_name: String,
    reported_at: DateTime<Utc>,
    reviewed_by: Option<String>,
    reviewed_by_name: Option<String>,
    reviewed_at: Option<DateTime<Utc>>,
}

impl From<Row> for ProvinceReport {
    fn from(r: Row) -> Self {
        ProvinceReport {
            indicator: r.indicator,
            period: Period::stored(r.period),
            figure: ProvinceFigure {
                value_pct: r.value_pct,
                numerator: r.numerator,
                denominator: r.denominator,
                evidence_url: r.evidence_url,
                evidence_ref: r.evidence_ref,
                note: r.note,
            },
            reported_by: r.reported_by,
            reported_by_name: r.reported_by_name,
            reported_at: r.reported_at,
            reviewed_by: r.reviewed_by,
            reviewed_by_name: r.reviewed_by_name,
            reviewed_at: r.reviewed_at,
        }
    }
}

/// Every report, or a period's: by period, then indicator.
pub async fn reports(
    pool: &PgPool,
    period: Option<Period>,
) -> Result<Vec<ProvinceReport>, StoreError> {
    let rows = sqlx::query_as::<_, Row>(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM province_indicator_reports r {JOINS}
         WHERE $1::int4 IS NULL OR r.period = $1 ORDER BY r.period, r.indicator"
    )))
    .bind(period.map(Period::year))
    .fetch_all(pool)
    .await
    .map_err(StoreError::db("reading the province's reports"))?;
    Ok(rows.into_iter().map(ProvinceReport::from).collect())
}

async fn one(
    conn: &mut PgConnection,
    indicator: &str,
    period: Period,
    lock: bool,
) -> Result<Option<ProvinceReport>, StoreError> {
    let sql = format!(
        "SELECT {COLUMNS} FROM province_indicator_reports r {JOINS}
         WHERE r.indicator = $1 AND r.period = $2 {}",
        if lock { "FOR UPDATE OF r" } else { "" }
    );
    Ok(sqlx::query_as::<_, Row>(sqlx::AssertSqlSafe(sql))
        .bind(indicator)
        .bind(period.year())
        .fetch_optional(conn)
        .await
        .map_err(StoreError::db("reading a province report"))?
        .map(ProvinceReport::from))
}

fn account_of(actor: &Actor) -> Result<i64, StoreError> {
    actor.account_id.ok_or_else(|| {
        StoreError::NotPermitted(
            "the province's figures are reported and reviewed by accounts".into(),
        )
    })
}

fn change(before: Value, after: Value) -> Value {
    json!({"before": before, "after": after})
}

/// `{"field": {"before", "after"}}` for every field that differs, and the review when it
/// changed.
fn changes(before: Option<&ProvinceReport>, after: &ProvinceReport) -> Value {
    let mut m = Map::new();
    let old = before.map(|b| b.figure.values());
    for (i, (field, new)) in after.figure.values().into_iter().enumerate() {
        let was = old.as_ref().map_or(Value::Null, |o| o[i].1.clone());
        if was != new {
            m.insert(field.to_owned(), change(was, new));
        }
    }
    let review = |r: Option<&ProvinceReport>| match r {
        Some(ProvinceReport {
            reviewed_by: Some(by),
            reviewed_at: Some(at),
            ..
        }) => (json!(by), json!(at)),
        _ => (Value::Null, Value::Null),
    };
    let ((by0, at0), (by1, at1)) = (review(before), review(Some(after)));
    if by0 != by1 || at0 != at1 {
        m.insert("reviewed_by".into(), change(by0, by1));
        m.insert("reviewed_at".into(), change(at0, at1));
    }
    Value::Object(m)
}

fn subject(indicator: &str, period: Period) -> String {
    format!("{indicator}/{period}")
}

/// Stores the province's figure of `indicator` for `period`, replacing an earlier one and
/// clearing its review. The caller has checked that the indicator is one the province
/// reports and that the account may report.
pub async fn submit(
    pool: &PgPool,
    indicator: &str,
    period: Period,
    figure: &ProvinceFigure,
    actor: &Actor,
) -> Result<ProvinceReport, StoreError> {
    const CONTEXT: &str = "submitting a province report";
    let account = account_of(actor)?;
    let mut tx = pool.begin().await.map_err(StoreError::db(CONTEXT))?;
    // Submissions of one figure take turns, even the first two, so that each history
    // entry's "before" is what the previous one left.
    sqlx::query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))")
        .bind(format!("province_report:{}", subject(indicator, period)))
        .execute(&mut *tx)
        .await
        .map_err(StoreError::db(CONTEXT))?;
    let before = one(&mut tx, indicator, period, true).await?;
    sqlx::query(
        "INSERT INTO province_indicator_reports (indicator, period, value_pct, numerator,
             denominator, evidence_url, evidence_ref, note, reported_by, reported_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, clock_timestamp())
         ON CONFLICT (indicator, period) DO UPDATE SET
             value_pct = EXCLUDED.value_pct,
             numerator = EXCLUDED.numerator,
             denominator = EXCLUDED.denominator,
             evidence_url = EXCLUDED.evidence_url,
             evidence_ref = EXCLUDED.evidence_ref,
             note = EXCLUDED.note,
             reported_by = EXCLUDED.reported_by,
             reported_at = EXCLUDED.reported_at,
             reviewed_by = NULL,
             reviewed_at = NULL",
    )
    .bind(indicator)
    .bind(period.year())
    .bind(figure.value_pct)
    .bind(figure.numerator)
    .bind(figure.denominator)
    .bind(&figure.evidence_url)
    .bind(&figure.evidence_ref)
    .bind(&figure.note)
    .bind(account)
    .execute(&mut *tx)
    .await
    .map_err(|e| super::refused("report", e, CONTEXT))?;
    let after = one(&mut tx, indicator, period, false)
        .await?
        .ok_or_else(|| {
            StoreError::Corrupt("a province report vanished as it was written".into())
        })?;
    audit::append(
        &mut tx,
        actor,
        "province_report.submit",
        None,
        Some(&subject(indicator, period)),
        &changes(before.as_ref(), &after),
    )
    .await?;
    tx.commit().await.map_err(StoreError::db(CONTEXT))?;
    Ok(after)
}

/// Marks a figure reviewed, by someone other than who reported it. With
/// `expected_version` the review applies only if the figure is still the one the reviewer
/// read ([`ProvinceReport::version`]).
pub async fn review(
    pool: &PgPool,
    indicator: &str,
    period: Period,
    expected_version: Option<i64>,
    actor: &Actor,
) -> Result<ProvinceReport, StoreError> {
    const CONTEXT: &str = "reviewing a province report";
    let account = account_of(actor)?;
    let mut tx = pool.begin().await.map_err(StoreError::db(CONTEXT))?;
    let before = one(&mut tx, indicator, period, true)
        .await?
        .ok_or_else(|| {
            StoreError::Missing(format!(
                "the province has no report of {indicator} for {period}"
            ))
        })?;
    if let Some(expected) = expected_version
        && expected != before.version()
    {
        return Err(StoreError::Stale {
            current: before.version(),
        });
    }
    if before.reported_by == actor.name {
        return Err(StoreError::NotPermitted(
            "a figure is reviewed by another official than the one who reported it".into(),
        ));
    }
    sqlx::query(
        "UPDATE province_indicator_reports SET reviewed_by = $3, reviewed_at = clock_timestamp()
         WHERE indicator = $1 AND period = $2",
    )
    .bind(indicator)
    .bind(period.year())
    .bind(account)
    .execute(&mut *tx)
    .await
    .map_err(|e| super::refused("report", e, CONTEXT))?;
    let after = one(&mut tx, indicator, period, false)
        .await?
        .ok_or_else(|| {
            StoreError::Corrupt("a province report vanished as it was reviewed".into())
        })?;
    audit::append(
        &mut tx,
        actor,
        "province_report.review",
        None,
        Some(&subject(indicator, period)),
        &changes(Some(&before), &after),
    )
    .await?;
    tx.commit().await.map_err(StoreError::db(CONTEXT))?;
    Ok(after)
}

//! Institutions' reports of the Plan's figures per period (`institution_reports`):
//! submitted (a resubmission replaces the figures and clears the review), reviewed by the
//! province, listed per institution and per period. Each submission and review appends
//! its per-field history to the audit log in the same transaction.

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::{Map, Value, json};
use sqlx::{PgConnection, PgPool};

use super::audit::{self, Actor};
use crate::model::InstitutionId;
use crate::model::report::{Period, PlanReport, Report, ReportStatus};
use crate::store::StoreError;

/// The columns of a report with the logins of who submitted and reviewed it; `r` is
/// `institution_reports`, `ra`/`va` the accounts. Statements are built from these
/// constant fragments only; every value is bound.
const REPORT_COLUMNS: &str = "r.institution_id, r.period, r.digital_infrastructure,
    r.connected_national_platform, r.digitised_learning_records, r.digitised_diplomas,
    r.teachers_digital_trained_pct, r.high_quality_school, r.digital_school, r.source,
    ra.login AS reported_by, r.reported_at, va.login AS reviewed_by, r.reviewed_at";

const REPORT_JOINS: &str = "LEFT JOIN accounts ra ON ra.id = r.reported_by
    LEFT JOIN accounts va ON va.id = r.reviewed_by";

/// A report row; every column may be null because the period's list joins institutions
/// that have none.
#[derive(sqlx::FromRow)]
struct ReportRow {
    institution_id: Option<String>,
    period: Option<i32>,
    digital_infrastructure: Option<bool>,
    connected_national_platform: Option<bool>,
    digitised_learning_records: Option<bool>,
    digitised_diplomas: Option<bool>,
    teachers_digital_trained_pct: Option<f64>,
    high_quality_school: Option<bool>,
    digital_school: Option<bool>,
    source: Option<String>,
    reported_by: Option<String>,
    reported_at: Option<DateTime<Utc>>,
    reviewed_by: Option<String>,
    reviewed_at: Option<DateTime<Utc>>,
}

impl ReportRow {
    /// The report, or `None` when the row is an institution without one.
    fn into_report(self) -> Result<Option<Report>, StoreError> {
        let (Some(id), Some(period), Some(source), Some(reported_at)) = (
            self.institution_id,
            self.period,
            self.source,
            self.reported_at,
        ) else {
            return Ok(None);
        };
        let institution_id =
            InstitutionId::parse(&id).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        Ok(Some(Report {
            institution_id,
            period: Period::stored(period),
            figures: PlanReport {
                digital_infrastructure: self.digital_infrastructure,
                connected_national_platform: self.connected_national_platform,
                digitised_learning_records: self.digitised_learning_records,
                digitised_diplomas: self.digitised_diplomas,
                teachers_digital_trained_pct: self.teachers_digital_trained_pct,
                high_quality_school: self.high_quality_school,
                digital_school: self.digital_school,
                source,
            },
            reported_by: self.reported_by.unwrap_or_default(),
            reported_at,
            reviewed_by: self.reviewed_by,
            reviewed_at: self.reviewed_at,
        }))
    }
}

fn reports(rows: Vec<ReportRow>) -> Result<Vec<Report>, StoreError> {
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        out.extend(row.into_report()?);
    }
    Ok(out)
}

/// One report, locked for the rest of the transaction when `lock`.
async fn one_report(
    conn: &mut PgConnection,
    id: &InstitutionId,
    period: Period,
    lock: bool,
) -> Result<Option<Report>, StoreError> {
    let sql = format!(
        "SELECT {REPORT_COLUMNS} FROM institution_reports r {REPORT_JOINS}
         WHERE r.institution_id = $1 AND r.period = $2 {}",
        if lock { "FOR UPDATE OF r" } else { "" }
    );
    sqlx::query_as::<_, ReportRow>(sqlx::AssertSqlSafe(sql))
        .bind(id.as_str())
        .bind(period.year())
        .fetch_optional(conn)
        .await
        .map_err(StoreError::db("reading a report"))?
        .map(ReportRow::into_report)
        .transpose()
        .map(Option::flatten)
}

fn account_of(actor: &Actor) -> Result<i64, StoreError> {
    actor.account_id.ok_or_else(|| {
        StoreError::NotPermitted("reports are submitted and reviewed by accounts".into())
    })
}

fn change(before: Value, after: Value) -> Value {
    json!({"before": before, "after": after})
}

fn review_values(r: Option<&Report>) -> (Value, Value) {
    match r {
        Some(Report {
            reviewed_by: Some(by),
            reviewed_at: Some(at),
            ..
        }) => (json!(by), json!(at)),
        _ => (Value::Null, Value::Null),
    }
}

/// `{"field": {"before", "after"}}` for every figure that differs, and the review when it
/// changed.
fn changes(before: Option<&Report>, after: &Report) -> Value {
    let mut m = Map::new();
    let old = before.map(|b| b.figures.values());
    for (i, (field, new)) in after.figures.values().into_iter().enumerate() {
        let was = old.as_ref().map_or(Value::Null, |o| o[i].1.clone());
        if was != new {
            m.insert(field.to_owned(), change(was, new));
        }
    }
    let (by0, at0) = review_values(before);
    let (by1, at1) = review_values(Some(after));
    if by0 != by1 || at0 != at1 {
        m.insert("reviewed_by".into(), change(by0, by1));
        m.insert("reviewed_at".into(), change(at0, at1));
    }
    Value::Object(m)
}

/// Stores an institution's figures for a period, replacing any earlier submission and
/// clearing its review (the province reviews what is there now). The institution must be
/// on the map (not retired).
pub async fn submit(
    pool: &PgPool,
    id: &InstitutionId,
    period: Period,
    figures: &PlanReport,
    actor: &Actor,
) -> Result<Report, StoreError> {
    const CONTEXT: &str = "submitting a report";
    let account = account_of(actor)?;
    let mut tx = pool.begin().await.map_err(StoreError::db(CONTEXT))?;
    // Submissions for one institution take turns, so each history entry's "before" is
    // what the previous one left. The lock does not change the row (nor its version).
    let on_map: Option<i32> = sqlx::query_scalar(
        "SELECT 1 FROM institutions WHERE id = $1 AND retired_at IS NULL FOR NO KEY UPDATE",
    )
    .bind(id.as_str())
    .fetch_optional(&mut *tx)
    .await
    .map_err(StoreError::db(CONTEXT))?;
    if on_map.is_none() {
        return Err(StoreError::Missing(format!(
            "no institution {:?} on the map",
            id.as_str()
        )));
    }
    let before = one_report(&mut tx, id, period, true).await?;
    sqlx::query(
        "INSERT INTO institution_reports (institution_id, period, digital_infrastructure,
             connected_national_platform, digitised_learning_records, digitised_diplomas,
             teachers_digital_trained_pct, high_quality_school, digital_school, source,
             reported_by, reported_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, now())
         ON CONFLICT (institution_id, period) DO UPDATE SET
             digital_infrastructure = EXCLUDED.digital_infrastructure,
             connected_national_platform = EXCLUDED.connected_national_platform,
             digitised_learning_records = EXCLUDED.digitised_learning_records,
             digitised_diplomas = EXCLUDED.digitised_diplomas,
             teachers_digital_trained_pct = EXCLUDED.teachers_digital_trained_pct,
             high_quality_school = EXCLUDED.high_quality_school,
             digital_school = EXCLUDED.digital_school,
             source = EXCLUDED.source,
             reported_by = EXCLUDED.reported_by,
             reported_at = EXCLUDED.reported_at,
             reviewed_by = NULL,
             reviewed_at = NULL",
    )
    .bind(id.as_str())
    .bind(period.year())
    .bind(figures.digital_infrastructure)
    .bind(figures.connected_national_platform)
    .bind(figures.digitised_learning_records)
    .bind(figures.digitised_diplomas)
    .bind(figures.teachers_digital_trained_pct)
    .bind(figures.high_quality_school)
    .bind(figures.digital_school)
    .bind(&figures.source)
    .bind(account)
    .execute(&mut *tx)
    .await
    .map_err(|e| super::refused("report", e, CONTEXT))?;
    let after = one_report(&mut tx, id, period, false)
        .await?
        .ok_or_else(|| StoreError::Corrupt("a report vanished as it was written".into()))?;
    let period_text = period.to_string();
    audit::append(
        &mut tx,
        actor,
        "report.submit",
        Some(id.as_str()),
        Some(&period_text),
        &changes(before.as_ref(), &after),
    )
    .await?;
    tx.commit().await.map_err(StoreError::db(CONTEXT))?;
    Ok(after)
}

/// Marks a report reviewed. With `expected_version` the review applies only if the report
/// is still the submission the reviewer read ([`Report::version`]); otherwise
/// [`StoreError::Stale`] names the current one.
pub async fn review(
    pool: &PgPool,
    id: &InstitutionId,
    period: Period,
    expected_version: Option<i64>,
    actor: &Actor,
) -> Result<Report, StoreError> {
    const CONTEXT: &str = "reviewing a report";
    let account = account_of(actor)?;
    let mut tx = pool.begin().await.map_err(StoreError::db(CONTEXT))?;
    let before = one_report(&mut tx, id, period, true)
        .await?
        .ok_or_else(|| {
            StoreError::Missing(format!(
                "institution {:?} has no report for {period}",
                id.as_str()
            ))
        })?;
    if let Some(expected) = expected_version
        && expected != before.version()
    {
        return Err(StoreError::Stale {
            current: before.version(),
        });
    }
    sqlx::query(
        "UPDATE institution_reports SET reviewed_by = $3, reviewed_at = now()
         WHERE institution_id = $1 AND period = $2",
    )
    .bind(id.as_str())
    .bind(period.year())
    .bind(account)
    .execute(&mut *tx)
    .await
    .map_err(StoreError::db(CONTEXT))?;
    let after = one_report(&mut tx, id, period, false)
        .await?
        .ok_or_else(|| StoreError::Corrupt("a report vanished as it was reviewed".into()))?;
    let period_text = period.to_string();
    audit::append(
        &mut tx,
        actor,
        "report.review",
        Some(id.as_str()),
        Some(&period_text),
        &changes(Some(&before), &after),
    )
    .await?;
    tx.commit().await.map_err(StoreError::db(CONTEXT))?;
    Ok(after)
}

/// An institution's reports, newest period first; `None` when there is no such
/// institution (a retired one's reports are still listed).
pub async fn reports_of_institution(
    pool: &PgPool,
    id: &InstitutionId,
) -> Result<Option<Vec<Report>>, StoreError> {
    const CONTEXT: &str = "reading an institution's reports";
    let exists: Option<i32> = sqlx::query_scalar("SELECT 1 FROM institutions WHERE id = $1")
        .bind(id.as_str())
        .fetch_optional(pool)
        .await
        .map_err(StoreError::db(CONTEXT))?;
    if exists.is_none() {
        return Ok(None);
    }
    let rows = sqlx::query_as::<_, ReportRow>(sqlx::AssertSqlSafe(format!(
        "SELECT {REPORT_COLUMNS} FROM institution_reports r {REPORT_JOINS}
         WHERE r.institution_id = $1 ORDER BY r.period DESC"
    )))
    .bind(id.as_str())
    .fetch_all(pool)
    .await
    .map_err(StoreError::db(CONTEXT))?;
    reports(rows).map(Some)
}

/// Every report of a period, for the indicators.
pub async fn reports_of_period(pool: &PgPool, period: Period) -> Result<Vec<Report>, StoreError> {
    let rows = sqlx::query_as::<_, ReportRow>(sqlx::AssertSqlSafe(format!(
        "SELECT {REPORT_COLUMNS} FROM institution_reports r {REPORT_JOINS}
         WHERE r.period = $1 ORDER BY r.institution_id"
    )))
    .bind(period.year())
    .fetch_all(pool)
    .await
    .map_err(StoreError::db("reading a period's reports"))?;
    reports(rows)
}

/// One institution on the map and where its report for the period stands.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PeriodEntry {
    pub institution_id: String,
    pub name_vi: String,
    pub kind: String,
    pub district_pre2025: Option<String>,
    pub commune_2025: Option<String>,
    pub status: ReportStatus,
    pub report: Option<Report>,
}

#[derive(sqlx::FromRow)]
struct EntryRow {
    id: String,
    name_vi: String,
    kind: String,
    district_pre2025: Option<String>,
    commune_2025: Option<String>,
    #[sqlx(flatten)]
    report: ReportRow,
}

/// The institutions on the map with their status for the period (only those of `status`
/// when given), by id: at most `limit`, those after the id `after` when given.
pub async fn period_entries(
    pool: &PgPool,
    period: Period,
    status: Option<ReportStatus>,
    after: Option<&str>,
    limit: i64,
) -> Result<Vec<PeriodEntry>, StoreError> {
    let rows = sqlx::query_as::<_, EntryRow>(sqlx::AssertSqlSafe(format!(
        "SELECT i.id, i.name_vi, i.kind, i.district_pre2025, i.commune_2025, {REPORT_COLUMNS}
         FROM institutions i
         LEFT JOIN institution_reports r ON r.institution_id = i.id AND r.period = $1
         {REPORT_JOINS}
         WHERE i.retired_at IS NULL
           AND ($2::text IS NULL OR $2 = CASE WHEN r.institution_id IS NULL THEN 'missing'
                                              WHEN r.reviewed_at IS NULL THEN 'reported'
                                              ELSE 'reviewed' END)
           AND ($3::text IS NULL OR i.id > $3)
         ORDER BY i.id
         LIMIT $4"
    )))
    .bind(period.year())
    .bind(status.map(|s| s.as_str()))
    .bind(after)
    .bind(limit)
    .fetch_all(pool)
    .await
    .map_err(StoreError::db("listing a period's reports"))?;
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let report = row.report.into_report()?;
        out.push(PeriodEntry {
            institution_id: row.id,
            name_vi: row.name_vi,
            kind: row.kind,
            district_pre2025: row.district_pre2025,
            commune_2025: row.commune_2025,
            status: report
                .as_ref()
                .map_or(ReportStatus::Missing, Report::status),
            report,
        });
    }
    Ok(out)
}

/// How many institutions on the map are at each status for the period.
pub async fn period_counts(pool: &PgPool, period: Period) -> Result<StatusCounts, StoreError> {
    let (missing, reported, reviewed): (i64, i64, i64) = sqlx::query_as(
        "SELECT count(*) FILTER (WHERE r.institution_id IS NULL),
                count(*) FILTER (WHERE r.institution_id IS NOT NULL AND r.reviewed_at IS NULL),
                count(*) FILTER (WHERE r.reviewed_at IS NOT NULL)
         FROM institutions i
         LEFT JOIN institution_reports r ON r.institution_id = i.id AND r.period = $1
         WHERE i.retired_at IS NULL",
    )
    .bind(period.year())
    .fetch_one(pool)
    .await
    .map_err(StoreError::db("counting a period's reports"))?;
    Ok(StatusCounts {
        missing,
        reported,
        reviewed,
    })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct StatusCounts {
    pub missing: i64,
    pub reported: i64,
    pub reviewed: i64,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(pct: Option<f64>, reviewed: bool) -> Report {
        Report {
            institution_id: InstitutionId::parse("cd-a").unwrap(),
            period: Period::stored(2025),
            figures: PlanReport {
                digital_infrastructure: Some(true),
                connected_national_platform: None,
                digitised_learning_records: None,
                digitised_diplomas: None,
                teachers_digital_trained_pct: pct,
                high_quality_school: None,
                digital_school: None,
                source: "Báo cáo".into(),
            },
            reported_by: "truong.a".into(),
            reported_at: DateTime::from_timestamp(1_750_000_000, 0).unwrap(),
            reviewed_by: reviewed.then(|| "so.a".into()),
            reviewed_at: reviewed.then(|| DateTime::from_timestamp(1_750_000_100, 0).unwrap()),
        }
    }

    #[test]
    fn a_first_submission_records_the_known_figures_from_null() {
        let c = changes(None, &report(Some(40.0), false));
        assert_eq!(
            c,
            json!({
                "digital_infrastructure": {"before": null, "after": true},
                "teachers_digital_trained_pct": {"before": null, "after": 40.0},
                "source": {"before": null, "after": "Báo cáo"},
            })
        );
    }

    #[test]
    fn a_resubmission_records_the_changed_figures_and_the_cleared_review() {
        let c = changes(Some(&report(Some(40.0), true)), &report(Some(55.0), false));
        let keys: Vec<&String> = c.as_object().unwrap().keys().collect();
        assert_eq!(
            keys,
            ["teachers_digital_trained_pct", "reviewed_by", "reviewed_at"]
        );
        assert_eq!(c["reviewed_by"], json!({"before": "so.a", "after": null}));
    }
}

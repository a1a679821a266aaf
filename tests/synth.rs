//! Synthetic networks through PostGIS: the COPY path writes exactly what `generate` made.

mod common;

use common::TestDb;
use vetmap::store::pg;

#[tokio::test]
async fn a_synthetic_network_copied_into_postgis_loads_back_unchanged() {
    let db = TestDb::create().await;
    let pool = db.pool().await;
    let generated = vetmap::synth::generate(500, 9);
    let foreign_keys = |pool: sqlx::PgPool| async move {
        sqlx::query_as::<_, (String, String)>(
            "SELECT conname::text, pg_get_constraintdef(oid) FROM pg_constraint
             WHERE contype = 'f' AND conrelid::regclass::text IN ('institutions', 'programmes')
             ORDER BY 1",
        )
        .fetch_all(&pool)
        .await
        .expect("catalogue")
    };
    let before = foreign_keys(pool.clone()).await;
    assert!(before.len() >= 7, "the schema's foreign keys: {before:?}");
    pg::copy_dataset(&pool, &generated).await.expect("copy");
    // The copy sets foreign keys aside and checks them at the end: they are all back.
    assert_eq!(foreign_keys(pool.clone()).await, before);
    let mut loaded = pg::load_dataset(&pool).await.expect("load");
    loaded.institutions.sort_by(|a, b| a.id.cmp(&b.id));
    assert_eq!(loaded.institutions, generated.institutions);
    assert_eq!(loaded.occupations.len(), generated.occupations.len());
    assert_eq!(loaded.areas.len(), generated.areas.len());
}

#[tokio::test]
async fn copying_the_same_network_twice_writes_nothing_the_second_time() {
    let db = TestDb::create().await;
    let pool = db.pool().await;
    let generated = vetmap::synth::generate(50, 2);
    pg::copy_dataset(&pool, &generated)
        .await
        .expect("first copy");
    let version = pg::data_version(&pool).await.expect("version");
    assert!(pg::copy_dataset(&pool, &generated).await.is_err());
    assert_eq!(pg::data_version(&pool).await.expect("version"), version);
}

/// A value the model refuses (here a kind the schema's check no longer guards) fails the
/// load and names the column; the copy it cut short leaves the pool's connections
/// usable, so the next load (the value mended) succeeds on the same pool.
#[tokio::test]
async fn a_refused_value_fails_the_load_by_column_and_the_next_load_succeeds() {
    let db = TestDb::create().await;
    let pool = db.pool().await;
    let generated = vetmap::synth::generate(400, 4);
    pg::copy_dataset(&pool, &generated).await.expect("copy");
    let middle = generated.institutions[200].id.as_str().to_owned();
    for statement in [
        "ALTER TABLE institutions DROP CONSTRAINT institutions_kind_check".to_owned(),
        format!("UPDATE institutions SET kind = 'castle' WHERE id = '{middle}'"),
    ] {
        sqlx::query(sqlx::AssertSqlSafe(statement))
            .execute(&pool)
            .await
            .expect("setting up the refused value");
    }
    let refused = pg::load_dataset(&pool)
        .await
        .expect_err("a kind the model refuses");
    let message = refused.to_string();
    assert!(
        message.contains("kind") && message.contains("castle"),
        "{message}"
    );

    // Both connections of the pool served the failed load; each answers again.
    for _ in 0..4 {
        pg::data_version(&pool)
            .await
            .expect("the version, after the failed load");
    }
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "UPDATE institutions SET kind = 'college' WHERE id = '{middle}'"
    )))
    .execute(&pool)
    .await
    .expect("mending the value");
    let loaded = pg::load_dataset(&pool)
        .await
        .expect("the load, once mended");
    assert_eq!(loaded.institutions.len(), generated.institutions.len());
}

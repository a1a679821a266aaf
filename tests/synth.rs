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

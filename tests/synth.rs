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

/// Under a collation that passes over dashes (ICU's `ka-shifted`, as glibc's en_US
/// does), ids are not in byte order: every institution still gets its own programmes.
#[tokio::test]
async fn under_a_collation_other_than_byte_order_each_institution_keeps_its_programmes() {
    let db = TestDb::create_with(
        "TEMPLATE template0 LOCALE_PROVIDER icu ICU_LOCALE 'en-US-u-ka-shifted'",
    )
    .await;
    let pool = db.pool().await;
    pg::copy_dataset(&pool, &vetmap::synth::generate(40, 6))
        .await
        .expect("copy");
    // Copies of the first twenty without the dash: "syn0000003" sorts beside
    // "syn-0000003" here, in bytes after every dashed id. One connection: the copies
    // are temporary tables.
    let mut conn = pool.acquire().await.expect("a connection");
    for table in ["institutions", "programmes"] {
        let id = if table == "institutions" {
            "id"
        } else {
            "institution_id"
        };
        for statement in [
            format!(
                "CREATE TEMP TABLE copied AS SELECT * FROM {table} WHERE {id} <= 'syn-0000020'"
            ),
            format!("UPDATE copied SET {id} = replace({id}, 'syn-', 'syn')"),
            format!("INSERT INTO {table} SELECT * FROM copied"),
            "DROP TABLE copied".to_owned(),
        ] {
            sqlx::query(sqlx::AssertSqlSafe(statement))
                .execute(&mut *conn)
                .await
                .expect("copying without dashes");
        }
    }
    // Groups the merge must pass over: retired institutions' (their programmes stay in
    // the database) and institutions without a group.
    for statement in [
        "UPDATE institutions SET retired_at = now(), retired_reason = 'closed'
         WHERE id IN ('syn0000003', 'syn-0000007', 'syn0000012')",
        "DELETE FROM programmes WHERE institution_id IN ('syn0000005', 'syn-0000009')",
    ] {
        sqlx::query(statement)
            .execute(&mut *conn)
            .await
            .expect("retiring and emptying");
    }
    drop(conn);
    let ordered: Vec<String> =
        sqlx::query_scalar("SELECT id FROM institutions WHERE retired_at IS NULL ORDER BY id")
            .fetch_all(&pool)
            .await
            .expect("ids");
    assert!(!ordered.is_sorted(), "the collation orders ids as bytes do");

    let stored: std::collections::BTreeMap<String, Vec<String>> = sqlx::query_as(
        "SELECT institution_id, array_agg(occupation_code ORDER BY ordinal)
         FROM programmes GROUP BY institution_id",
    )
    .fetch_all(&pool)
    .await
    .expect("programmes")
    .into_iter()
    .collect();
    let loaded = pg::load_dataset(&pool).await.expect("load");
    assert_eq!(loaded.institutions.len(), 57);
    for inst in &loaded.institutions {
        let id = inst.id.as_str();
        let codes: Vec<String> = inst
            .programmes
            .iter()
            .map(|p| p.occupation_code().as_str().to_owned())
            .collect();
        assert_eq!(codes, stored.get(id).cloned().unwrap_or_default(), "{id}");
    }
    assert!(stored.values().any(|codes| !codes.is_empty()));
}

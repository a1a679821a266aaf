//! `vetmap import` and `vetmap export`: all-or-nothing imports with errors a person can
//! act on, and exports that import back without loss.

mod common;

use std::path::Path;
use std::process::Command;

use common::{TestDb, repo_path, scratch_dir};
use vetmap::store::files::{self, ExportFormat};
use vetmap::store::{StoreError, pg};

fn vetmap(args: &[&str], database_url: Option<&str>) -> std::process::Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_vetmap"));
    cmd.args(args)
        .env_remove("DATABASE_URL")
        .env("RUST_LOG", "warn");
    if let Some(url) = database_url {
        cmd.env("DATABASE_URL", url);
    }
    cmd.output().expect("vetmap runs")
}

fn read(p: &Path) -> Vec<u8> {
    std::fs::read(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

#[tokio::test]
async fn an_import_with_one_bad_record_changes_nothing_and_names_the_record_and_field() {
    let db = TestDb::create().await;
    db.import_dir(&repo_path("data")).await;
    let pool = db.pool().await;
    let before = pg::load_dataset(&pool).await.unwrap();

    // A CSV export, edited: every row renamed (valid), and one row with a bad kind.
    let dir = scratch_dir("bad-import");
    files::write_dataset(&before, &dir, ExportFormat::Csv).unwrap();
    let csv_path = dir.join("institutions.csv");
    let text = String::from_utf8(read(&csv_path)).unwrap();
    let mut lines: Vec<String> = text
        .lines()
        .map(|l| l.replace("Trường", "Trường Mới"))
        .collect();
    lines[4] = lines[4]
        .replace(",gdnn_gdtx_centre,", ",castle,")
        .replace(",college,", ",castle,");
    assert!(lines[4].contains(",castle,"), "fixture row changed");
    std::fs::write(&csv_path, lines.join("\n")).unwrap();

    let out = vetmap(&["import", csv_path.to_str().unwrap()], Some(&db.url));
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("institutions.csv line 5"), "{stderr}");
    assert!(stderr.contains("field kind"), "{stderr}");
    assert!(stderr.contains("castle"), "{stderr}");

    let after = pg::load_dataset(&pool).await.unwrap();
    assert_eq!(before.institutions, after.institutions);
    assert_eq!(before.version, after.version, "nothing was committed");
}

#[tokio::test]
async fn a_record_the_database_refuses_is_reported_at_its_line_and_nothing_is_written() {
    let db = TestDb::create().await;
    db.import_dir(&repo_path("data")).await;
    let pool = db.pool().await;
    let before = pg::load_dataset(&pool).await.unwrap();

    let dir = scratch_dir("fk-import");
    files::write_dataset(&before, &dir, ExportFormat::Csv).unwrap();
    let csv_path = dir.join("institutions.csv");
    let text = String::from_utf8(read(&csv_path)).unwrap();
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    // Line 3: a district code of the right form that no area has.
    lines[2] = lines[2].replacen(",842,", ",899,", 1);
    assert!(lines[2].contains(",899,"));
    // Line 4: a valid change that must not survive the failed import.
    lines[3] = lines[3].replace("Trường", "Đổi Tên");
    std::fs::write(&csv_path, lines.join("\n")).unwrap();

    let batch = files::read_file(&csv_path, None).unwrap();
    let err = pg::import_batches(&pool, vec![batch]).await.unwrap_err();
    let StoreError::Invalid(errors) = err else {
        panic!("expected a data error, got {err}")
    };
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0].location.as_ref().unwrap().position, "line 3");
    assert_eq!(errors[0].field.as_deref(), Some("district_pre2025"));

    let after = pg::load_dataset(&pool).await.unwrap();
    assert_eq!(before.institutions, after.institutions);
}

#[tokio::test]
async fn a_file_the_database_refuses_row_after_row_lists_the_first_hundred_and_stops() {
    let db = TestDb::create().await;
    db.import_dir(&repo_path("data")).await;
    let pool = db.pool().await;
    let dir = scratch_dir("many-refusals");
    let path = dir.join("programmes.csv");
    let mut text =
        String::from("institution_id,occupation_code,occupation_name,level,annual_quota\n");
    for n in 0..400 {
        // Well formed, so the reader lets it through; no such institution, so the
        // database refuses every row.
        text.push_str(&format!(
            "khong-co-{n},6480201,Công nghệ thông tin,college,40\n"
        ));
    }
    std::fs::write(&path, text).unwrap();
    let batch = files::read_file(&path, None).unwrap();
    let err = pg::import_batches(&pool, vec![batch]).await.unwrap_err();
    let StoreError::Invalid(errors) = err else {
        panic!("expected a data error, got {err}")
    };
    let max = files::MAX_LISTED_PROBLEMS;
    assert_eq!(errors.len(), max + 1, "the first {max} and a closing entry");
    assert_eq!(errors[0].location.as_ref().unwrap().position, "line 2");
    assert!(
        errors[max].message.contains("checking stopped"),
        "{}",
        errors[max]
    );
    let count: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM programmes WHERE institution_id LIKE 'khong-co-%'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(count, 0);
}

#[tokio::test]
async fn export_then_import_round_trips_byte_for_byte_in_both_formats() {
    let db = TestDb::create().await;
    let url = db.url.clone();
    let out = vetmap(&["import", repo_path("data").to_str().unwrap()], Some(&url));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    for format in ["geojson", "csv"] {
        let first = scratch_dir(&format!("export1-{format}"));
        let out = vetmap(
            &[
                "export",
                "--format",
                format,
                "--out",
                first.to_str().unwrap(),
            ],
            Some(&url),
        );
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );

        let db2 = TestDb::create().await;
        let out = vetmap(&["import", first.to_str().unwrap()], Some(&db2.url));
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let second = scratch_dir(&format!("export2-{format}"));
        let out = vetmap(
            &[
                "export",
                "--format",
                format,
                "--out",
                second.to_str().unwrap(),
            ],
            Some(&db2.url),
        );
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );

        let mut names: Vec<_> = std::fs::read_dir(&first)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        names.sort();
        assert!(names.len() >= 4, "{names:?}");
        for n in names {
            assert_eq!(
                read(&first.join(&n)),
                read(&second.join(&n)),
                "{n:?} differs after a round trip"
            );
        }
        if format == "geojson" {
            // The bundled files are themselves an export: PostGIS gives them back unchanged.
            for n in [
                "institutions.geojson",
                "admin-areas.geojson",
                "occupations.csv",
                "commune-mapping.csv",
            ] {
                assert_eq!(
                    read(&first.join(n)),
                    read(&repo_path("data").join(n)),
                    "{n}"
                );
            }
        }
    }
}

#[test]
fn check_mode_validates_without_a_database_and_exports_never_include_credentials() {
    let out = vetmap(
        &["import", "--check", repo_path("data").to_str().unwrap()],
        None,
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let dir = scratch_dir("bundled-export");
    let out = vetmap(
        &[
            "export",
            "--out",
            dir.to_str().unwrap(),
            "--data-dir",
            repo_path("data").to_str().unwrap(),
        ],
        None,
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!dir.join("credentials.csv").exists());
    let all: String = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| String::from_utf8(read(&e.unwrap().path())).unwrap())
        .collect();
    assert!(
        !all.contains("Nguyễn Văn Thử"),
        "a credential holder's name leaked into an export"
    );
}

#[test]
fn import_without_a_database_says_what_is_missing() {
    let out = vetmap(&["import", repo_path("data").to_str().unwrap()], None);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("DATABASE_URL"));
}

#[test]
fn a_malformed_geojson_feature_is_named_by_number_and_field() {
    let dir = scratch_dir("bad-geojson");
    let p = dir.join("institutions.geojson");
    let text = String::from_utf8(read(&repo_path("data/institutions.geojson"))).unwrap();
    // Feature 2 loses its position.
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    let (head, tail) = lines[2].split_once("\"geometry\":").unwrap();
    let rest = &tail[tail.find("},").unwrap() + 2..];
    lines[2] = format!("{head}\"geometry\":null,{rest}");
    std::fs::write(&p, lines.join("\n")).unwrap();
    let err = files::read_file(&p, None).unwrap_err();
    let StoreError::Invalid(errors) = err else {
        panic!("expected validation errors")
    };
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0].location.as_ref().unwrap().position, "feature 2");
    assert_eq!(errors[0].field.as_deref(), Some("geometry"));
}

#[test]
fn check_mode_on_a_data_directory_finds_references_to_missing_records() {
    let dir = scratch_dir("check-references");
    for f in [
        "occupations.csv",
        "admin-areas.geojson",
        "commune-mapping.csv",
        "institutions.geojson",
        "credentials.csv",
    ] {
        std::fs::copy(repo_path("data").join(f), dir.join(f)).unwrap();
    }
    let out = vetmap(&["import", "--check", dir.to_str().unwrap()], None);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // A file alone refers to records that only the database has: not an error here.
    let out = vetmap(
        &[
            "import",
            "--check",
            dir.join("institutions.geojson").to_str().unwrap(),
        ],
        None,
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // A credential of a school that is not in the directory: valid on its own, but the
    // import would fail on it.
    let mut creds = String::from_utf8(read(&dir.join("credentials.csv"))).unwrap();
    let first = creds.lines().nth(1).unwrap().to_owned();
    let orphan = first
        .replacen("DEMO-", "DEMO-X", 1)
        .replace("cd-nghe-tra-vinh", "truong-khong-co")
        .replace("cd-y-te-tra-vinh", "truong-khong-co");
    assert!(orphan.contains("truong-khong-co"), "{orphan}");
    creds.push_str(&orphan);
    creds.push('\n');
    std::fs::write(dir.join("credentials.csv"), creds).unwrap();
    let out = vetmap(&["import", "--check", dir.to_str().unwrap()], None);
    assert!(!out.status.success());
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(
        said.contains("institution_id") && said.contains("truong-khong-co"),
        "{said}"
    );
}

//! CSV files: the dataset's own headers with rows that fit or do not, wrong and missing
//! columns, quotes left open, BOMs, other delimiters and line ends, huge fields, many bad
//! rows, binary junk. Given to `vetmap import --check` (the built binary) and to the
//! credential upload.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use proptest::prelude::*;
use proptest::sample::select;

use crate::check::{self, Req, Target};
use crate::values::Gen;

const HEADERS: [&[&str]; 7] = [
    &[
        "serial",
        "register_no",
        "kind",
        "holder_name",
        "holder_birth_date",
        "occupation_code",
        "occupation_name",
        "institution_id",
        "graduation_year",
        "issue_date",
        "status",
        "revoked_on",
        "revocation_reason",
    ],
    &["code", "name_vi", "name_en"],
    &["old_code", "old_name", "new_code", "new_name"],
    &[
        "institution_id",
        "occupation_code",
        "level",
        "annual_capacity",
    ],
    &[
        "id",
        "name",
        "kind",
        "ownership",
        "lon",
        "lat",
        "address",
        "phone",
        "website",
    ],
    &["scheme", "code", "name", "level", "parent_code"],
    &["lon", "lat", "population"],
];

fn field() -> Gen<String> {
    prop_oneof![
        4 => select(&[
            "", "DEMO-CD 000101", "cd-nghe-tra-vinh", "college_diploma", "intermediate_diploma",
            "Nguyễn Văn Thử", "2002-03-14", "2026-02-30", "6520227", "652022", "Điện công nghiệp",
            "2024", "-1", "99999999999999999999", "valid", "revoked", "1e309", "NaN", "106.34",
            "9.93", "old", "new", "public", "private", "college", "province", "district",
        ][..])
        .prop_map(str::to_owned),
        3 => "\\PC{0,16}",
        1 => "[\",\n\r;\t]{1,6}",
        1 => (1usize..30_000).prop_map(|n| "ắ".repeat(n)),
    ]
    .boxed()
}

/// One CSV line: fields quoted as CSV quotes them, or now and then not.
fn line(columns: usize) -> Gen<String> {
    let n = columns.max(1);
    (
        proptest::collection::vec(field(), n.saturating_sub(2)..n + 3),
        proptest::bool::weighted(0.1),
    )
        .prop_map(|(fields, raw)| {
            fields
                .into_iter()
                .map(|f| {
                    if !raw && f.contains([',', '"', '\n', '\r']) {
                        format!("\"{}\"", f.replace('"', "\"\""))
                    } else {
                        f
                    }
                })
                .collect::<Vec<_>>()
                .join(",")
        })
        .boxed()
}

/// A header: one of the dataset's, shuffled, cut, doubled or made up.
fn header() -> Gen<Vec<String>> {
    let known = select(HEADERS.to_vec())
        .prop_map(|h| h.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>());
    prop_oneof![
        5 => known.clone(),
        1 => known.clone().prop_shuffle(),
        1 => (known.clone(), any::<prop::sample::Index>()).prop_map(|(mut h, i)| {
            let at = i.index(h.len());
            h.truncate(at);
            h
        }),
        1 => known.prop_map(|h| [h.clone(), h].concat()),
        1 => proptest::collection::vec("[a-z_ ]{0,10}", 0..12),
        1 => (1usize..400).prop_map(|n| (0..n).map(|i| format!("c{i}")).collect()),
    ]
    .boxed()
}

/// A CSV file's bytes.
pub fn csv_file() -> Gen<Vec<u8>> {
    let structured = header()
        .prop_flat_map(|h| {
            let n = h.len();
            (
                Just(h),
                proptest::collection::vec(line(n), 0..25),
                select(&["\n", "\r\n", "\r"][..]),
                any::<bool>(),
                select(&[",", ";", "\t", ","][..]),
            )
        })
        .prop_map(|(h, rows, eol, bom, delimiter)| {
            let mut s = String::new();
            if bom {
                s.push('\u{FEFF}');
            }
            s.push_str(&h.join(delimiter));
            for r in rows {
                s.push_str(eol);
                s.push_str(&r);
            }
            s.into_bytes()
        });
    let many_bad_rows = (1usize..3_000).prop_map(|n| {
        let mut s = HEADERS[0].join(",");
        s.push_str(&"\nx,y,z".repeat(n));
        s.into_bytes()
    });
    let huge_field = (1usize..400_000)
        .prop_map(|n| format!("{}\n\"{}\",2", HEADERS[1].join(","), "x".repeat(n)).into_bytes());
    prop_oneof![
        8 => structured,
        1 => proptest::collection::vec(any::<u8>(), 0..3_000),
        1 => many_bad_rows,
        1 => huge_field,
        1 => select(&["", "\u{FEFF}", "\"", "a,b\n\"c", "serial\n\u{0}", "\n\n\n", "\"\"\"\n"][..])
            .prop_map(|s| s.as_bytes().to_vec()),
    ]
    .boxed()
}

/// Runs `vetmap import --check` on `file`, with a deadline.
fn import_check(file: &Path, kind: Option<&str>) -> Result<(), String> {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_vetmap"));
    cmd.arg("import").arg("--check").arg(file);
    if let Some(k) = kind {
        cmd.args(["--kind", k]);
    }
    let mut child = cmd
        .env_remove("DATABASE_URL")
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("vetmap does not start: {e}"))?;
    let deadline = Instant::now() + Duration::from_secs(60);
    // The pipes are read on threads, so a long error list never blocks the child.
    let mut err_pipe = child.stderr.take().expect("stderr");
    let mut out_pipe = child.stdout.take().expect("stdout");
    let err = std::thread::spawn(move || {
        let mut s = Vec::new();
        let _ = std::io::Read::read_to_end(&mut err_pipe, &mut s);
        s
    });
    let out = std::thread::spawn(move || {
        let mut s = Vec::new();
        let _ = std::io::Read::read_to_end(&mut out_pipe, &mut s);
        s
    });
    let status = loop {
        if let Some(status) = child.try_wait().map_err(|e| e.to_string())? {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            return Err("vetmap import --check ran for more than 60 s".into());
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let stderr = String::from_utf8_lossy(&err.join().unwrap_or_default()).into_owned();
    let stdout = String::from_utf8_lossy(&out.join().unwrap_or_default()).into_owned();
    if stderr.contains("panicked at") || stderr.contains("overflowed its stack") {
        return Err(format!("vetmap panicked: {}", clip(&stderr)));
    }
    match status.code() {
        None => Err(format!(
            "vetmap was killed by a signal: {status:?} {}",
            clip(&stderr)
        )),
        Some(0) if stdout.contains("valid") => Ok(()),
        Some(0) => Err(format!(
            "exit 0 without saying the records are valid: {stdout}"
        )),
        Some(_) if stderr.trim().is_empty() => Err("a failure with nothing on stderr".into()),
        Some(_) if stderr.len() > 256 * 1024 => {
            Err(format!("an unbounded error report: {} bytes", stderr.len()))
        }
        Some(_) => Ok(()),
    }
}

fn clip(s: &str) -> String {
    s.chars().take(2_000).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn import_check_refuses_junk_csv_with_a_message_and_never_panics() {
    let dir = crate::common::scratch_dir("hostile-csv");
    let strategy = || {
        let names = select(
            &[
                "credentials.csv",
                "institutions.csv",
                "programmes.csv",
                "occupations.csv",
                "commune-mapping.csv",
                "admin-areas.csv",
                "x.csv",
                "x.geojson",
                "x.txt",
            ][..],
        );
        let kinds = proptest::option::weighted(
            0.3,
            select(
                &[
                    "credentials",
                    "institutions",
                    "programmes",
                    "occupations",
                    "areas",
                    "mapping",
                    "population",
                ][..],
            ),
        );
        (csv_file(), names, kinds)
    };
    let n = std::sync::atomic::AtomicU64::new(0);
    check::run(
        "import --check",
        60,
        strategy,
        move |(bytes, name, kind)| {
            let i = n.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let case_dir = dir.join(i.to_string());
            let result = std::fs::create_dir_all(&case_dir)
                .and_then(|()| std::fs::write(case_dir.join(name), &bytes))
                .map_err(|e| e.to_string())
                .and_then(|()| import_check(&case_dir.join(name), kind));
            let _ = std::fs::remove_dir_all(&case_dir);
            async move { result }
        },
    )
    .await;
}

/// The credential upload, as an administrator (`t` carries the token): every file is
/// answered 201 or refused with the JSON body, and the server lives.
pub async fn uploads(t: &Target) {
    let strategy = || {
        (
            csv_file(),
            prop_oneof![
                6 => Just("text/csv"),
                1 => select(&["application/json", "text/plain", "", "text/csv; charset=latin1"][..]),
            ],
        )
            .prop_map(|(body, ct)| {
                let mut req = Req::get("/api/v1/credentials/batches");
                req.method = reqwest::Method::POST;
                if !ct.is_empty() {
                    req.headers.push(("content-type".into(), ct.to_owned()));
                }
                req.body = Some(body);
                req
            })
    };
    check::requests("credential uploads", 120, t, strategy).await;
}

//! The reader against hostile CSV: every input answers with problems, never a panic,
//! and the list of problems stays short however many there are.

use super::*;
use crate::store::problem_count;

const HEADER: &str = "serial,register_no,kind,holder_name,holder_birth_date,occupation_code,\
occupation_name,institution_id,graduation_year,issue_date,status,revoked_on,revocation_reason";
const GOOD: &str = "DEMO-CD 000101,DEMO/2024/CD/0101,college_diploma,Nguyễn Văn Thử,2002-03-14,\
6520227,Điện công nghiệp,cd-nghe-tra-vinh,2024,2024-07-15,valid,,";

fn read(body: &[u8]) -> Result<Batch, Vec<ImportError>> {
    read_bytes("upload.csv", body, Some(FileKind::Credentials))
}

/// A file of `bad` rows each with one problem: two fields under a wider header.
fn with_bad_rows(bad: usize) -> Vec<u8> {
    let mut s = format!("{HEADER}\n{GOOD}\n");
    for _ in 0..bad {
        s.push_str("x,y\n");
    }
    s.into_bytes()
}

#[test]
fn a_valid_upload_reads() {
    let batch = read(format!("{HEADER}\n{GOOD}\n").as_bytes()).unwrap();
    assert_eq!(batch.len(), 1);
}

#[test]
fn up_to_the_limit_every_problem_is_listed() {
    let errors = read(&with_bad_rows(MAX_LISTED_PROBLEMS)).unwrap_err();
    assert_eq!(errors.len(), MAX_LISTED_PROBLEMS);
    assert!(errors.iter().all(|e| e.unlisted == 0));
    assert_eq!(errors[0].location.as_ref().unwrap().position, "line 3");
}

#[test]
fn past_the_limit_the_first_hundred_are_listed_and_the_rest_counted() {
    let errors = read(&with_bad_rows(5000)).unwrap_err();
    assert_eq!(errors.len(), MAX_LISTED_PROBLEMS + 1);
    let last = errors.last().unwrap();
    assert_eq!(last.unlisted, 4900);
    assert!(last.message.contains("and 4900 more"), "{}", last.message);
    assert_eq!(problem_count(&errors), 5000);
    let shown = crate::store::StoreError::Invalid(errors).to_string();
    assert!(shown.starts_with("5000 problem(s)"), "{shown}");
}

#[test]
fn a_megabyte_field_is_read_and_its_problem_is_clipped() {
    let huge = "9".repeat(1 << 20);
    let body = format!("{HEADER}\n{}\n", GOOD.replace("2002-03-14", &huge));
    let errors = read(body.as_bytes()).unwrap_err();
    assert!(!errors.is_empty());
    assert!(errors.iter().all(|e| e.message.chars().count() <= 301));
    assert!(errors.iter().all(|e| e.to_string().len() < 2000));
}

#[test]
fn bad_utf8_and_an_unclosed_quote_are_problems_at_their_lines() {
    let mut body = format!("{HEADER}\n{GOOD}\n").into_bytes();
    body.extend_from_slice(b"\xff\xfe,");
    body.extend_from_slice(&GOOD.as_bytes()[3..]);
    body.extend_from_slice(b"\n\"never closed,");
    body.extend_from_slice(&vec![b'a'; 100_000]);
    let errors = read(&body).unwrap_err();
    let at: Vec<&str> = errors
        .iter()
        .map(|e| e.location.as_ref().unwrap().position.as_str())
        .collect();
    assert_eq!(at, ["line 3", "line 4"], "{errors:?}");
}

#[test]
fn a_header_of_too_many_columns_is_refused_at_line_1() {
    let wide = |n: usize| {
        let names: Vec<String> = (0..n).map(|i| format!("c{i}")).collect();
        format!("{}\n{}\n", names.join(","), vec![""; n].join(","))
    };
    // At the limit the columns are read (and are unknown fields, one problem each).
    let errors = read(wide(MAX_CSV_COLUMNS).as_bytes()).unwrap_err();
    assert_ne!(errors[0].location.as_ref().unwrap().position, "line 1");
    let errors = read(wide(MAX_CSV_COLUMNS + 1).as_bytes()).unwrap_err();
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].location.as_ref().unwrap().position, "line 1");
    assert!(errors[0].message.contains("256"), "{}", errors[0].message);
}

#[test]
fn garbage_of_every_kind_answers_problems_not_panics() {
    for body in [
        &b""[..],
        b"\n\n\n",
        b"\"",
        b",,,,\n,,,,",
        b"\xef\xbb\xbf",
        b"serial\n\xff",
        b"a\rb\rc",
        b"\0\0\0\0",
    ] {
        let _ = read(body);
        let _ = read_bytes("x.csv", body, None);
        let _ = read_bytes("x.geojson", body, None);
    }
}

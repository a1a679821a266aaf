use super::*;
use crate::store::pg::records::Fields;

/// A field as the server writes it: its length, then its bytes; `None` is NULL.
fn field(out: &mut Vec<u8>, value: Option<&[u8]>) {
    match value {
        None => out.extend_from_slice(&(-1i32).to_be_bytes()),
        Some(v) => {
            out.extend_from_slice(&(v.len() as i32).to_be_bytes());
            out.extend_from_slice(v);
        }
    }
}

fn header(flags: u32, extension: &[u8]) -> Vec<u8> {
    let mut out = SIGNATURE.to_vec();
    out.extend_from_slice(&flags.to_be_bytes());
    out.extend_from_slice(&(extension.len() as u32).to_be_bytes());
    out.extend_from_slice(extension);
    out
}

fn row(out: &mut Vec<u8>, fields: &[Option<&[u8]>]) {
    out.extend_from_slice(&(fields.len() as i16).to_be_bytes());
    for f in fields {
        field(out, *f);
    }
}

fn trailer(out: &mut Vec<u8>) {
    out.extend_from_slice(&(-1i16).to_be_bytes());
}

/// Two rows of (text, float8, boolean, int4, int8, timestamptz), the second all NULL.
fn sample() -> Vec<u8> {
    let mut out = header(0, b"ext");
    let micros: i64 = 86_400 * 1_000_000 + 250; // 2000-01-02 00:00:00.000250 UTC
    row(
        &mut out,
        &[
            Some("Trường Cao đẳng Trà Vinh".as_bytes()),
            Some(&106.342_5f64.to_be_bytes()),
            Some(&[1]),
            Some(&(-7i32).to_be_bytes()),
            Some(&9_000_000_000i64.to_be_bytes()),
            Some(&micros.to_be_bytes()),
        ],
    );
    row(&mut out, &[None; 6]);
    trailer(&mut out);
    out
}

/// The columns of [`sample`]: the first is text.
const SAMPLE: Columns = Columns {
    names: &["name", "lon", "flag", "quota", "version", "updated_at"],
    text: 1,
};

type Decoded = (
    Option<String>,
    Option<f64>,
    Option<bool>,
    Option<i32>,
    Option<i64>,
    Option<DateTime<Utc>>,
);

fn decode(r: &CopiedRow<'_>) -> Result<Decoded, StoreError> {
    Ok((
        r.text(0, "name")?.map(str::to_owned),
        r.float8(1, "lon")?,
        r.boolean(2, "flag")?,
        r.int4(3, "quota")?,
        r.int8(4, "version")?,
        r.timestamptz(5, "updated_at")?,
    ))
}

/// Feeds `bytes` in chunks of `size` and collects the decoded rows.
fn read_in_chunks(bytes: &[u8], size: usize) -> Result<Vec<Decoded>, StoreError> {
    let mut seen = Vec::new();
    let mut reader = CopyReader::new(SAMPLE, |r: &CopiedRow<'_>| {
        seen.push(decode(r)?);
        Ok(())
    })?;
    for chunk in bytes.chunks(size) {
        reader.feed(chunk)?;
    }
    let rows = reader.finish()?;
    assert_eq!(rows as usize, seen.len());
    Ok(seen)
}

fn message(e: StoreError) -> String {
    match e {
        StoreError::Corrupt(m) => m,
        other => panic!("expected a corrupt-data error, got {other}"),
    }
}

#[test]
fn each_type_reads_back_its_value_and_null_reads_none() {
    let rows = read_in_chunks(&sample(), usize::MAX).unwrap();
    assert_eq!(rows.len(), 2);
    let (name, lon, flag, quota, version, at) = rows[0].clone();
    assert_eq!(name.as_deref(), Some("Trường Cao đẳng Trà Vinh"));
    assert_eq!(lon, Some(106.342_5));
    assert_eq!(flag, Some(true));
    assert_eq!(quota, Some(-7));
    assert_eq!(version, Some(9_000_000_000));
    assert_eq!(
        at.map(|t| t.to_rfc3339()),
        Some("2000-01-02T00:00:00.000250+00:00".to_owned())
    );
    assert_eq!(rows[1], (None, None, None, None, None, None));
}

#[test]
fn rows_split_across_chunks_anywhere_read_the_same() {
    let bytes = sample();
    let whole = read_in_chunks(&bytes, usize::MAX).unwrap();
    for size in [1, 2, 3, 5, 7, 19, 20, 64] {
        assert_eq!(
            read_in_chunks(&bytes, size).unwrap(),
            whole,
            "chunks of {size}"
        );
    }
}

#[test]
fn a_copy_cut_short_or_running_on_is_refused() {
    let bytes = sample();
    // Without the trailer, or cut inside a row.
    for cut in [bytes.len() - 2, bytes.len() - 5, HEADER_LEN + 3] {
        let e = read_in_chunks(&bytes[..cut], 4).unwrap_err();
        assert!(message(e).contains("before its trailer"), "cut at {cut}");
    }
    let mut longer = bytes.clone();
    longer.extend_from_slice(&[0, 6]);
    assert!(message(read_in_chunks(&longer, usize::MAX).unwrap_err()).contains("after"));
}

#[test]
fn a_wrong_header_or_field_count_is_refused() {
    let mut unsigned = sample();
    unsigned[0] = b'X';
    assert!(message(read_in_chunks(&unsigned, usize::MAX).unwrap_err()).contains("signature"));

    let mut with_oids = header(1 << 16, b"");
    trailer(&mut with_oids);
    assert!(message(read_in_chunks(&with_oids, usize::MAX).unwrap_err()).contains("flags"));

    let mut short_row = header(0, b"");
    row(&mut short_row, &[None; 5]);
    trailer(&mut short_row);
    assert!(message(read_in_chunks(&short_row, usize::MAX).unwrap_err()).contains("5 fields"));

    let mut negative = header(0, b"");
    negative.extend_from_slice(&6i16.to_be_bytes());
    negative.extend_from_slice(&(-2i32).to_be_bytes());
    assert!(message(read_in_chunks(&negative, usize::MAX).unwrap_err()).contains("length -2"));

    let too_many = Columns {
        names: &[""; MAX_COLUMNS + 1],
        text: 0,
    };
    assert!(CopyReader::new(too_many, |_: &CopiedRow<'_>| Ok(())).is_err());
}

#[test]
fn a_value_of_the_wrong_width_names_its_column() {
    let mut bytes = header(0, b"");
    row(
        &mut bytes,
        &[None, Some(&1.5f32.to_be_bytes()), None, None, None, None],
    );
    trailer(&mut bytes);
    let e = message(read_in_chunks(&bytes, usize::MAX).unwrap_err());
    assert!(e.contains("lon") && e.contains("4 bytes"), "{e}");

    let mut bad_text = header(0, b"");
    row(
        &mut bad_text,
        &[Some(&[0xff, 0xfe]), None, None, None, None, None],
    );
    trailer(&mut bad_text);
    assert!(message(read_in_chunks(&bad_text, usize::MAX).unwrap_err()).starts_with("name"));
}

#[test]
fn an_error_of_the_caller_stops_the_read_at_that_row() {
    let mut calls = 0;
    let mut reader = CopyReader::new(SAMPLE, |_: &CopiedRow<'_>| {
        calls += 1;
        Err(StoreError::Corrupt("refused by the caller".into()))
    })
    .unwrap();
    let e = reader.feed(&sample()).unwrap_err();
    assert_eq!(message(e), "refused by the caller");
    drop(reader);
    assert_eq!(calls, 1);
}

/// Rows of (text, text, int4, text, text), the last text column read as any other.
const MIXED: Columns = Columns {
    names: &["id", "name", "quota", "address", "note"],
    text: 0b1011,
};

fn read_mixed(rows: &[[Option<&[u8]>; 5]]) -> Result<Vec<[Option<String>; 4]>, StoreError> {
    let mut bytes = header(0, b"");
    for r in rows {
        row(&mut bytes, r);
    }
    trailer(&mut bytes);
    let mut seen = Vec::new();
    let mut reader = CopyReader::new(MIXED, |r: &CopiedRow<'_>| {
        let text = |i: usize| -> Result<Option<String>, StoreError> {
            Ok(r.text(i, MIXED.names[i])?.map(str::to_owned))
        };
        seen.push([text(0)?, text(1)?, text(3)?, text(4)?]);
        Ok(())
    })?;
    reader.feed(&bytes)?;
    reader.finish()?;
    Ok(seen)
}

#[test]
fn the_text_fields_of_a_row_checked_together_read_back_each_its_own() {
    let quota = 7i32.to_be_bytes();
    let long = "Trường Trung cấp Nghề Trà Vinh, khóm 4, phường 5, thành phố Trà Vinh".repeat(3);
    let rows = [
        [
            Some("tra-vinh-1".as_bytes()),
            Some("Cao đẳng".as_bytes()),
            Some(&quota[..]),
            Some(long.as_bytes()),
            Some("ghi chú".as_bytes()),
        ],
        [
            Some(b"".as_slice()),
            None,
            None,
            Some("Cầu Kè".as_bytes()),
            None,
        ],
    ];
    let read = read_mixed(&rows).unwrap();
    let owned = |s: &str| Some(s.to_owned());
    assert_eq!(
        read,
        vec![
            [
                owned("tra-vinh-1"),
                owned("Cao đẳng"),
                owned(&long),
                owned("ghi chú")
            ],
            [owned(""), None, owned("Cầu Kè"), None],
        ]
    );
}

#[test]
fn text_that_is_not_utf8_is_refused_naming_its_field_even_when_the_row_joined_would_pass() {
    let long_ok = "Trà Vinh ".repeat(10);
    // Invalid on its own, among long text (the SIMD check) and short (the scalar one).
    for (other, bad) in [
        (long_ok.as_bytes(), &b"ab\xffcd"[..]),
        (b"x".as_slice(), &b"\xe0\x80"[..]),
    ] {
        let rows = [[Some(other), Some(bad), None, None, None]];
        let e = message(read_mixed(&rows).unwrap_err());
        assert!(e.starts_with("name"), "{e}");
    }
    // A character split between two fields: the two joined are UTF-8 ("à"), neither
    // alone is.
    let rows = [[
        Some(b"a\xc3".as_slice()),
        Some(b"\xa0b".as_slice()),
        None,
        None,
        None,
    ]];
    let e = message(read_mixed(&rows).unwrap_err());
    assert!(e.starts_with("id"), "{e}");
    // The text column read on its own is checked on its own.
    let rows = [[None, None, None, None, Some(b"\xc3".as_slice())]];
    let e = message(read_mixed(&rows).unwrap_err());
    assert!(e.starts_with("note"), "{e}");
}

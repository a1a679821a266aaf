use super::*;

fn meta(n: usize) -> SnapshotMeta {
    SnapshotMeta {
        change_seq: 42,
        version: "db-7".into(),
        database: "16384/vetmap/2026-01-01".into(),
        institutions: n as u64,
    }
}

#[test]
fn a_snapshot_reads_back_the_institutions_it_was_written_with() {
    let mut data = crate::synth::generate(300, 5);
    data.institutions.sort_by(|a, b| a.id.cmp(&b.id));
    // Fields synth leaves empty, so the round trip covers them too.
    data.institutions[0].text = crate::model::InstitutionText::new(crate::model::TextFields {
        phone: Some("0294 3855 246"),
        ..data.institutions[0].text.fields()
    })
    .unwrap();
    std::sync::Arc::make_mut(&mut data.institutions[0].readiness).teachers_digital_trained_pct =
        Some(37.5);
    data.institutions[0].version = 9;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("var/dataset.snapshot");
    let search = b"the search section, opaque here".as_slice();
    let bytes = write(&path, &meta(300), data.institutions.iter(), &[search]).unwrap();
    assert_eq!(bytes, std::fs::metadata(&path).unwrap().len());
    let loaded = read(&path).unwrap();
    assert_eq!(loaded.meta, meta(300));
    assert_eq!(loaded.search_section(), Some(search));
    let back = loaded.institutions().unwrap();
    assert_eq!(back, data.institutions);
    // Shared text stays shared: one allocation per distinct source.
    assert!(crate::model::SharedText::ptr_eq(
        &back[0].source,
        &back[1].source
    ));
    // Nothing but the snapshot is left in the directory (the temporary file was renamed).
    let names: Vec<_> = std::fs::read_dir(path.parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, vec![std::ffi::OsString::from("dataset.snapshot")]);
}

#[test]
fn many_chunks_come_back_in_order() {
    let mut data = crate::synth::generate(CHUNK + 10, 2);
    data.institutions.sort_by(|a, b| a.id.cmp(&b.id));
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s");
    write(&path, &meta(CHUNK + 10), data.institutions.iter(), &[]).unwrap();
    let loaded = read(&path).unwrap();
    assert_eq!(loaded.search_section(), None);
    let back = loaded.institutions().unwrap();
    assert_eq!(back.len(), CHUNK + 10);
    assert!(
        back.iter()
            .zip(&data.institutions)
            .all(|(a, b)| a.id == b.id)
    );
}

#[test]
fn a_damaged_or_foreign_file_is_refused_not_misread() {
    let data = crate::synth::generate(50, 1);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s");
    write(&path, &meta(50), data.institutions.iter(), &[b"search"]).unwrap();
    let good = std::fs::read(&path).unwrap();

    assert_eq!(read_meta(&path).unwrap(), meta(50));

    let mut flipped = good.clone();
    let at = flipped.len() / 2;
    flipped[at] ^= 0x20;
    std::fs::write(&path, &flipped).unwrap();
    assert!(matches!(read(&path), Err(SnapshotError::Corrupt { .. })));
    // The head alone is not checked: what it says is read, the whole is refused above.
    assert_eq!(read_meta(&path).unwrap(), meta(50));
    std::fs::write(&path, &good[..30]).unwrap();
    assert!(matches!(
        read_meta(&path),
        Err(SnapshotError::Corrupt { .. })
    ));

    std::fs::write(&path, &good[..good.len() - 3]).unwrap();
    assert!(matches!(read(&path), Err(SnapshotError::Corrupt { .. })));

    let mut other_format = good.clone();
    other_format[8] = 99;
    std::fs::write(&path, &other_format).unwrap();
    assert!(matches!(read(&path), Err(SnapshotError::Format { .. })));
    assert!(matches!(
        read_meta(&path),
        Err(SnapshotError::Format { .. })
    ));

    std::fs::write(&path, b"not a snapshot at all").unwrap();
    assert!(matches!(read(&path), Err(SnapshotError::Format { .. })));
    assert!(matches!(
        read_meta(&path),
        Err(SnapshotError::Format { .. })
    ));

    assert!(matches!(
        read(&dir.path().join("missing")),
        Err(SnapshotError::Read { .. })
    ));
}

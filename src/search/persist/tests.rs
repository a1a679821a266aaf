use super::*;
use crate::index::{Delta, ServingIndex};
use crate::search::{SearchRequest, search};

fn stored_and_built(n: usize, seed: u64) -> (Vec<u8>, ServingIndex) {
    let built = ServingIndex::build(crate::synth::generate(n, seed));
    let bytes = built
        .search()
        .stored_base()
        .expect("a fresh build is its base");
    (bytes, built)
}

fn answers(index: &ServingIndex) -> Vec<Vec<crate::search::SearchHit>> {
    let near = index.institutions().iter().nth(7).map(|i| i.location);
    [
        "truong nghe",
        "cao dang ky thuat",
        "han dien",
        "tra vinh",
        "nghe c",
        "xyzzy",
    ]
    .iter()
    .flat_map(|text| {
        [false, true].map(|autocomplete| {
            search(
                index,
                &SearchRequest {
                    text,
                    near,
                    limit: 20,
                    autocomplete,
                },
            )
        })
    })
    .collect()
}

#[test]
fn a_stored_base_read_back_is_the_base_it_was_stored_from_and_answers_alike() {
    let (bytes, built) = stored_and_built(3000, 7);
    let stored = StoredBase::decode(&bytes, 3000).expect("reads back");
    let from_file = ServingIndex::build_with_search(crate::synth::generate(3000, 7), Some(stored));
    assert_eq!(
        from_file.search().stored_base().as_deref(),
        Some(bytes.as_slice()),
        "the same bytes again: every array came back as it was"
    );
    let expected = answers(&built);
    assert!(expected.iter().filter(|a| !a.is_empty()).count() >= 8);
    assert_eq!(answers(&from_file), expected);
}

#[test]
fn a_delta_on_a_stored_base_answers_as_a_fresh_build_of_the_changed_data() {
    let (bytes, built) = stored_and_built(2000, 3);
    let stored = StoredBase::decode(&bytes, 2000).unwrap();
    let mut changed = built.institutions()[10].clone();
    changed.set_name_vi("Trường Nghề Đổi Tên Sau Tệp").unwrap();
    let gone = built.institutions()[20].id.to_string();
    let delta = Delta {
        version: "after".into(),
        institutions: [
            (changed.id.to_string(), Some(changed.clone())),
            (gone.clone(), None),
        ]
        .into(),
        ..Delta::default()
    };
    let mut dataset = crate::synth::generate(2000, 3);
    let from_file = ServingIndex::build_with_search(dataset.clone(), Some(stored)).apply(delta);
    dataset.institutions.retain(|i| i.id.as_str() != gone);
    for i in &mut dataset.institutions {
        if i.id == changed.id {
            *i = changed.clone();
        }
    }
    let fresh = ServingIndex::build(dataset);
    assert_eq!(answers(&from_file), answers(&fresh).clone());
    let hits = search(
        &from_file,
        &SearchRequest {
            text: "doi ten sau tep",
            near: None,
            limit: 3,
            autocomplete: false,
        },
    );
    assert!(
        matches!(hits.first(), Some(crate::search::SearchHit::Institution { pos, .. })
            if from_file.institutions()[*pos].id == changed.id),
        "{hits:?}"
    );
}

#[test]
fn another_format_version_or_size_is_refused_by_name() {
    let (bytes, _) = stored_and_built(300, 1);
    let mut other_format = bytes.clone();
    other_format[0] ^= 0x40;
    let why = StoredBase::decode(&other_format, 300).err().unwrap();
    assert!(why.contains("format"), "{why}");
    let why = StoredBase::decode(&bytes, 299).err().unwrap();
    assert!(why.contains("for 299 institutions"), "{why}");
    // The version is the bytes after the format and its length.
    let mut other_version = bytes.clone();
    other_version[12] ^= 0x01;
    let why = StoredBase::decode(&other_version, 300).err().unwrap();
    assert!(why.contains("written by vetmap"), "{why}");
}

#[test]
fn a_damaged_section_is_refused_or_read_whole_never_a_panic() {
    let (bytes, _) = stored_and_built(300, 2);
    for cut in (0..bytes.len()).step_by(bytes.len() / 97 + 1) {
        assert!(
            StoredBase::decode(&bytes[..cut], 300).is_err(),
            "cut at {cut}"
        );
    }
    let mut flipped_refused = 0;
    let mut state = 0x9e37_79b9_7f4a_7c15_u64;
    for _ in 0..400 {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let mut damaged = bytes.clone();
        let at = (state % bytes.len() as u64) as usize;
        damaged[at] ^= 1 << (state >> 61);
        match StoredBase::decode(&damaged, 300) {
            // What decodes is safe to search (every offset and posting checked).
            Ok(stored) => {
                let index =
                    ServingIndex::build_with_search(crate::synth::generate(300, 2), Some(stored));
                answers(&index);
            }
            Err(_) => flipped_refused += 1,
        }
    }
    assert!(flipped_refused > 100, "{flipped_refused} of 400 refused");
}

#[test]
fn an_index_with_a_delta_or_new_numbering_is_not_stored() {
    let (_, built) = stored_and_built(300, 4);
    let mut changed = built.institutions()[3].clone();
    changed.set_name_vi("Đổi").unwrap();
    let after = built.apply(Delta {
        version: "v2".into(),
        institutions: [(changed.id.to_string(), Some(changed))].into(),
        ..Delta::default()
    });
    assert!(after.search().stored_base().is_none());
}

use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};

use super::*;

/// Strictly ascending documents under `docs`, about `density` of them.
fn random_list(rng: &mut StdRng, docs: u32, density: f64) -> Vec<u32> {
    (0..docs).filter(|_| rng.random_bool(density)).collect()
}

/// Terms with lists of the sizes that matter: empty, under a block, exactly one, a
/// block and a tail, many blocks sparse and dense, every document.
fn sample_terms(rng: &mut StdRng, docs: u32) -> Vec<[Vec<u32>; FIELDS]> {
    let mut terms = vec![
        [vec![], vec![], vec![]],
        [vec![0], vec![], vec![docs - 1]],
        [
            (0..128).collect(),
            (0..129).map(|d| d * 3).collect(),
            vec![],
        ],
        [
            (0..docs).collect(),
            vec![],
            (0..127).map(|d| d * 7 + 5).collect(),
        ],
    ];
    for _ in 0..40 {
        let density = [0.0005, 0.01, 0.2, 0.9][rng.random_range(0..4)];
        terms.push(std::array::from_fn(|_| random_list(rng, docs, density)));
    }
    terms
}

fn build(terms: &[[Vec<u32>; FIELDS]]) -> Postings {
    let mut b = PostingsBuilder::with_capacity(terms.len());
    for t in terms {
        b.push_term([&t[0], &t[1], &t[2]]);
    }
    b.finish()
}

/// A random generator seeded with `seed`, sample terms over `docs` documents, and
/// their postings.
fn sample(seed: u64, docs: u32) -> (StdRng, Vec<[Vec<u32>; FIELDS]>, Postings) {
    let mut rng = StdRng::seed_from_u64(seed);
    let terms = sample_terms(&mut rng, docs);
    let postings = build(&terms);
    (rng, terms, postings)
}

#[test]
fn every_list_reads_back_as_written() {
    let docs = 20_000;
    let (_, terms, postings) = sample(1, docs);
    let (bytes, term_at) = postings.parts();
    let read = Postings::from_parts(bytes.to_vec(), term_at.to_vec(), docs).expect("valid");
    for p in [&postings, &read] {
        assert_eq!(p.terms(), terms.len());
        for (t, lists) in terms.iter().enumerate() {
            for (f, want) in lists.iter().enumerate() {
                let list = p.list(t as u64, f);
                assert_eq!(list.len(), want.len(), "term {t} field {f}");
                assert_eq!(list.iter().collect::<Vec<_>>(), *want, "term {t} field {f}");
            }
        }
    }
}

#[test]
fn terms_written_by_two_builders_and_appended_are_those_one_builder_writes() {
    let (_, terms, whole) = sample(5, 5_000);
    for split in [0, 1, terms.len() / 2, terms.len() - 1, terms.len()] {
        let mut head = PostingsBuilder::with_capacity(split);
        let mut tail = PostingsBuilder::with_capacity(terms.len() - split);
        for (n, t) in terms.iter().enumerate() {
            let into = if n < split { &mut head } else { &mut tail };
            into.push_term([&t[0], &t[1], &t[2]]);
        }
        head.append(tail);
        assert_eq!(head.finish().parts(), whole.parts(), "split at {split}");
    }
}

#[test]
fn seeking_finds_the_first_document_at_or_after_the_target() {
    let docs = 20_000;
    let (mut rng, terms, postings) = sample(2, docs);
    for (t, lists) in terms.iter().enumerate() {
        for (f, want) in lists.iter().enumerate() {
            let list = postings.list(t as u64, f);
            // Forward runs of targets with short and long jumps, as the walk makes.
            for _ in 0..5 {
                let mut target = rng.random_range(0..docs / 2);
                let mut c = list.cursor_at(target);
                while target <= docs {
                    let expected = want.get(want.partition_point(|&d| d < target)).copied();
                    assert_eq!(
                        c.seek(target),
                        expected,
                        "term {t} field {f} target {target}"
                    );
                    assert_eq!(c.doc(), expected);
                    target += if rng.random_bool(0.5) {
                        rng.random_range(0..4)
                    } else {
                        rng.random_range(0..3_000)
                    };
                }
            }
            for _ in 0..50 {
                let d = rng.random_range(0..docs);
                assert_eq!(list.contains(d), want.binary_search(&d).is_ok());
            }
        }
    }
}

#[test]
fn common_words_pack_into_a_fraction_of_a_byte_per_posting() {
    let docs = 1_000_000;
    let every: Vec<u32> = (0..docs).collect();
    let half: Vec<u32> = (0..docs).step_by(2).collect();
    let postings = build(&[[every, half, vec![]]]);
    let postings_count = docs as usize * 3 / 2;
    // Gaps of one pack into no bits and gaps of two into one: what is left is the skip
    // table, 8 bytes a block of 128, and the half list's bit.
    assert!(
        postings.heap_bytes() < postings_count / 8,
        "{} bytes for {postings_count} postings",
        postings.heap_bytes()
    );
}

#[test]
fn damaged_lists_are_refused_or_read_safely() {
    let docs = 5_000;
    let (mut rng, _, postings) = sample(3, docs);
    let (bytes, term_at) = postings.parts();
    let mut refused = 0;
    for _ in 0..400 {
        let mut damaged = bytes.to_vec();
        let at = rng.random_range(0..damaged.len());
        damaged[at] ^= 1 << rng.random_range(0..8);
        match Postings::from_parts(damaged, term_at.to_vec(), docs) {
            Err(_) => refused += 1,
            Ok(p) => {
                // Accepted lists are valid lists: reading them must not panic.
                for t in 0..p.terms() {
                    for f in 0..FIELDS {
                        let list = p.list(t as u64, f);
                        let read: Vec<u32> = list.iter().collect();
                        assert!(read.is_sorted() && read.iter().all(|&d| d < docs));
                        assert_eq!(read.len(), list.len());
                    }
                }
            }
        }
    }
    assert!(refused > 300, "only {refused} of 400 flips refused");
    let mut short = term_at.to_vec();
    *short.last_mut().expect("terms") -= 1;
    assert!(Postings::from_parts(bytes.to_vec(), short, docs).is_err());
    assert!(Postings::from_parts(bytes.to_vec(), term_at.to_vec(), docs / 2).is_err());
}

#[test]
fn gallop_finds_the_first_document_at_or_after() {
    let list = [2, 4, 4, 8, 16, 32, 64];
    for from in 0..list.len() {
        for doc in 0..70 {
            let want = from + list[from..].partition_point(|&d| d < doc);
            assert_eq!(gallop(&list, from, doc), want, "from {from}, doc {doc}");
        }
    }
}

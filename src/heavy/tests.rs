use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use super::*;

type Outcome = Result<u64, HeavyError<String>>;

fn heavy(limit: usize) -> Arc<Heavy> {
    Arc::new(Heavy::new(&Limits::uniform(limit), Duration::from_secs(60)))
}

/// Polls `cond` until it holds; fails the test after 20 s (a loaded machine is slow, a
/// broken mechanism never gets there).
async fn until(what: &str, cond: impl Fn() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !cond() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// A computation of `key` that counts its runs and answers `value`.
fn spawn_run(
    h: &Arc<Heavy>,
    key: &'static str,
    runs: &Arc<AtomicUsize>,
    value: u64,
) -> tokio::task::JoinHandle<Outcome> {
    let (h, runs) = (h.clone(), runs.clone());
    tokio::spawn(async move {
        h.run(
            Kind::Coverage,
            key,
            || None,
            move |_: &Cancel| {
                runs.fetch_add(1, Ordering::SeqCst);
                Ok::<_, String>(value)
            },
        )
        .await
    })
}

/// A computation that runs until it is cancelled, as a long loop polling its token does.
fn spawn_endless(h: &Arc<Heavy>, key: &'static str) -> tokio::task::JoinHandle<Outcome> {
    let h = h.clone();
    tokio::spawn(async move {
        h.run(
            Kind::Coverage,
            key,
            || None,
            |cancel: &Cancel| loop {
                cancel.check().map_err(|e| e.to_string())?;
                std::thread::yield_now();
            },
        )
        .await
    })
}

#[tokio::test]
async fn identical_requests_in_flight_are_computed_once_and_all_get_the_result() {
    let h = heavy(1);
    let runs = Arc::new(AtomicUsize::new(0));
    let held = h.hold();
    let first = spawn_run(&h, "k", &runs, 7);
    until("the first to start", || {
        h.stats(Kind::Coverage).running == 1
    })
    .await;
    let others: Vec<_> = (0..5).map(|_| spawn_run(&h, "k", &runs, 8)).collect();
    until("the others to join", || h.stats(Kind::Coverage).joined == 5).await;
    drop(held);
    assert_eq!(first.await.unwrap(), Ok(7));
    for o in others {
        assert_eq!(o.await.unwrap(), Ok(7), "the first computation's result");
    }
    assert_eq!(runs.load(Ordering::SeqCst), 1);
    let s = h.stats(Kind::Coverage);
    assert_eq!((s.started, s.refused, s.running), (1, 0, 0));
}

#[tokio::test]
async fn past_the_limit_distinct_work_is_refused_busy_but_joining_is_not() {
    let h = heavy(1);
    let runs = Arc::new(AtomicUsize::new(0));
    let held = h.hold();
    let a = spawn_run(&h, "a", &runs, 1);
    until("a to start", || h.stats(Kind::Coverage).running == 1).await;
    let b = spawn_run(&h, "b", &runs, 2).await.unwrap();
    assert!(
        matches!(b, Err(HeavyError::Busy { kind: Kind::Coverage, limit: 1, retry_after_secs }) if retry_after_secs >= 1),
        "{b:?}"
    );
    let a_again = spawn_run(&h, "a", &runs, 3);
    until("the second a to join", || {
        h.stats(Kind::Coverage).joined == 1
    })
    .await;
    // Another kind has its own permits.
    let other = {
        let h = h.clone();
        tokio::spawn(async move {
            h.run(Kind::Export, "b", || None, |_| Ok::<u64, String>(4))
                .await
        })
    };
    until("b to start as an export", || {
        h.stats(Kind::Export).running == 1
    })
    .await;
    drop(held);
    assert_eq!(other.await.unwrap(), Ok(4));
    assert_eq!(a.await.unwrap(), Ok(1));
    assert_eq!(a_again.await.unwrap(), Ok(1));
    assert_eq!(h.stats(Kind::Coverage).refused, 1);
    assert_eq!(runs.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn when_every_waiter_leaves_the_computation_stops_and_frees_its_permit() {
    let h = heavy(1);
    let a = spawn_endless(&h, "a");
    until("a to start", || h.stats(Kind::Coverage).running == 1).await;
    a.abort();
    until("a to be cancelled", || {
        h.stats(Kind::Coverage).cancelled == 1
    })
    .await;
    assert_eq!(h.stats(Kind::Coverage).running, 0);
    let runs = Arc::new(AtomicUsize::new(0));
    let b = spawn_run(&h, "b", &runs, 5).await.unwrap();
    assert_eq!(b, Ok(5), "the freed permit serves the next request");
}

#[tokio::test]
async fn one_waiter_leaving_does_not_stop_work_another_still_waits_for() {
    let h = heavy(1);
    let runs = Arc::new(AtomicUsize::new(0));
    let held = h.hold();
    let a = spawn_run(&h, "k", &runs, 9);
    until("a to start", || h.stats(Kind::Coverage).running == 1).await;
    let b = spawn_run(&h, "k", &runs, 9);
    until("b to join", || h.stats(Kind::Coverage).joined == 1).await;
    a.abort();
    assert!(a.await.unwrap_err().is_cancelled());
    drop(held);
    assert_eq!(b.await.unwrap(), Ok(9));
    assert_eq!(h.stats(Kind::Coverage).cancelled, 0);
}

#[tokio::test]
async fn work_stops_at_the_deadline_even_while_someone_waits() {
    let h = Arc::new(Heavy::new(&Limits::uniform(1), Duration::from_millis(200)));
    let out = spawn_endless(&h, "a").await.unwrap();
    assert!(matches!(out, Err(HeavyError::Cancelled(_))), "{out:?}");
    assert_eq!(h.stats(Kind::Coverage).cancelled, 1);
    assert_eq!(h.stats(Kind::Coverage).running, 0);
}

#[tokio::test]
async fn a_leaving_waiter_never_cancels_a_newer_flight_of_the_same_key() {
    let h = heavy(2);
    let a = spawn_endless(&h, "k");
    until("a to start", || h.stats(Kind::Coverage).running == 1).await;
    a.abort();
    until("a to be cancelled", || {
        h.stats(Kind::Coverage).cancelled == 1
    })
    .await;
    let runs = Arc::new(AtomicUsize::new(0));
    assert_eq!(spawn_run(&h, "k", &runs, 3).await.unwrap(), Ok(3));
}

#[tokio::test]
async fn a_cached_value_or_one_stored_by_the_last_computation_is_not_computed_again() {
    let h = heavy(1);
    let store = Arc::new(std::sync::Mutex::new(None::<u64>));
    let runs = Arc::new(AtomicUsize::new(0));
    for _ in 0..3 {
        let (s, r) = (store.clone(), runs.clone());
        let got = h
            .run(
                Kind::Coverage,
                "k",
                || *store.lock().unwrap(),
                move |_| {
                    r.fetch_add(1, Ordering::SeqCst);
                    *s.lock().unwrap() = Some(11);
                    Ok::<u64, String>(11)
                },
            )
            .await;
        assert_eq!(got, Ok(11));
    }
    assert_eq!(runs.load(Ordering::SeqCst), 1);
    assert_eq!(h.stats(Kind::Coverage).started, 1);
}

#[tokio::test]
async fn errors_are_shared_and_a_panic_is_lost_but_frees_the_permit() {
    let h = heavy(1);
    let err = h
        .run(
            Kind::Coverage,
            "e",
            || None,
            |_| Err::<u64, _>("bad".to_owned()),
        )
        .await;
    assert_eq!(err, Err(HeavyError::Failed("bad".into())));
    let lost = h
        .run(
            Kind::Coverage,
            "p",
            || None,
            |_| -> Result<u64, String> { panic!("a bug in a computation (expected by this test)") },
        )
        .await;
    assert_eq!(lost, Err(HeavyError::Lost(Kind::Coverage)));
    assert_eq!(h.stats(Kind::Coverage).running, 0);
    let ok = h
        .run(Kind::Coverage, "q", || None, |_| Ok::<u64, String>(1))
        .await;
    assert_eq!(ok, Ok(1));
}

#[test]
fn limits_parse_kind_count_pairs_over_this_machines_defaults() {
    let l = Limits::parse(" coverage=2, export = 1 ").unwrap();
    assert_eq!(l.get(Kind::Coverage), 2);
    assert_eq!(l.get(Kind::Export), 1);
    assert_eq!(
        l.get(Kind::Tiles),
        Limits::for_this_machine().get(Kind::Tiles)
    );
    assert_eq!(Limits::parse("").unwrap(), Limits::for_this_machine());
    for bad in [
        "coverage",
        "coverage=0",
        "coverage=-1",
        "graphs=2",
        "export=many",
    ] {
        assert!(Limits::parse(bad).is_err(), "{bad}");
    }
    let two = Limits::for_cores(2);
    assert_eq!(
        Kind::ALL.map(|k| two.get(k)),
        [2, 2, 2, 1, 8, 4],
        "coverage, indicators, export, report, tiles, scan"
    );
}

#[test]
fn a_token_is_cancelled_by_its_flag_or_its_deadline() {
    let never = Cancel::never();
    assert!(never.check().is_ok());
    never.cancel();
    assert_eq!(never.check(), Err(Cancelled));
    let past = Cancel::with_deadline(Instant::now());
    assert!(past.is_cancelled());
    assert!(past.check_every(1).is_ok(), "between clock readings");
    assert!(past.check_every(2048).is_err());
}

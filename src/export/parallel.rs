//! Work on every core, results in the input's order: the PMTiles writer wants tiles in
//! tile id order (a clustered directory), while tiles take very different times to
//! render (a zoom-0 tile with the country's land against a zoom-14 tile with one
//! school).
//!
//! Threads claim chunks of [`CHUNK`] items in order; the calling thread takes the
//! finished chunks in order and hands each result to `sink`. A thread may run at most
//! `AHEAD_PER_THREAD × threads` chunks ahead of the sink, so the results held
//! for reordering are bounded whatever the input's size.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex, mpsc};

/// Items per claim: enough to make claiming cheap, few enough to spread a small zoom.
const CHUNK: usize = 32;
/// Chunks a thread may be ahead of the sink.
const AHEAD_PER_THREAD: usize = 8;

struct Gate {
    /// Chunks handed to the sink.
    done: usize,
    /// The sink failed: stop claiming.
    stop: bool,
}

/// `work` on each item on `threads` threads, `sink` on each result in the items' order,
/// on the calling thread. The first error (of `work` or of `sink`) stops the rest and is
/// returned. A panic in `work` is the caller's panic.
pub fn in_order<I, T, E>(
    items: &[I],
    threads: usize,
    work: impl Fn(&I) -> Result<T, E> + Sync,
    mut sink: impl FnMut(&I, T) -> Result<(), E>,
) -> Result<(), E>
where
    I: Sync,
    T: Send,
    E: Send,
{
    let chunks: Vec<&[I]> = items.chunks(CHUNK).collect();
    let window = threads.max(1) * AHEAD_PER_THREAD;
    let next = AtomicUsize::new(0);
    let gate = (
        Mutex::new(Gate {
            done: 0,
            stop: false,
        }),
        Condvar::new(),
    );
    let lock = || gate.0.lock().unwrap_or_else(|p| p.into_inner());
    let (tx, rx) = mpsc::channel::<(usize, Result<Vec<T>, E>)>();
    std::thread::scope(|scope| {
        for _ in 0..threads.max(1) {
            let tx = tx.clone();
            let (chunks, next, gate, work) = (&chunks, &next, &gate, &work);
            scope.spawn(move || {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(chunk) = chunks.get(i) else { break };
                    let mut g = lock();
                    while !g.stop && i >= g.done + window {
                        g = gate.1.wait(g).unwrap_or_else(|p| p.into_inner());
                    }
                    if g.stop {
                        break;
                    }
                    drop(g);
                    let out: Result<Vec<T>, E> = chunk.iter().map(work).collect();
                    if tx.send((i, out)).is_err() {
                        break;
                    }
                }
            });
        }
        drop(tx);
        let mut pending: BTreeMap<usize, Result<Vec<T>, E>> = BTreeMap::new();
        let mut done = 0;
        let result = (|| {
            while done < chunks.len() {
                // Every thread gone before the last chunk: one panicked, and the scope
                // passes its panic on when it ends.
                let Ok((i, out)) = rx.recv() else {
                    return Ok(());
                };
                pending.insert(i, out);
                while let Some(out) = pending.remove(&done) {
                    for (item, t) in chunks[done].iter().zip(out?) {
                        sink(item, t)?;
                    }
                    done += 1;
                    lock().done = done;
                    gate.1.notify_all();
                }
            }
            Ok(())
        })();
        if result.is_err() {
            lock().stop = true;
            gate.1.notify_all();
        }
        result
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_reach_the_sink_in_the_items_order() {
        let items: Vec<u32> = (0..10_000).collect();
        let mut seen = Vec::new();
        in_order(
            &items,
            4,
            |n| {
                // Uneven work, so that chunks finish out of order.
                if n % 97 == 0 {
                    std::hint::black_box((0..20_000u64).sum::<u64>());
                }
                Ok::<_, ()>(n * 2)
            },
            |item, r| {
                seen.push((*item, r));
                Ok(())
            },
        )
        .expect("no error");
        assert_eq!(seen.len(), items.len());
        assert!(
            seen.iter()
                .enumerate()
                .all(|(k, (i, r))| *i == k as u32 && *r == i * 2)
        );
    }

    #[test]
    fn the_first_error_stops_the_work() {
        let items: Vec<u32> = (0..100_000).collect();
        let worked = AtomicUsize::new(0);
        let r = in_order(
            &items,
            3,
            |n| {
                worked.fetch_add(1, Ordering::Relaxed);
                if *n == 500 { Err(*n) } else { Ok(*n) }
            },
            |_, _| Ok(()),
        );
        assert_eq!(r, Err(500));
        // Bounded by the window, far from every item.
        assert!(worked.load(Ordering::Relaxed) < 10_000);
        let r = in_order(
            &items,
            2,
            |n| Ok(*n),
            |n, _| if *n == 7 { Err(7) } else { Ok(()) },
        );
        assert_eq!(r, Err(7));
        assert!(in_order(&[] as &[u32], 2, |n| Ok::<_, ()>(*n), |_, _| Ok(())).is_ok());
    }
}

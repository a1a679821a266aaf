//! Single flight: at most one computation per kind and key, its result shared by every
//! request that asked for it while it ran; cancelled when the last of them leaves.

use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;

use tokio::sync::{OwnedSemaphorePermit, watch};

use super::{Cancel, Cancelled, Counters, Heavy, HeavyError, Kind};

type Outcome<T, E> = Result<T, HeavyError<E>>;
type Slot<T, E> = watch::Receiver<Option<Outcome<T, E>>>;
/// Kind, the result's type (two uses of one key cannot mix their results) and key.
type FlightKey = (Kind, TypeId, String);

#[derive(Default)]
pub(super) struct Registry {
    flights: Mutex<HashMap<FlightKey, Entry>>,
    next_id: AtomicU64,
}

struct Entry {
    /// This flight's result slot, a `Slot<T, E>`.
    slot: Arc<dyn Any + Send + Sync>,
    waiters: usize,
    cancel: Cancel,
    /// Tells this flight from a later one for the same key.
    id: u64,
}

impl Registry {
    fn lock(&self) -> MutexGuard<'_, HashMap<FlightKey, Entry>> {
        // Nothing panics while holding the lock; a poisoned map is still consistent.
        self.flights.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Removes the entry of flight `id`, if it is still the one registered for `key`.
    fn remove(&self, key: &FlightKey, id: u64) {
        let mut flights = self.lock();
        if flights.get(key).is_some_and(|e| e.id == id) {
            flights.remove(key);
        }
    }
}

pub(super) async fn run<T, E>(
    heavy: &Heavy,
    kind: Kind,
    key: &str,
    cached: impl FnOnce() -> Option<T>,
    compute: impl FnOnce(&Cancel) -> Result<T, E> + Send + 'static,
) -> Outcome<T, E>
where
    T: Clone + Send + Sync + 'static,
    E: Clone + Send + Sync + 'static,
{
    let flight_key: FlightKey = (kind, TypeId::of::<Outcome<T, E>>(), key.to_owned());
    let state = heavy.kind(kind);
    let (slot, id) = {
        let mut flights = heavy.flights.lock();
        let joined = flights
            .get_mut(&flight_key)
            .filter(|e| !e.cancel.is_cancelled())
            .and_then(|e| {
                let slot = e.slot.clone().downcast::<Slot<T, E>>().ok()?;
                e.waiters += 1;
                Some((slot, e.id))
            });
        match joined {
            Some(j) => {
                state.counters.joined.fetch_add(1, Ordering::Relaxed);
                j
            }
            None => {
                if let Some(v) = cached() {
                    return Ok(v);
                }
                let Ok(permit) = state.permits.clone().try_acquire_owned() else {
                    state.counters.refused.fetch_add(1, Ordering::Relaxed);
                    return Err(HeavyError::Busy {
                        kind,
                        limit: state.limit,
                        retry_after_secs: retry_after_secs(&state.counters),
                    });
                };
                state.counters.started.fetch_add(1, Ordering::Relaxed);
                state.counters.running.fetch_add(1, Ordering::Relaxed);
                let id = heavy.flights.next_id.fetch_add(1, Ordering::Relaxed);
                let cancel = Cancel::with_deadline(Instant::now() + heavy.deadline);
                let (tx, rx) = watch::channel(None);
                let slot = Arc::new(rx);
                flights.insert(
                    flight_key.clone(),
                    Entry {
                        slot: slot.clone(),
                        waiters: 1,
                        cancel: cancel.clone(),
                        id,
                    },
                );
                let task = Task {
                    registry: heavy.flights.clone(),
                    key: flight_key.clone(),
                    id,
                    counters: state.counters.clone(),
                    permit: Some(permit),
                    started: Instant::now(),
                };
                let hold = heavy.hold.clone();
                tokio::task::spawn_blocking(move || {
                    hold.wait(&cancel);
                    let outcome = match cancel.check().map(|()| compute(&cancel)) {
                        Ok(Ok(v)) => Ok(v),
                        _ if cancel.is_cancelled() => Err(HeavyError::Cancelled(Cancelled)),
                        Ok(Err(e)) => Err(HeavyError::Failed(e)),
                        Err(c) => Err(HeavyError::Cancelled(c)),
                    };
                    let cancelled = matches!(outcome, Err(HeavyError::Cancelled(_)));
                    let counters = task.counters.clone();
                    // The permit is free and the key unregistered before anyone hears of
                    // the outcome, so a client that hears of it may ask again at once.
                    drop(task);
                    if cancelled {
                        counters.cancelled.fetch_add(1, Ordering::Relaxed);
                    }
                    let _ = tx.send(Some(outcome));
                });
                (slot, id)
            }
        }
    };
    let waiter = Waiter {
        registry: &heavy.flights,
        key: &flight_key,
        id,
    };
    let mut rx = (*slot).clone();
    let outcome = rx.wait_for(Option::is_some).await.map(|v| v.clone());
    drop(waiter);
    match outcome {
        Ok(Some(o)) => o,
        // The sender went away without an outcome: the computation panicked.
        _ => Err(HeavyError::Lost(kind)),
    }
}

/// Seconds a refused client should wait: the kind's recent mean duration, 1 to 30 s.
fn retry_after_secs(c: &Counters) -> u64 {
    c.mean_ms
        .load(Ordering::Relaxed)
        .div_ceil(1000)
        .clamp(1, 30)
}

/// A request waiting for a flight; when the last one is dropped before the outcome, the
/// computation is cancelled and the key freed for a fresh one.
struct Waiter<'a> {
    registry: &'a Registry,
    key: &'a FlightKey,
    id: u64,
}

impl Drop for Waiter<'_> {
    fn drop(&mut self) {
        let mut flights = self.registry.lock();
        let Some(entry) = flights.get_mut(self.key).filter(|e| e.id == self.id) else {
            return;
        };
        entry.waiters -= 1;
        if entry.waiters == 0 {
            entry.cancel.cancel();
            flights.remove(self.key);
        }
    }
}

/// The running computation's hold on its permit and key, released when it ends, even by
/// a panic.
struct Task {
    registry: Arc<Registry>,
    key: FlightKey,
    id: u64,
    counters: Arc<Counters>,
    permit: Option<OwnedSemaphorePermit>,
    started: Instant,
}

impl Drop for Task {
    fn drop(&mut self) {
        self.registry.remove(&self.key, self.id);
        let ms = self.started.elapsed().as_millis() as u64;
        let mean = &self.counters.mean_ms;
        let old = mean.load(Ordering::Relaxed);
        mean.store(
            if old == 0 { ms } else { (3 * old + ms) / 4 },
            Ordering::Relaxed,
        );
        self.permit.take();
        self.counters.running.fetch_sub(1, Ordering::Relaxed);
    }
}

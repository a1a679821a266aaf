//! Heavy work, bounded: computations whose cost grows with the data or with what a
//! request asks (coverage analyses, exports, the periodic report, the indicators, coverage
//! tiles) run through [`Heavy::run`], which gives each of them
//!
//! - a **concurrency limit per [`Kind`]**: past it the request is refused at once
//!   ([`HeavyError::Busy`], with a retry delay from the kind's recent durations) instead
//!   of queueing work nobody bounds;
//! - **single flight**: a request for a key already being computed waits for that
//!   computation's result, without a permit of its own;
//! - **cancellation**: the computation runs on the blocking pool with a [`Cancel`] token
//!   it polls; the token is set when every request waiting for it is gone (dropped by a
//!   client disconnecting or by the request timeout), and reports cancelled at the
//!   deadline (the request timeout) even if some still wait.
//!
//! Nothing here knows HTTP (the edge turns [`HeavyError`] into responses in
//! `api::edge::heavy`), so the domain's loops can take a [`Cancel`] too.

mod cancel;
mod flight;
mod limits;

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

pub use cancel::{Cancel, Cancelled};
pub use limits::{Kind, Limits};

/// Why a heavy computation gave no result.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum HeavyError<E> {
    #[error("{kind} work is at its limit of {limit} at once")]
    Busy {
        kind: Kind,
        limit: usize,
        retry_after_secs: u64,
    },
    /// Every waiter left, or the deadline passed.
    #[error(transparent)]
    Cancelled(#[from] Cancelled),
    /// The computation panicked (a bug; its cause is in the log).
    #[error("the {0} computation failed unexpectedly")]
    Lost(Kind),
    #[error(transparent)]
    Failed(E),
}

/// What one kind of work has done since start.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stats {
    /// Computations started (each took a permit).
    pub started: u64,
    /// Computations that stopped early because they were cancelled.
    pub cancelled: u64,
    /// Requests that joined a computation already in flight.
    pub joined: u64,
    /// Requests refused because the kind was at its limit.
    pub refused: u64,
    /// Computations holding a permit now.
    pub running: usize,
}

#[derive(Default)]
struct Counters {
    started: AtomicU64,
    cancelled: AtomicU64,
    joined: AtomicU64,
    refused: AtomicU64,
    running: AtomicUsize,
    /// Exponentially weighted mean duration, in milliseconds, for `Retry-After`.
    mean_ms: AtomicU64,
}

struct KindState {
    limit: usize,
    permits: Arc<tokio::sync::Semaphore>,
    counters: Arc<Counters>,
}

/// The limits, the computations in flight and their counters; one per server.
pub struct Heavy {
    kinds: Vec<KindState>,
    flights: Arc<flight::Registry>,
    deadline: Duration,
    hold: Arc<Hold>,
}

impl Heavy {
    /// `deadline`: how long a computation may run (the request timeout).
    pub fn new(limits: &Limits, deadline: Duration) -> Self {
        Self {
            kinds: Kind::ALL
                .iter()
                .map(|&k| KindState {
                    limit: limits.get(k),
                    permits: Arc::new(tokio::sync::Semaphore::new(limits.get(k))),
                    counters: Arc::default(),
                })
                .collect(),
            flights: Arc::default(),
            deadline,
            hold: Arc::default(),
        }
    }

    fn kind(&self, kind: Kind) -> &KindState {
        &self.kinds[kind as usize]
    }

    pub fn stats(&self, kind: Kind) -> Stats {
        let c = &self.kind(kind).counters;
        Stats {
            started: c.started.load(Ordering::Relaxed),
            cancelled: c.cancelled.load(Ordering::Relaxed),
            joined: c.joined.load(Ordering::Relaxed),
            refused: c.refused.load(Ordering::Relaxed),
            running: c.running.load(Ordering::Relaxed),
        }
    }

    /// The value for `key`: `cached()` if it has one, else the result of the computation
    /// already in flight for `key`, else `compute` run on the blocking pool under one of
    /// `kind`'s permits. `cached` is asked while no computation for `key` can finish, so
    /// a result stored by `compute` before it returns is never computed twice.
    pub async fn run<T, E>(
        &self,
        kind: Kind,
        key: &str,
        cached: impl FnOnce() -> Option<T>,
        compute: impl FnOnce(&Cancel) -> Result<T, E> + Send + 'static,
    ) -> Result<T, HeavyError<E>>
    where
        T: Clone + Send + Sync + 'static,
        E: Clone + Send + Sync + 'static,
    {
        flight::run(self, kind, key, cached, compute).await
    }

    /// While the returned guard lives, every computation waits at its start (answering
    /// cancellation): tests and drills observe work in flight without depending on how
    /// long it takes.
    pub fn hold(&self) -> Held {
        if let Ok(mut n) = self.hold.held.lock() {
            *n += 1;
        }
        Held(self.hold.clone())
    }
}

#[derive(Default)]
struct Hold {
    held: Mutex<usize>,
    released: Condvar,
}

impl Hold {
    /// Waits while held, until released or cancelled.
    fn wait(&self, cancel: &Cancel) {
        let Ok(mut held) = self.held.lock() else {
            return;
        };
        while *held > 0 && !cancel.is_cancelled() {
            match self.released.wait_timeout(held, Duration::from_millis(10)) {
                Ok((h, _)) => held = h,
                Err(_) => return,
            }
        }
    }
}

/// See [`Heavy::hold`].
pub struct Held(Arc<Hold>);

impl Drop for Held {
    fn drop(&mut self) {
        if let Ok(mut n) = self.0.held.lock() {
            *n = n.saturating_sub(1);
        }
        self.0.released.notify_all();
    }
}

#[cfg(test)]
mod tests;

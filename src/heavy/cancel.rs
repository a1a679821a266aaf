//! Telling a computation to stop: a flag set when nobody waits for its result any more,
//! and a deadline (the request timeout) after which nobody would read it anyway. The
//! computation polls [`Cancel::check`] in its loops and returns early.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

/// Returned by a computation that stopped because it was told to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the computation was stopped: its requests were abandoned or it ran out of time")]
pub struct Cancelled;

#[derive(Debug, Clone)]
pub struct Cancel {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    flag: AtomicBool,
    deadline: Option<Instant>,
}

impl Cancel {
    /// A token nobody cancels: for tools, benches and tests that run work directly.
    pub fn never() -> Self {
        Self::new(None)
    }

    /// A token that also reports cancelled from `deadline` on.
    pub fn with_deadline(deadline: Instant) -> Self {
        Self::new(Some(deadline))
    }

    fn new(deadline: Option<Instant>) -> Self {
        Self {
            inner: Arc::new(Inner {
                flag: AtomicBool::new(false),
                deadline,
            }),
        }
    }

    pub fn cancel(&self) {
        self.inner.flag.store(true, Ordering::Release);
    }

    pub fn is_cancelled(&self) -> bool {
        self.inner.flag.load(Ordering::Acquire)
            || self.inner.deadline.is_some_and(|d| Instant::now() >= d)
    }

    /// `Err(Cancelled)` once cancelled: `cancel.check()?` in a loop.
    pub fn check(&self) -> Result<(), Cancelled> {
        if self.is_cancelled() {
            Err(Cancelled)
        } else {
            Ok(())
        }
    }

    /// Like [`Cancel::check`], but reads the clock only every 1,024th step `n`: for loops
    /// whose steps cost less than reading it.
    pub fn check_every(&self, n: usize) -> Result<(), Cancelled> {
        if n.is_multiple_of(1024) {
            self.check()
        } else {
            Ok(())
        }
    }
}

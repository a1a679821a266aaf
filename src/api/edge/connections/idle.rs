//! Connections on which nothing moves. hyper's header-read timeout bounds a client that
//! is slow to *send* a request; nothing in hyper bounds one that stops *reading* its
//! response (a large file, say): the write waits on a full socket buffer for ever. So the
//! socket is wrapped to note when bytes last moved either way, and a watchdog beside the
//! connection closes it once nothing has moved for the idle timeout.
//!
//! A handler at work moves no bytes either (a slow coverage analysis, say) without the
//! client being at fault, so the idle time does not run while a handler runs; the
//! request timeout bounds those. The idle time counts from the later of the last byte
//! moved and the end of the last handler.

use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::time::Instant;

/// What the watchdog of one connection looks at.
pub struct Activity {
    opened: Instant,
    /// Milliseconds after `opened` when bytes last moved or a handler last finished.
    last_moved_ms: AtomicU64,
    /// Handlers working for this connection now.
    handlers: AtomicUsize,
}

/// A handler at work for the connection; dropping it (the handler answered, or was
/// cancelled with its connection) starts the idle time again.
pub struct Handling(Arc<Activity>);

impl Activity {
    pub fn new() -> Arc<Self> {
        Arc::new(Self {
            opened: Instant::now(),
            last_moved_ms: AtomicU64::new(0),
            handlers: AtomicUsize::new(0),
        })
    }

    fn moved(&self) {
        let ms = u64::try_from(self.opened.elapsed().as_millis()).unwrap_or(u64::MAX);
        self.last_moved_ms.store(ms, Ordering::Relaxed);
    }

    pub fn handling(self: &Arc<Self>) -> Handling {
        self.handlers.fetch_add(1, Ordering::Relaxed);
        Handling(self.clone())
    }

    /// When the connection counts as idle unless something moves before: `None` while a
    /// handler runs.
    fn idle_at(&self, idle: Duration) -> Option<Instant> {
        if self.handlers.load(Ordering::Relaxed) > 0 {
            return None;
        }
        let last = Duration::from_millis(self.last_moved_ms.load(Ordering::Relaxed));
        Some(self.opened + last + idle)
    }

    /// Completes once nothing has moved for `idle` with no handler running.
    pub async fn idle_for(&self, idle: Duration) {
        loop {
            match self.idle_at(idle) {
                // A handler's end restarts the idle time, so waiting a whole `idle`
                // before looking again can never look too late.
                None => tokio::time::sleep(idle).await,
                Some(at) if at <= Instant::now() => return,
                Some(at) => tokio::time::sleep_until(at).await,
            }
        }
    }
}

impl Drop for Handling {
    fn drop(&mut self) {
        self.0.moved();
        self.0.handlers.fetch_sub(1, Ordering::Relaxed);
    }
}

/// A socket that tells its connection's [`Activity`] whenever bytes move.
pub struct Watched<T> {
    inner: T,
    activity: Arc<Activity>,
}

impl<T> Watched<T> {
    pub fn new(inner: T, activity: Arc<Activity>) -> Self {
        Self { inner, activity }
    }

    fn noting_writes(&self, written: Poll<io::Result<usize>>) -> Poll<io::Result<usize>> {
        if let Poll::Ready(Ok(n)) = written
            && n > 0
        {
            self.activity.moved();
        }
        written
    }
}

impl<T: AsyncRead + Unpin> AsyncRead for Watched<T> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        let read = Pin::new(&mut this.inner).poll_read(cx, buf);
        if buf.filled().len() > before {
            this.activity.moved();
        }
        read
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for Watched<T> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let written = Pin::new(&mut this.inner).poll_write(cx, buf);
        this.noting_writes(written)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let written = Pin::new(&mut this.inner).poll_write_vectored(cx, bufs);
        this.noting_writes(written)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    const IDLE: Duration = Duration::from_secs(60);

    #[test]
    fn a_fresh_connection_is_idle_one_idle_time_after_it_opened() {
        let activity = Activity::new();
        assert_eq!(activity.idle_at(IDLE), Some(activity.opened + IDLE));
    }

    #[test]
    fn a_running_handler_stops_the_idle_time_and_its_end_restarts_it() {
        let activity = Activity::new();
        let handling = activity.handling();
        let second = activity.handling();
        assert_eq!(activity.idle_at(IDLE), None);
        drop(handling);
        assert_eq!(activity.idle_at(IDLE), None, "one handler still runs");
        drop(second);
        let at = activity.idle_at(IDLE).expect("no handler runs");
        assert!(at >= activity.opened + IDLE);
    }

    #[tokio::test]
    async fn bytes_read_or_written_through_the_socket_restart_the_idle_time() {
        let (near, mut far) = tokio::io::duplex(64);
        let activity = Activity::new();
        let mut watched = Watched::new(near, activity.clone());
        let before = activity.idle_at(IDLE).expect("idle time runs");
        // The clock must move on for a restart to show (times are kept in milliseconds).
        tokio::time::sleep(Duration::from_millis(5)).await;
        watched.write_all(b"x").await.expect("write");
        let after_write = activity.idle_at(IDLE).expect("idle time runs");
        assert!(after_write > before);
        far.write_all(b"y").await.expect("write");
        tokio::time::sleep(Duration::from_millis(5)).await;
        let mut byte = [0u8; 1];
        watched.read_exact(&mut byte).await.expect("read");
        assert!(activity.idle_at(IDLE).expect("idle time runs") > after_write);
    }
}

//! A lingering close. When hyper is done with a connection whose client is still sending
//! (a request refused before its body was read: no credentials, a body over the limit),
//! closing the socket with unread bytes makes the kernel answer with a reset, and a
//! reset that reaches the client before it has read our answer throws the answer away:
//! the client sees "connection reset" instead of its 401 or 413 (found by the
//! hostile-input suite). So the socket is kept by a second descriptor, its write side
//! shut (the client sees the end of our answer at once), and what still arrives is read
//! and dropped until the client stops sending or closes, within a bound, as Apache and
//! nginx do.

use std::os::fd::{AsFd, OwnedFd};
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use hyper::body::Body as _;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::{Instant, timeout};

/// How long a lingering close may take in all.
const LINGER_AT_MOST: Duration = Duration::from_secs(3);
/// A client that sends nothing for this long has stopped: close.
const LINGER_QUIET: Duration = Duration::from_millis(500);

/// A second handle on an accepted socket, taken before hyper owns the first.
pub struct Linger(Option<OwnedFd>);

impl Linger {
    pub fn new(stream: &TcpStream) -> Self {
        Self(stream.as_fd().try_clone_to_owned().ok())
    }

    /// Shuts the write side and drains the read side, then closes. Call it once hyper
    /// has dropped its handle, so this is the last one.
    pub async fn close(self) {
        let Some(fd) = self.0 else {
            return;
        };
        let Ok(mut stream) = TcpStream::from_std(std::net::TcpStream::from(fd)) else {
            return;
        };
        if stream.shutdown().await.is_err() {
            return;
        }
        let until = Instant::now() + LINGER_AT_MOST;
        let mut sink = [0u8; 16 * 1024];
        while Instant::now() < until {
            let wait = LINGER_QUIET.min(until.saturating_duration_since(Instant::now()));
            match timeout(wait, stream.read(&mut sink)).await {
                Ok(Ok(n)) if n > 0 => continue,
                // The end, an error or a quiet client: nothing more to wait for.
                _ => break,
            }
        }
    }
}

/// A request body that notes when it has been read to its end. A handler may answer
/// without reading its request's body (a refusal before it); hyper then closes the
/// connection after the answer, and unless the answer says `Connection: close` a
/// client may send its next request on a connection that is going away (found by the
/// hostile-input suite: the next request failed with "incomplete message").
pub struct TrackedBody {
    inner: hyper::body::Incoming,
    ended: Arc<AtomicBool>,
}

impl TrackedBody {
    /// Wraps `inner`; the flag says whether it was read to its end (true at once for
    /// a request without a body).
    pub fn new(inner: hyper::body::Incoming) -> (Self, Arc<AtomicBool>) {
        let ended = Arc::new(AtomicBool::new(inner.is_end_stream()));
        (
            Self {
                inner,
                ended: ended.clone(),
            },
            ended,
        )
    }
}

impl hyper::body::Body for TrackedBody {
    type Data = hyper::body::Bytes;
    type Error = hyper::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<hyper::body::Frame<Self::Data>, Self::Error>>> {
        let polled = Pin::new(&mut self.inner).poll_frame(cx);
        if matches!(polled, Poll::Ready(None)) || self.inner.is_end_stream() {
            self.ended.store(true, Ordering::Relaxed);
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> hyper::body::SizeHint {
        self.inner.size_hint()
    }
}

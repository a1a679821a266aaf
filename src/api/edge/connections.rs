//! Our serve loop: accept, admit, serve each connection with hyper, stop gracefully.
//!
//! `axum::serve` runs hyper without a timer, so nothing ever timed out: a client could
//! open thousands of connections, send half a request and hold them until the process
//! ran out of file descriptors. Here every way a connection can sit still has a bound:
//!
//! | a client that...                         | is bounded by                              |
//! | ---------------------------------------- | ------------------------------------------ |
//! | opens a connection and sends nothing, or half a request head | hyper's header-read timeout (`VETMAP_HEADER_READ_TIMEOUT_SECS`) |
//! | keeps a connection alive between requests | the same timer (see [`http1`])            |
//! | sends its body slowly or stops           | the body-read timeout, 408 (`layers`), and the request timeout |
//! | stops reading its response               | the idle timeout ([`idle`])                 |
//! | opens more connections than we can hold  | the connection cap, and a share per client ([`slots`]) |
//! | still sends a body we refused unread     | a lingering close, at most 3 s ([`linger`]) |
//!
//! Past a cap a connection is accepted and closed at once, so it neither waits in the
//! kernel's backlog nor ties up a file descriptor. HTTP/1.1 only, as `axum::serve`
//! served it (axum is built without `http2`): browsers speak HTTP/2 only over TLS,
//! which a reverse proxy in front terminates, so cleartext HTTP/2 would add a protocol
//! to defend and no client.

mod idle;
mod linger;
mod slots;

use std::net::SocketAddr;
use std::pin::pin;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::{GracefulShutdown, Watcher};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tower::ServiceExt;

use crate::config::Config;
use idle::{Activity, Watched};
use linger::{Linger, TrackedBody};
use slots::{Refused, Slot, Slots};

/// File descriptors kept for everything but client connections: the listener, stdio,
/// logs, the static files being sent, the bundled data and base map read at start.
/// The database pool (and its LISTEN connection) is added to it.
const RESERVED_FILES: u64 = 256;

/// How long the accept loop pauses after an error that is not one connection's (out of
/// file descriptors, out of memory): retrying at once would spin on the same error.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(100);

/// How often refused connections are counted in the log.
const REFUSAL_LOG_EVERY: Duration = Duration::from_secs(10);

/// The bounds of this server's connections, from the configuration.
#[derive(Debug, Clone)]
pub struct ConnectionLimits {
    pub header_read_timeout: Duration,
    pub idle_timeout: Duration,
    /// Most connections open at once, after the open-files limit was taken into account.
    pub max_connections: usize,
    /// `None`: no share per client address.
    pub max_per_client: Option<usize>,
    /// How long a shutdown waits for requests in flight before closing what is left.
    pub shutdown_grace: Duration,
}

impl ConnectionLimits {
    /// Reads the configuration and sizes the connection cap to the process's open-files
    /// limit: it first raises the soft limit toward what the configured cap needs (up to
    /// the hard limit, as Go's runtime does at start), then keeps `RESERVED_FILES` plus
    /// the database pool out of it. Each connection costs one descriptor, two while it
    /// sends a static file; when descriptors run out anyway, accepting backs off and
    /// retries, and file reads answer 500, but the server lives.
    pub fn from_config(config: &Config) -> Self {
        let reserved = RESERVED_FILES + u64::from(config.db_max_connections) + 1;
        let configured = config.max_connections;
        let wanted = (configured as u64).saturating_add(reserved);
        let max_connections = match rlimit::increase_nofile_limit(wanted) {
            Ok(files) => {
                // With a very low limit, half of it still goes to clients.
                let room = files.saturating_sub(reserved).max(files / 2).max(1);
                let cap = configured.min(usize::try_from(room).unwrap_or(usize::MAX));
                if cap < configured {
                    tracing::warn!(
                        open_files_limit = files,
                        configured,
                        cap,
                        "the open-files limit (ulimit -n) leaves room for fewer connections \
                         than VETMAP_MAX_CONNECTIONS; raise the limit to serve more"
                    );
                }
                cap
            }
            Err(e) => {
                tracing::warn!(error = %e, "could not read the open-files limit; the connection cap is as configured");
                configured
            }
        };
        if config.trusted_proxy_hops > 0 && config.max_connections_per_client > 0 {
            // Behind the proxy every connection has the proxy's address: one share would
            // be the whole site's.
            tracing::warn!(
                max_per_client = config.max_connections_per_client,
                "VETMAP_TRUSTED_PROXY_HOPS says a reverse proxy is in front, yet connections \
                 are limited per address: set VETMAP_MAX_CONNECTIONS_PER_CLIENT=0 and limit \
                 clients at the proxy"
            );
        }
        Self {
            header_read_timeout: config.header_read_timeout(),
            idle_timeout: config.idle_timeout(),
            max_connections,
            max_per_client: (config.max_connections_per_client > 0)
                .then_some(config.max_connections_per_client),
            // A request that began just before the signal gets its whole timeout.
            shutdown_grace: config.request_timeout(),
        }
    }
}

/// Serves `router` on `listener` until `shutdown` completes, then stops accepting, lets
/// open connections finish their requests for up to `shutdown_grace`, and closes what
/// is left. Handlers see the peer as `ConnectInfo<SocketAddr>`, as with axum's
/// `into_make_service_with_connect_info`.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: ConnectionLimits,
    shutdown: impl Future<Output = ()>,
) {
    let mut http = http1::Builder::new();
    // In hyper 1.12 the header-read timer starts whenever a connection is ready to read
    // a request head: at once on a new connection (the server reads first), and on a
    // kept-alive one as soon as the previous response is written (`State::idle` sets
    // `notify_read` when this timeout is configured; `Conn::poll_read_head` in
    // src/proto/h1/conn.rs then arms the timer). So it also bounds keep-alive idleness.
    // It does not run while a request is handled or a response written.
    http.timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout);
    let http = Arc::new(http);
    let slots = Slots::new(limits.max_connections, limits.max_per_client);
    let graceful = GracefulShutdown::new();
    let (force_close, closing) = watch::channel(false);
    let mut refusals = Refusals::default();
    let mut refusal_log = tokio::time::interval(REFUSAL_LOG_EVERY);
    let mut shutdown = pin!(shutdown);
    tracing::info!(
        max_connections = limits.max_connections,
        max_per_client = limits.max_per_client,
        "accepting connections"
    );

    loop {
        let accepted = tokio::select! {
            biased;
            () = &mut shutdown => break,
            accepted = listener.accept() => accepted,
            _ = refusal_log.tick() => {
                refusals.log(&limits);
                continue;
            }
        };
        let (stream, peer) = match accepted {
            Ok(accepted) => accepted,
            // The peer gave up while waiting in the backlog: nothing to do, and the
            // backlog entry is gone, so the next accept does not see it again.
            Err(e) if is_connection_error(&e) => continue,
            Err(e) => {
                tracing::error!(error = %e, "could not accept a connection; retrying shortly");
                tokio::select! {
                    biased;
                    () = &mut shutdown => break,
                    () = tokio::time::sleep(ACCEPT_BACKOFF) => continue,
                }
            }
        };
        match slots.take(peer.ip()) {
            Ok(slot) => {
                tokio::spawn(serve_connection(Connection {
                    http: http.clone(),
                    stream,
                    peer,
                    router: router.clone(),
                    idle_timeout: limits.idle_timeout,
                    slot,
                    graceful: graceful.watcher(),
                    closing: closing.clone(),
                }));
            }
            Err(refused) => {
                // Closing at once: the client learns now, not after a timeout, and the
                // descriptor is free again.
                drop(stream);
                refusals.note(refused);
            }
        }
    }

    drop(listener);
    refusals.log(&limits);
    tracing::info!(
        open = graceful.count(),
        "stopped accepting; letting open connections finish"
    );
    if tokio::time::timeout(limits.shutdown_grace, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!(
            grace_secs = limits.shutdown_grace.as_secs(),
            "connections still open after the shutdown grace: closing them"
        );
        let _ = force_close.send(true);
    }
}

/// One accepted connection and what serving it needs.
struct Connection {
    http: Arc<http1::Builder>,
    stream: TcpStream,
    peer: SocketAddr,
    router: Router,
    idle_timeout: Duration,
    slot: Slot,
    graceful: Watcher,
    closing: watch::Receiver<bool>,
}

async fn serve_connection(c: Connection) {
    let Connection {
        http,
        stream,
        peer,
        router,
        idle_timeout,
        slot,
        graceful,
        mut closing,
    } = c;
    // Held until this task ends: the connection's place under the caps.
    let _slot = slot;
    let activity = Activity::new();
    let linger = Linger::new(&stream);
    let io = TokioIo::new(Watched::new(stream, activity.clone()));
    let working = activity.clone();
    let service = hyper::service::service_fn(move |mut req: hyper::Request<Incoming>| {
        req.extensions_mut().insert(ConnectInfo(peer));
        let handling = working.handling();
        let (parts, body) = req.into_parts();
        let (body, body_read) = TrackedBody::new(body);
        let answer = router
            .clone()
            .oneshot(hyper::Request::from_parts(parts, body));
        async move {
            let mut response = answer.await;
            drop(handling);
            // hyper will not keep this connection with a body left unread: say so, or
            // the client may send its next request on it (`linger::TrackedBody`).
            if let Ok(r) = &mut response
                && !body_read.load(std::sync::atomic::Ordering::Relaxed)
            {
                r.headers_mut().insert(
                    axum::http::header::CONNECTION,
                    axum::http::HeaderValue::from_static("close"),
                );
            }
            response
        }
    });
    let connection = graceful.watch(http.serve_connection(io, service));
    let served = tokio::select! {
        served = connection => {
            if let Err(e) = served {
                // Clients that leave, reset or time out: routine, not our failure.
                tracing::debug!(%peer, error = %e, "connection ended");
            }
            true
        }
        () = activity.idle_for(idle_timeout) => {
            tracing::debug!(%peer, "closing a connection on which nothing moved");
            false
        }
        _ = closing.wait_for(|close| *close) => false,
    };
    // hyper's handle is gone with the connection future; a client that may still be
    // sending gets a lingering close (not one that stopped reading, nor at shutdown).
    if served {
        linger.close().await;
    }
}

/// Errors of one connection, which leave the listener as it was.
fn is_connection_error(e: &std::io::Error) -> bool {
    matches!(
        e.kind(),
        std::io::ErrorKind::ConnectionRefused
            | std::io::ErrorKind::ConnectionAborted
            | std::io::ErrorKind::ConnectionReset
    )
}

/// Refused connections since they were last logged: a flood of them becomes one log
/// line per `REFUSAL_LOG_EVERY`, not one per connection.
#[derive(Default)]
struct Refusals {
    full: u64,
    client_full: u64,
}

impl Refusals {
    fn note(&mut self, refused: Refused) {
        match refused {
            Refused::Full => {
                super::metrics::rejected("connection_cap");
                self.full += 1
            }
            Refused::ClientFull => {
                super::metrics::rejected("connection_cap_per_client");
                self.client_full += 1
            }
        }
    }

    fn log(&mut self, limits: &ConnectionLimits) {
        if self.full == 0 && self.client_full == 0 {
            return;
        }
        tracing::warn!(
            server_full = self.full,
            client_over_share = self.client_full,
            max_connections = limits.max_connections,
            max_per_client = limits.max_per_client,
            "closed new connections at once: over the connection caps"
        );
        *self = Self::default();
    }
}

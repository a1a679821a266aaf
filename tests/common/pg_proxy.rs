//! A TCP proxy between a server under test and PostgreSQL, which a test can cut, stall
//! and restore: the shared PostgreSQL cannot be stopped, but a server behind this proxy
//! sees what it would see if it were (cut), or if the network between them dropped
//! every packet (stall).

use std::net::SocketAddr;
use std::sync::Arc;

use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

/// Forwards 127.0.0.1:<free port> to PostgreSQL; stops when dropped.
pub struct PgProxy {
    addr: SocketAddr,
    upstream: SocketAddr,
    mode: Arc<watch::Sender<Mode>>,
    accepting: tokio::task::JoinHandle<()>,
}

impl PgProxy {
    /// A proxy to the PostgreSQL that `database_url` names, forwarding from the start.
    pub async fn start(database_url: &str) -> PgProxy {
        let upstream = host_port(database_url)
            .parse()
            .expect("the test database URL names an IP address and port");
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind the proxy");
        let addr = listener.local_addr().expect("the proxy's address");
        let mode = Arc::new(watch::channel(Mode::Forward).0);
        let accepting = tokio::spawn(accept(listener, upstream, mode.clone()));
        PgProxy {
            addr,
            upstream,
            mode,
            accepting,
        }
    }

    /// `database_url` with the proxy in place of PostgreSQL's address.
    pub fn url(&self, database_url: &str) -> String {
        database_url.replacen(&host_port(database_url), &self.addr.to_string(), 1)
    }

    /// Closes every forwarded connection and refuses new ones: each is accepted and
    /// closed at once, as by a database that is going down (the port stays ours, so no
    /// other test can take it meanwhile).
    pub fn cut(&self) {
        self.mode.send_replace(Mode::Cut);
    }

    /// Stops carrying bytes without closing anything: forwarded connections hang, new ones
    /// are accepted and never answered, as when the network drops every packet.
    pub fn stall(&self) {
        self.mode.send_replace(Mode::Stall);
    }

    /// Forwards again (connections stalled meanwhile are closed: their bytes are lost).
    pub fn restore(&self) {
        self.mode.send_replace(Mode::Forward);
    }

    pub fn upstream(&self) -> SocketAddr {
        self.upstream
    }
}

impl Drop for PgProxy {
    fn drop(&mut self) {
        self.mode.send_replace(Mode::Cut);
        self.accepting.abort();
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Forward,
    Cut,
    Stall,
}

/// `host:port` of a `postgres://[user@]host:port/db` URL.
fn host_port(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let authority = rest.split('/').next().unwrap_or(rest);
    let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    if host.contains(':') {
        host.to_owned()
    } else {
        format!("{host}:5432")
    }
}

async fn accept(listener: TcpListener, upstream: SocketAddr, mode: Arc<watch::Sender<Mode>>) {
    while let Ok((client, _)) = listener.accept().await {
        let now = *mode.borrow();
        match now {
            Mode::Forward => drop(tokio::spawn(forward(client, upstream, mode.subscribe()))),
            Mode::Cut => drop(client),
            Mode::Stall => drop(tokio::spawn(hold(vec![client], mode.subscribe()))),
        }
    }
}

/// Copies both ways until either side closes or the mode changes; a stalled connection
/// is then held open, silent, until the stall ends.
async fn forward(mut client: TcpStream, upstream: SocketAddr, mut mode: watch::Receiver<Mode>) {
    let Ok(mut server) = TcpStream::connect(upstream).await else {
        return;
    };
    tokio::select! {
        _ = tokio::io::copy_bidirectional(&mut client, &mut server) => return,
        _ = mode.wait_for(|m| *m != Mode::Forward) => {}
    }
    if *mode.borrow() == Mode::Stall {
        hold(vec![client, server], mode).await;
    }
}

/// Keeps sockets open and unread while the proxy is stalled, then closes them.
async fn hold(sockets: Vec<TcpStream>, mut mode: watch::Receiver<Mode>) {
    let _ = mode.wait_for(|m| *m != Mode::Stall).await;
    drop(sockets);
}

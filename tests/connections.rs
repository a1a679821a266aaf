//! Slow, silent and greedy clients against the real server, with small limits so each
//! bound shows within seconds. Raw sockets, because an HTTP client would finish the
//! requests these tests leave half-sent.

mod common;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use common::{TestServer, bundled_config, spawn};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tokio::time::Instant;
use vetmap::{Application, Config};

/// What a slow client sends before it falls silent: a request head without its end.
const HALF_A_REQUEST: &[u8] = b"GET /health HTTP/1.1\r\nHost: x\r\n";

/// Room for a loaded CI machine on top of a configured timeout.
const MARGIN: Duration = Duration::from_secs(3);

async fn spawn_with(adjust: impl FnOnce(&mut Config)) -> (TestServer, SocketAddr) {
    let mut config = bundled_config();
    adjust(&mut config);
    let server = spawn(config).await;
    let addr = server
        .base
        .trim_start_matches("http://")
        .parse()
        .expect("the server's address");
    (server, addr)
}

async fn half_sent(addr: SocketAddr) -> TcpStream {
    let mut stream = TcpStream::connect(addr).await.expect("connect");
    stream
        .write_all(HALF_A_REQUEST)
        .await
        .expect("send half a request");
    stream
}

/// How long after `since` the server closed `stream` (end of stream or reset), reading
/// and discarding whatever arrives; `None` if it was still open at `deadline`.
async fn closed_after(
    stream: &mut TcpStream,
    since: Instant,
    deadline: Instant,
) -> Option<Duration> {
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        match tokio::time::timeout_at(deadline, stream.read(&mut buf)).await {
            Err(_) => return None,
            Ok(Ok(0)) | Ok(Err(_)) => return Some(since.elapsed()),
            Ok(Ok(_)) => {}
        }
    }
}

/// Reads one response with a `Content-Length` body: its status and body.
async fn read_response(stream: &mut TcpStream) -> std::io::Result<(u16, Vec<u8>)> {
    let mut data = Vec::new();
    let mut buf = [0u8; 4096];
    let head_end = loop {
        if let Some(i) = data.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        let n = stream.read(&mut buf).await?;
        if n == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        data.extend_from_slice(&buf[..n]);
    };
    let head = String::from_utf8_lossy(&data[..head_end]).to_ascii_lowercase();
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .expect("a status line");
    let length: usize = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .and_then(|v| v.trim().parse().ok())
        .expect("these tests read responses with a Content-Length");
    let mut body = data.split_off(head_end);
    while body.len() < length {
        let n = stream.read(&mut buf).await?;
        if n == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        body.extend_from_slice(&buf[..n]);
    }
    Ok((status, body))
}

async fn get(stream: &mut TcpStream, path: &str) -> std::io::Result<u16> {
    let request = format!("GET {path} HTTP/1.1\r\nHost: x\r\n\r\n");
    stream.write_all(request.as_bytes()).await?;
    Ok(read_response(stream).await?.0)
}

/// `/health` on a new connection: its status, or the error of a connection the server
/// closed without answering.
async fn health_on_a_new_connection(addr: SocketAddr) -> std::io::Result<u16> {
    let mut stream = TcpStream::connect(addr).await?;
    get(&mut stream, "/health").await
}

/// Polls `/health` on new connections until one answers 200; how long that took.
async fn first_health_after(
    addr: SocketAddr,
    since: Instant,
    deadline: Instant,
) -> Option<Duration> {
    while Instant::now() < deadline {
        if let Ok(Ok(200)) =
            tokio::time::timeout_at(deadline, health_on_a_new_connection(addr)).await
        {
            return Some(since.elapsed());
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    None
}

#[tokio::test]
async fn half_sent_and_silent_connections_are_closed_after_the_header_read_timeout() {
    let timeout = Duration::from_secs(2);
    let (_server, addr) = spawn_with(|c| c.header_read_timeout_secs = 2).await;
    let opened = Instant::now();
    let mut half = half_sent(addr).await;
    let mut silent = TcpStream::connect(addr).await.expect("connect");

    let deadline = opened + timeout + MARGIN;
    for (what, stream) in [("half-sent", &mut half), ("silent", &mut silent)] {
        let closed = closed_after(stream, opened, deadline)
            .await
            .unwrap_or_else(|| panic!("the {what} connection is still open past the timeout"));
        // Not closed for some other reason before its time was up.
        assert!(
            closed >= timeout - Duration::from_millis(100),
            "the {what} connection closed after {closed:?}, before the timeout"
        );
    }
    assert_eq!(
        health_on_a_new_connection(addr).await.expect("an answer"),
        200
    );
}

#[tokio::test]
async fn past_the_connection_cap_new_connections_are_closed_at_once_while_open_ones_are_served() {
    let timeout = Duration::from_secs(3);
    let (_server, addr) = spawn_with(|c| {
        c.max_connections = 40;
        c.max_connections_per_client = 0;
        c.header_read_timeout_secs = 3;
    })
    .await;
    let mut kept_alive = TcpStream::connect(addr).await.expect("connect");
    assert_eq!(
        get(&mut kept_alive, "/health").await.expect("an answer"),
        200
    );
    let filled = Instant::now();
    let mut slow = Vec::new();
    for _ in 0..39 {
        slow.push(half_sent(addr).await);
    }

    let mut refused = TcpStream::connect(addr)
        .await
        .expect("the kernel still accepts");
    let _ = refused
        .write_all(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
        .await;
    let tried = Instant::now();
    let closed = closed_after(&mut refused, tried, tried + Duration::from_secs(1)).await;
    assert!(
        closed.is_some(),
        "a connection past the cap waited instead of being closed at once"
    );
    assert_eq!(
        get(&mut kept_alive, "/health")
            .await
            .expect("an answer on the open connection"),
        200
    );

    let freed = first_health_after(addr, filled, filled + timeout + MARGIN).await;
    assert!(
        freed.is_some(),
        "no new connection was served after the header timeout freed the slow ones' places"
    );
    let now = Instant::now();
    for stream in &mut slow {
        assert!(
            closed_after(stream, now, now + Duration::from_secs(1))
                .await
                .is_some(),
            "a half-sent connection outlived its timeout"
        );
    }
}

#[tokio::test]
async fn one_client_address_cannot_take_every_connection() {
    let (_server, addr) = spawn_with(|c| {
        c.max_connections = 40;
        c.max_connections_per_client = 3;
    })
    .await;
    let mut greedy = Vec::new();
    for _ in 0..3 {
        greedy.push(half_sent(addr).await);
    }
    let mut fourth = half_sent(addr).await;
    let tried = Instant::now();
    assert!(
        closed_after(&mut fourth, tried, tried + Duration::from_secs(1))
            .await
            .is_some(),
        "a client over its share was kept waiting instead of being closed at once"
    );

    // Another loopback address is another client.
    let socket = TcpSocket::new_v4().expect("a socket");
    socket
        .bind("127.0.0.2:0".parse().expect("an address"))
        .expect("bind 127.0.0.2");
    let mut other = socket.connect(addr).await.expect("connect from 127.0.0.2");
    assert_eq!(get(&mut other, "/health").await.expect("an answer"), 200);
}

/// A verification request announcing a body it never finishes.
fn unfinished_verification() -> &'static [u8] {
    b"POST /api/v1/credentials/verify HTTP/1.1\r\nHost: x\r\n\
      Content-Type: application/json\r\nContent-Length: 200\r\n\r\n{\"serial\": "
}

#[tokio::test]
async fn a_request_body_that_stops_is_answered_408_within_the_body_read_timeout() {
    let timeout = Duration::from_secs(2);
    let (_server, addr) = spawn_with(|c| c.body_read_timeout_secs = 2).await;
    let mut stream = TcpStream::connect(addr).await.expect("connect");
    stream
        .write_all(unfinished_verification())
        .await
        .expect("send the head and a little body");
    let sent = Instant::now();

    let (status, body) = tokio::time::timeout(timeout + MARGIN, read_response(&mut stream))
        .await
        .expect("an answer within the body timeout")
        .expect("a response");
    assert_eq!(status, 408);
    let body: serde_json::Value = serde_json::from_slice(&body).expect("a JSON body");
    assert_eq!(body["code"], "RequestTimeout");
    assert!(sent.elapsed() >= timeout - Duration::from_millis(100));
    assert_eq!(
        health_on_a_new_connection(addr).await.expect("an answer"),
        200
    );
}

#[tokio::test]
async fn a_request_body_trickled_under_the_body_timeout_is_ended_by_the_request_timeout() {
    let request_timeout = Duration::from_secs(3);
    let (_server, addr) = spawn_with(|c| {
        c.body_read_timeout_secs = 2;
        c.request_timeout_secs = 3;
    })
    .await;
    let stream = TcpStream::connect(addr).await.expect("connect");
    let (mut reader, mut writer) = stream.into_split();
    writer
        .write_all(unfinished_verification())
        .await
        .expect("send the head and a little body");
    // One byte every half second: never a pause the body timeout would end. Bounded, and
    // it stops at the first refused write.
    let trickle = tokio::spawn(async move {
        for _ in 0..40 {
            tokio::time::sleep(Duration::from_millis(500)).await;
            if writer.write_all(b" ").await.is_err() {
                break;
            }
        }
    });

    let mut answer = Vec::new();
    let read = tokio::time::timeout(request_timeout + MARGIN, async {
        let mut buf = [0u8; 1024];
        while !answer.windows(4).any(|w| w == b"\r\n\r\n") {
            match reader.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => answer.extend_from_slice(&buf[..n]),
            }
        }
    })
    .await;
    trickle.abort();
    assert!(
        read.is_ok(),
        "the trickled request outlived the request timeout"
    );
    let head = String::from_utf8_lossy(&answer);
    assert!(
        head.starts_with("HTTP/1.1 503"),
        "expected the request timeout's 503, got {head:?}"
    );
    assert_eq!(
        health_on_a_new_connection(addr).await.expect("an answer"),
        200
    );
}

/// Larger than what the two kernels' socket buffers hold between them on loopback, so a
/// server sending it to a client that does not read is left with bytes it cannot send.
const LARGE: usize = 24 * 1024 * 1024;

/// A web directory holding `large.html` of `LARGE` bytes, removed on drop.
struct LargeFile(PathBuf);

impl LargeFile {
    fn new(test: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("vetmap-{test}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("a web directory");
        std::fs::write(dir.join("large.html"), vec![b'x'; LARGE]).expect("a large file");
        Self(dir)
    }
}

impl Drop for LargeFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Asks for `large.html` with a small receive buffer, reads the start of the answer and
/// stops reading.
async fn stalled_download(addr: SocketAddr) -> TcpStream {
    let socket = TcpSocket::new_v4().expect("a socket");
    socket
        .set_recv_buffer_size(16 * 1024)
        .expect("a small receive buffer");
    let mut stream = socket.connect(addr).await.expect("connect");
    stream
        .write_all(b"GET /large.html HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .expect("send the request");
    let mut start = [0u8; 12];
    stream
        .read_exact(&mut start)
        .await
        .expect("the response starts");
    assert_eq!(&start, b"HTTP/1.1 200");
    stream
}

/// Reads what is left until the connection ends: how many bytes that was.
async fn rest_until_closed(stream: &mut TcpStream) -> usize {
    let mut received = 0;
    let mut buf = vec![0u8; 256 * 1024];
    let deadline = Instant::now() + MARGIN;
    loop {
        match tokio::time::timeout_at(deadline, stream.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) => return received,
            Ok(Ok(n)) => received += n,
            Err(_) => panic!("the connection did not end"),
        }
    }
}

#[tokio::test]
async fn a_client_that_stops_reading_a_large_response_is_dropped_after_the_idle_timeout() {
    let web = LargeFile::new("idle");
    let idle = Duration::from_secs(3);
    let (_server, addr) = spawn_with(|c| {
        c.web_dir = web.0.clone();
        // One place only: a new connection is served exactly when the stalled one is gone.
        c.max_connections = 1;
        c.max_connections_per_client = 0;
        c.header_read_timeout_secs = 2;
        c.idle_timeout_secs = 3;
    })
    .await;

    let mut stalled = stalled_download(addr).await;
    let stopped_reading = Instant::now();
    let freed = first_health_after(addr, stopped_reading, stopped_reading + idle + MARGIN)
        .await
        .expect("the stalled connection was never dropped");
    assert!(
        freed >= idle - Duration::from_millis(500),
        "the stalled connection was dropped after {freed:?}, before the idle timeout"
    );
    assert!(
        rest_until_closed(&mut stalled).await < LARGE,
        "the whole file arrived: the connection was not cut"
    );
}

/// The server of `config` run by the test itself, so that it can stop it and see it end.
async fn run(config: Config) -> (SocketAddr, oneshot::Sender<()>, JoinHandle<()>) {
    let app = Application::build(config).await.expect("server builds");
    let addr = app.local_addr();
    let (stop, stopped) = oneshot::channel::<()>();
    let running = tokio::spawn(async move {
        app.run_until(async {
            let _ = stopped.await;
        })
        .await
        .expect("the server ends cleanly");
    });
    (addr, stop, running)
}

#[tokio::test]
async fn a_request_in_flight_at_shutdown_is_answered_while_new_connections_are_refused() {
    let (addr, stop, running) = run(bundled_config()).await;
    let body = br#"{"serial": "DEMO-CD 999999", "birth_date": "2002-03-14"}"#;
    let mut stream = TcpStream::connect(addr).await.expect("connect");
    let head = format!(
        "POST /api/v1/credentials/verify HTTP/1.1\r\nHost: x\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\n\
         Expect: 100-continue\r\n\r\n",
        body.len()
    );
    stream
        .write_all(head.as_bytes())
        .await
        .expect("send the head");
    // hyper says 100 Continue when the handler first asks for the body: from here the
    // request is in flight.
    let mut proceed = [0u8; 25];
    stream
        .read_exact(&mut proceed)
        .await
        .expect("an interim answer");
    assert_eq!(&proceed, b"HTTP/1.1 100 Continue\r\n\r\n");

    stop.send(()).expect("the server listens for its stop");
    let deadline = Instant::now() + MARGIN;
    while TcpStream::connect(addr).await.is_ok() {
        assert!(
            Instant::now() < deadline,
            "new connections are still accepted after the shutdown signal"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    stream.write_all(body).await.expect("send the body");
    let (status, answer) = tokio::time::timeout(MARGIN, read_response(&mut stream))
        .await
        .expect("an answer in time")
        .expect("the request in flight is answered");
    assert_eq!(status, 200);
    let answer: serde_json::Value = serde_json::from_slice(&answer).expect("a JSON body");
    assert_eq!(answer["result"], "not_found");
    tokio::time::timeout(MARGIN, running)
        .await
        .expect("the server stops once its last request is answered")
        .expect("the server task ends");
}

#[tokio::test]
async fn shutdown_closes_what_is_still_open_after_the_grace() {
    let web = LargeFile::new("grace");
    let grace = Duration::from_secs(2);
    let mut config = bundled_config();
    config.web_dir = web.0.clone();
    // The grace is the request timeout; the idle timeout alone would wait a minute.
    config.request_timeout_secs = 2;
    config.idle_timeout_secs = 60;
    let (addr, stop, running) = run(config).await;
    let mut stalled = stalled_download(addr).await;

    stop.send(()).expect("the server listens for its stop");
    let stopping = Instant::now();
    tokio::time::timeout(grace + MARGIN, running)
        .await
        .expect("the server stops within its grace")
        .expect("the server task ends");
    assert!(
        stopping.elapsed() >= grace - Duration::from_millis(100),
        "the server stopped after {:?}, without waiting for the open download",
        stopping.elapsed()
    );
    assert!(
        rest_until_closed(&mut stalled).await < LARGE,
        "the whole file arrived: the connection was not closed"
    );
}

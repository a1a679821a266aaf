//! What every case is held to, and the runner that draws the cases.
//!
//! An answer passes when its status is under 500 (a 503 passes only as `Busy`, heavy
//! work past its limit, or `NeedsDatabase`, a database route on the bundled server, and
//! only with the JSON body), and when every refusal (4xx, and those 503s) carries the
//! JSON error body of `src/error.rs`: `content-type` JSON, an object with a string
//! `code` and a string `description`. A HEAD answer has no body by definition: its
//! `content-type` is checked instead. 1xx–3xx answers carry what their route chose
//! (files, pages, tiles, 304s with no body) and are not looked into.
//!
//! After every case `/health` must answer 200: a handler that panicked is caught by
//! nothing in axum and would end its connection, not the server, so the check that
//! matters is the next request; a stack overflow or an abort ends this whole process
//! (the server runs in it) and fails the suite.

use std::collections::BTreeMap;
use std::fmt::Debug;
use std::io::Write;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use proptest::strategy::Strategy;
use proptest::test_runner::{Config, RngSeed, TestCaseError, TestError, TestRunner};
use reqwest::Method;
use serde_json::Value;

/// One seed for the whole suite: a run draws the same inputs every time.
pub const SEED: u64 = 0x5EED_0013_0000_2026;

/// 503 codes that are answers by design, not failures.
const DESIGNED_503: [&str; 2] = ["Busy", "NeedsDatabase"];

/// A request as the suite builds it: everything is already in wire form (the path and
/// query percent-encoded as the case wants them, junk included).
#[derive(Debug, Clone)]
pub struct Req {
    pub method: Method,
    /// Path and query, starting with `/`.
    pub target: String,
    pub headers: Vec<(String, String)>,
    pub body: Option<Vec<u8>>,
}

impl Req {
    pub fn get(target: impl Into<String>) -> Self {
        Self {
            method: Method::GET,
            target: target.into(),
            headers: Vec::new(),
            body: None,
        }
    }
}

/// What came back.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub content_type: String,
    pub body: Vec<u8>,
}

/// The server under test, as the cases reach it.
#[derive(Clone)]
pub struct Target {
    pub base: String,
    pub http: reqwest::Client,
    /// Sent with every request unless the case sets its own: credentials, say.
    pub default_headers: Vec<(String, String)>,
    /// How many cases got each status, shared by the clones of this target.
    statuses: Arc<Mutex<BTreeMap<u16, u32>>>,
}

impl Target {
    pub fn new(base: &str) -> Self {
        let http = reqwest::Client::builder()
            // Longer than the server's request timeout (30 s): a hang is ours to see.
            .timeout(Duration::from_secs(40))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("an HTTP client");
        Self {
            base: base.to_owned(),
            http,
            default_headers: Vec::new(),
            statuses: Arc::default(),
        }
    }

    pub async fn send(&self, req: &Req) -> Result<Answer, String> {
        let url = format!("{}{}", self.base, req.target);
        let mut b = self.http.request(req.method.clone(), &url);
        for (k, v) in &self.default_headers {
            if !req.headers.iter().any(|(n, _)| n.eq_ignore_ascii_case(k)) {
                b = b.header(k, v);
            }
        }
        for (k, v) in &req.headers {
            b = b.header(k, v);
        }
        if let Some(body) = &req.body {
            b = b.body(body.clone());
        }
        let r = b.send().await.map_err(|e| format!("no answer: {e:?}"))?;
        let status = r.status().as_u16();
        let content_type = r
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned();
        let body = r
            .bytes()
            .await
            .map_err(|e| format!("{status}, then the body broke off: {e:?}"))?;
        Ok(Answer {
            status,
            content_type,
            body: body.to_vec(),
        })
    }

    /// Sends `req`, holds its answer to the rules, and checks the server is alive.
    pub async fn case(&self, req: &Req) -> Result<Answer, String> {
        let answer = self.send(req).await?;
        *self
            .statuses
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .entry(answer.status)
            .or_default() += 1;
        if std::env::var_os("HOSTILE_VERBOSE").is_some() {
            let target: String = req.target.chars().take(160).collect();
            let body: String = String::from_utf8_lossy(&answer.body)
                .chars()
                .take(160)
                .collect();
            let _ = writeln!(
                std::io::stderr(),
                "{} {} {target} -> {body}",
                answer.status,
                req.method
            );
        }
        judge(&req.method, &answer)?;
        self.alive().await?;
        Ok(answer)
    }

    /// Prints how many cases got each status since the last call (so a part that only
    /// ever reached its first check shows as such), and starts counting again.
    pub fn report_statuses(&self, part: &str) {
        let taken =
            std::mem::take(&mut *self.statuses.lock().unwrap_or_else(PoisonError::into_inner));
        let shown: Vec<String> = taken.iter().map(|(s, n)| format!("{s}×{n}")).collect();
        let _ = writeln!(
            std::io::stderr(),
            "hostile: {part}: answers {}",
            shown.join(" ")
        );
    }

    pub async fn alive(&self) -> Result<(), String> {
        let r = self
            .http
            .get(format!("{}/health", self.base))
            .send()
            .await
            .map_err(|e| format!("the server does not answer /health after the case: {e:?}"))?;
        if r.status() != 200 {
            return Err(format!("/health answered {} after the case", r.status()));
        }
        Ok(())
    }
}

/// Holds one answer to the rules in the module's documentation.
pub fn judge(method: &Method, a: &Answer) -> Result<(), String> {
    let excerpt = || {
        let s = String::from_utf8_lossy(&a.body);
        s.chars().take(300).collect::<String>()
    };
    let refusal = (400..500).contains(&a.status) || a.status == 503;
    if a.status >= 500 {
        let code = serde_json::from_slice::<Value>(&a.body)
            .ok()
            .and_then(|v| v["code"].as_str().map(str::to_owned));
        let designed = a.status == 503
            && (*method == Method::HEAD
                || code.is_some_and(|c| DESIGNED_503.contains(&c.as_str())));
        if !designed {
            return Err(format!("a server error: {} {}", a.status, excerpt()));
        }
    }
    if !refusal {
        return Ok(());
    }
    if !a.content_type.contains("json") {
        return Err(format!(
            "a {} without the JSON error body (content-type {:?}): {}",
            a.status,
            a.content_type,
            excerpt()
        ));
    }
    if *method == Method::HEAD {
        return Ok(());
    }
    let v: Value = serde_json::from_slice(&a.body)
        .map_err(|e| format!("a {} whose body is not JSON ({e}): {}", a.status, excerpt()))?;
    if !(v["code"].is_string() && v["description"].is_string()) {
        return Err(format!(
            "a {} whose body lacks `code` or `description`: {}",
            a.status,
            excerpt()
        ));
    }
    Ok(())
}

/// The proptest configuration of one part: fixed seed, `cases` inputs, no regression
/// files (the failures found are kept as named tests in `raw.rs` and beside the code),
/// shrinking bounded so a failure is reported within a minute. For a longer hunt by
/// hand, `HOSTILE_SEED=n` draws other inputs and `HOSTILE_SCALE=k` runs k times as
/// many; CI sets neither.
pub fn config(cases: u32) -> Config {
    let env = |name: &str| std::env::var(name).ok().and_then(|v| v.parse::<u64>().ok());
    let seed = env("HOSTILE_SEED").unwrap_or(SEED);
    let scale = env("HOSTILE_SCALE").unwrap_or(1).clamp(1, 1000) as u32;
    Config {
        cases: cases.saturating_mul(scale),
        failure_persistence: None,
        rng_seed: RngSeed::Fixed(seed),
        max_shrink_iters: 200,
        max_shrink_time: 30_000,
        // Generated values are rejected only by strategies' own filters.
        max_global_rejects: 10_000,
        ..Config::default()
    }
}

/// Runs `cases` inputs drawn from the strategy `make` builds through `case`, on a
/// blocking thread that drives each case's future on this runtime (the strategy is
/// built there: proptest's boxed strategies are not `Send`); fails the test with the
/// smallest failing input proptest found. Returns how many inputs ran (shrinking
/// included) and prints it.
pub async fn run<M, S, F, Fut>(part: &'static str, cases: u32, make: M, case: F) -> u32
where
    M: FnOnce() -> S + Send + 'static,
    S: Strategy,
    S::Value: Debug,
    F: Fn(S::Value) -> Fut + Send + 'static,
    Fut: Future<Output = Result<(), String>>,
{
    let handle = tokio::runtime::Handle::current();
    let ran = Arc::new(AtomicU32::new(0));
    let counted = ran.clone();
    let result = tokio::task::spawn_blocking(move || {
        let strategy = make();
        let mut runner = TestRunner::new(config(cases));
        runner
            .run(&strategy, |value| {
                counted.fetch_add(1, Ordering::Relaxed);
                handle.block_on(case(value)).map_err(TestCaseError::fail)
            })
            .map_err(|e| match e {
                TestError::Fail(why, value) => {
                    let shown: String = format!("{value:?}").chars().take(4_000).collect();
                    format!("{why}\nminimal failing input: {shown}")
                }
                TestError::Abort(why) => format!("aborted: {why}"),
            })
    })
    .await
    .expect("the case runner does not panic");
    let n = ran.load(Ordering::Relaxed);
    report(part, n);
    if let Err(e) = result {
        panic!("hostile input, part {part}: {e}");
    }
    n
}

/// Runs `cases` requests drawn from the strategy `make` builds as cases against `t`,
/// then prints how the server answered them.
pub async fn requests<M, S>(part: &'static str, cases: u32, t: &Target, make: M) -> u32
where
    M: FnOnce() -> S + Send + 'static,
    S: Strategy<Value = Req>,
{
    let target = t.clone();
    let n = run(part, cases, make, move |req| {
        let t = target.clone();
        async move { t.case(&req).await.map(|_| ()) }
    })
    .await;
    t.report_statuses(part);
    n
}

/// Prints a part's count where `cargo test` shows it (libtest captures `println!`, not
/// writes to the process's stderr).
pub fn report(part: &str, inputs: u32) {
    let _ = writeln!(std::io::stderr(), "hostile: {part}: {inputs} inputs");
}

//! Load on a running server's tiles over loopback: every tile of the given zooms over a
//! box, first each once (uncached: the server renders it), then repeatedly for a fixed
//! time (cached). Prints throughput, latency and tile sizes per zoom.
//!
//! cargo run --release --example tile_load -- http://127.0.0.1:8080 institutions \
//!     102.1,8.2,109.5,23.4 5,8,11,12,13 --seconds 10 --concurrency 32

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use vetmap::tiles::TileCoord;

struct Args {
    base: String,
    tileset: String,
    bbox: [f64; 4],
    zooms: Vec<u8>,
    seconds: u64,
    concurrency: usize,
    max_tiles_per_zoom: usize,
}

fn parse() -> anyhow::Result<Args> {
    let mut it = std::env::args().skip(1);
    let mut next = |what: &str| it.next().ok_or_else(|| anyhow::anyhow!("missing {what}"));
    let base = next("base URL")?;
    let tileset = next("tileset")?;
    let b: Vec<f64> = next("bbox")?
        .split(',')
        .map(str::parse)
        .collect::<Result<_, _>>()?;
    let zooms = next("zooms")?
        .split(',')
        .map(str::parse)
        .collect::<Result<_, _>>()?;
    let mut args = Args {
        base,
        tileset,
        bbox: [b[0], b[1], b[2], b[3]],
        zooms,
        seconds: 10,
        concurrency: 32,
        max_tiles_per_zoom: 2000,
    };
    while let Ok(flag) = next("flag") {
        let v = next("value")?;
        match flag.as_str() {
            "--seconds" => args.seconds = v.parse()?,
            "--concurrency" => args.concurrency = v.parse()?,
            "--max-tiles-per-zoom" => args.max_tiles_per_zoom = v.parse()?,
            _ => anyhow::bail!("unknown flag {flag}"),
        }
    }
    Ok(args)
}

#[derive(Default, Clone)]
struct Stats {
    latencies_us: Vec<u64>,
    sizes: BTreeMap<u8, Vec<usize>>,
    non_empty: usize,
    errors: usize,
}

async fn run(
    client: &reqwest::Client,
    urls: Arc<Vec<(u8, String)>>,
    concurrency: usize,
    deadline: Instant,
    once: bool,
) -> (Stats, Duration) {
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..concurrency {
        let (client, urls, next) = (client.clone(), urls.clone(), next.clone());
        tasks.push(tokio::spawn(async move {
            let mut s = Stats::default();
            while Instant::now() < deadline {
                let n = next.fetch_add(1, Ordering::Relaxed);
                if once && n >= urls.len() {
                    break;
                }
                let (z, url) = &urls[n % urls.len()];
                let t = Instant::now();
                match client.get(url).send().await {
                    Ok(r) if r.status().is_success() => {
                        let status = r.status();
                        let len = r.bytes().await.map_or(0, |b| b.len());
                        s.latencies_us.push(t.elapsed().as_micros() as u64);
                        if status == reqwest::StatusCode::OK {
                            s.non_empty += 1;
                            s.sizes.entry(*z).or_default().push(len);
                        }
                    }
                    _ => s.errors += 1,
                }
            }
            s
        }));
    }
    let mut all = Stats::default();
    for t in tasks {
        if let Ok(s) = t.await {
            all.latencies_us.extend(s.latencies_us);
            for (z, v) in s.sizes {
                all.sizes.entry(z).or_default().extend(v);
            }
            all.non_empty += s.non_empty;
            all.errors += s.errors;
        }
    }
    (all, started.elapsed())
}

fn report(label: &str, s: &mut Stats, took: Duration) {
    s.latencies_us.sort_unstable();
    let n = s.latencies_us.len();
    let pct = |p: f64| {
        s.latencies_us
            .get(((n as f64 * p) as usize).min(n.saturating_sub(1)))
            .copied()
            .unwrap_or(0)
    };
    println!(
        "| {label} | {n} | {:.0} | {:.2} | {:.2} | {:.2} | {} |",
        n as f64 / took.as_secs_f64(),
        pct(0.5) as f64 / 1000.0,
        pct(0.99) as f64 / 1000.0,
        s.latencies_us.last().copied().unwrap_or(0) as f64 / 1000.0,
        s.errors
    );
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let a = parse()?;
    let mut urls = Vec::new();
    for &z in &a.zooms {
        let tiles: Vec<TileCoord> = TileCoord::covering(z, a.bbox).collect();
        let step = tiles.len().div_ceil(a.max_tiles_per_zoom).max(1);
        urls.extend(tiles.iter().step_by(step).map(|c| {
            (
                z,
                format!("{}/tiles/{}/{}/{}/{}.mvt", a.base, a.tileset, c.z, c.x, c.y),
            )
        }));
    }
    let urls = Arc::new(urls);
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(a.concurrency)
        .build()?;
    println!(
        "{} tiles of {} at zooms {:?}, concurrency {}",
        urls.len(),
        a.tileset,
        a.zooms,
        a.concurrency
    );
    println!("| phase | requests | req/s | p50 ms | p99 ms | max ms | errors |");
    println!("| --- | --- | --- | --- | --- | --- | --- |");
    let far = Instant::now() + Duration::from_secs(a.seconds * 6);
    let (mut first, took) = run(&client, urls.clone(), a.concurrency, far, true).await;
    report("uncached (each tile once)", &mut first, took);
    let (mut again, took) = run(
        &client,
        urls.clone(),
        a.concurrency,
        Instant::now() + Duration::from_secs(a.seconds),
        false,
    )
    .await;
    report("cached (repeats)", &mut again, took);
    println!("\n| zoom | non-empty tiles | mean bytes | max bytes |");
    println!("| --- | --- | --- | --- |");
    for (z, sizes) in &first.sizes {
        let mean = sizes.iter().sum::<usize>() / sizes.len().max(1);
        println!(
            "| {z} | {} | {mean} | {} |",
            sizes.len(),
            sizes.iter().max().unwrap_or(&0)
        );
    }
    Ok(())
}

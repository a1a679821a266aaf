// What a visitor downloads, measured in Chromium (Playwright's per-request sizes: headers
// plus the body as transferred, compressed), on a first visit and on a repeat visit
// in the same browser profile. The figures go to the test artefacts and the log; the
// budgets below are what a phone on a slow connection can afford.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { ARTIFACTS, BASE, launch, mapIdle } from './helpers.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

/// Loads `/` in `page` and returns, per request (the map's worker included), its URL,
/// status and transferred bytes (headers plus the body as sent, compressed).
async function visit(page) {
  const done = [];
  page.on('requestfinished', (req) => done.push((async () => {
    const [sizes, res] = await Promise.all([req.sizes(), req.response()]);
    return { url: req.url(), status: res?.status() ?? 0, bytes: sizes.responseHeadersSize + sizes.responseBodySize };
  })()));
  await page.goto(BASE + '/');
  await page.waitForSelector('body[data-ready="true"]', { timeout: 30000 });
  await mapIdle(page);
  // Chromium reports no body size to Playwright for the worker's own script; the page's
  // Resource Timing has it (transferSize), so it wins wherever it knows a URL.
  const timing = new Map(await page.evaluate(() => performance.getEntriesByType('resource').map((e) => [e.name, e.transferSize])));
  return (await Promise.all(done))
    .filter((r) => r.url.startsWith('http'))
    .map((r) => (timing.has(r.url) ? { ...r, bytes: timing.get(r.url) } : r));
}

function summary(requests) {
  const group = (r) => {
    const p = new URL(r.url).pathname;
    if (p.startsWith('/dist/') || p === '/' || p.endsWith('.html')) return 'static';
    if (p.startsWith('/tiles/')) return 'tiles';
    if (p.startsWith('/fonts/')) return 'glyphs';
    return 'api';
  };
  const out = { total: 0, static: 0, tiles: 0, glyphs: 0, api: 0, requests: requests.length, largest_static_file: 0 };
  for (const r of requests) {
    out.total += r.bytes;
    out[group(r)] += r.bytes;
    if (group(r) === 'static') out.largest_static_file = Math.max(out.largest_static_file, r.bytes);
  }
  return out;
}

test('a first visit stays within budget and a repeat visit revalidates instead of downloading', async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const first = summary(await visit(await context.newPage()));
  const repeat = summary(await visit(await context.newPage()));
  const report = { first, repeat, url: BASE, measured: new Date().toISOString() };
  writeFileSync(join(ARTIFACTS, 'weight.json'), JSON.stringify(report, null, 2));
  console.log(`bytes transferred: ${JSON.stringify(report)}`);
  assert.ok(first.static > 100_000, `the first visit downloads the app (${first.static} B)`);
  assert.ok(first.total < 600_000, `first visit under 600 kB: ${first.total} B`);
  // The labels' glyphs (Noto Sans subset to Vietnamese, issue 17): about 37 kB measured.
  assert.ok(first.glyphs > 0 && first.glyphs < 60_000, `the labels' glyphs come from us, under 60 kB: ${first.glyphs} B`);
  // Revalidated (304, headers only) or reused from the cache: no static file comes again.
  assert.ok(repeat.largest_static_file < 1000, `no static file is downloaded again (${repeat.largest_static_file} B)`);
  assert.ok(repeat.total < first.total / 10, `a repeat visit costs under a tenth of the first: ${repeat.total} B`);
  await context.close();
});

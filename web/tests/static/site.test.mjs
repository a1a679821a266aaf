// The static site (vetmap export --site), served by a plain file server under a
// sub-path (run by tests/static_site_browser.rs; VETMAP_URL is the site's folder,
// VETMAP_SITE_DIR the folder on disk): the map draws the archive's institutions, a
// diacritic-free search finds a Vietnamese name, nearby lists are in geodesic order, a
// profile opens, the embed works, server-only controls are hidden, no request leaves
// the static server, no console error is logged, and a first visit stays within the
// budget of weight.test.mjs (the static backend and the archive's ranges included).
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { geodesicDistance } from '../../src/static/finder.js';
import { fold } from '../../src/static/fold.js';
import { ARTIFACTS, BASE, jumpAndIdle, launch, mapIdle, rendered, shot } from '../helpers.mjs';

const SITE = process.env.VETMAP_SITE_DIR;
const ix = JSON.parse(readFileSync(join(SITE, 'static/index.json'), 'utf8'));
const origin = new URL(BASE).origin;

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });


/// Every URL the context asked for, from before the page's first request.
async function withRequests(path, viewport) {
  const context = await browser.newContext({ viewport: viewport || { width: 1280, height: 800 }, deviceScaleFactor: 1 });
  const requests = [];
  context.on('request', (r) => requests.push(r.url()));
  const page = await context.newPage();
  const errors = [];
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(BASE + path);
  await page.waitForSelector('body[data-ready="true"]', { timeout: 30000 });
  return { page, context, errors, requests };
}

const away = (requests) => requests.filter((u) => !u.startsWith('data:') && !u.startsWith('blob:') && new URL(u).origin !== origin);

test('the index folds every name as the browser folds what is typed', () => {
  assert.ok(ix.count > 0);
  for (let i = 0; i < ix.count; i++) {
    const names = ix.name_en[i] ? `${ix.name_vi[i]} ${ix.name_en[i]}` : ix.name_vi[i];
    assert.equal(fold(names), ix.name_fold[i], ix.id[i]);
    assert.equal(fold(ix.address[i] ?? ''), ix.address_fold[i], ix.id[i]);
  }
});

for (const [width, height] of [[360, 740], [1280, 800]]) {
  test(`the static map draws the archive's institutions at ${width}×${height}`, async () => {
    const { page, context, errors, requests } = await withRequests('', { width, height });
    await mapIdle(page);
    const style = await page.evaluate(() => Object.keys(window.__vetmap.getStyle().sources));
    assert.deepEqual(style, ['vetmap'], 'one source: the archive');
    const drawn = [...await rendered(page, 'institutions'), ...await rendered(page, 'clusters')];
    assert.ok(drawn.length > 0, 'institutions or clusters drawn from the archive');
    await shot(page, `static-${width}`);
    // Up close, every institution in view is drawn as itself.
    const i = ix.id.indexOf('dh-tra-vinh');
    assert.ok(i >= 0);
    await jumpAndIdle(page, { center: [ix.lon[i], ix.lat[i]], zoom: 14 });
    const ids = (await rendered(page, 'institutions')).map((f) => f.props.id);
    assert.ok(ids.includes('dh-tra-vinh'), `drawn: ${ids}`);
    // Server-only controls are hidden; the note says why.
    assert.equal(await page.isVisible('#filters'), false);
    assert.equal(await page.isVisible('a[href="/verify.html"]'), false);
    assert.equal(await page.isVisible('.officials-link'), false);
    assert.match(await page.textContent('#static-note'), /dịch vụ trực tuyến/);
    await page.click('#lang-switch');
    await page.waitForFunction(() => /online service/.test(document.querySelector('#static-note').textContent));
    assert.ok(requests.some((u) => u.endsWith('/vetmap/vetmap.pmtiles')), 'the archive was read');
    assert.deepEqual(away(requests), [], 'no request leaves the static server');
    assert.deepEqual(errors, []);
    await context.close();
  });
}

test('a diacritic-free search finds a Vietnamese name, and its profile opens', async () => {
  const { page, context, errors, requests } = await withRequests('');
  await page.fill('#search-input', 'dai hoc tra');
  await page.waitForSelector('#search-suggestions li[role=option]', { timeout: 10000 });
  const suggested = await page.$$eval('#search-suggestions li[role=option]', (lis) => lis.map((li) => li.textContent));
  assert.ok(suggested.some((s) => s.includes('Trường Đại học Trà Vinh')), `suggested: ${suggested}`);
  await page.press('#search-input', 'Enter');
  await page.waitForFunction(() => document.querySelector('#results-title')?.textContent && document.querySelectorAll('#results .result-open').length > 0);
  const listed = await page.$$eval('#results .result-open', (bs) => bs.map((b) => b.dataset.id));
  assert.equal(listed[0], 'dh-tra-vinh', `listed: ${listed}`);
  await page.click('#results .result-open[data-id="dh-tra-vinh"]');
  await page.waitForSelector('#profile:not([hidden]) #profile-title');
  assert.match(await page.textContent('#profile-title'), /Trường Đại học Trà Vinh/);
  assert.match(await page.textContent('#profile'), /Công nghệ thông tin/, 'its programmes');
  assert.equal(await page.isVisible('#profile a[href^="/institutions/"]'), false, 'the server page link is hidden');
  // The profile's URL opens the same profile from the site's folder.
  assert.ok(new URL(page.url()).pathname.startsWith('/vetmap/'), page.url());
  assert.deepEqual(away(requests), []);
  assert.deepEqual(errors, []);
  await context.close();
});

test('nearby lists are in geodesic order from the map centre', async () => {
  const { page, context, errors, requests } = await withRequests('');
  await mapIdle(page);
  await page.click('#near-centre');
  await page.waitForFunction(() => document.querySelectorAll('#results .result-open').length > 0);
  const [lon, lat] = await page.evaluate(() => { const c = window.__vetmap.getCenter(); return [c.lng, c.lat]; });
  const listed = await page.$$eval('#results .result-open', (bs) => bs.map((b) => b.dataset.id));
  // Every institution, measured here from scratch, nearest first.
  const expected = ix.id.map((id, i) => ({ id, d: geodesicDistance(lon, lat, ix.lon[i], ix.lat[i]) }))
    .sort((a, b) => a.d - b.d).map((x) => x.id);
  assert.deepEqual(listed, expected.slice(0, listed.length));
  assert.equal(listed.length, Math.min(ix.count, 50));
  assert.deepEqual(away(requests), []);
  assert.deepEqual(errors, []);
  await context.close();
});

test('the embed runs from the same folder and opens a profile from its URL', async () => {
  const { page, context, errors, requests } = await withRequests('embed.html?controls=search,list&institution=gdnn-gdtx-cau-ke');
  await page.waitForSelector('#profile:not([hidden]) #profile-title');
  assert.match(await page.textContent('#profile-title'), /Cầu Kè/);
  await mapIdle(page);
  assert.deepEqual(away(requests), []);
  assert.deepEqual(errors, []);
  await context.close();
});

test('a first visit to the static map stays within the page weight budget', async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  const done = [];
  page.on('requestfinished', (req) => done.push((async () => {
    const sizes = await req.sizes();
    return { url: req.url(), body: sizes.responseBodySize, bytes: sizes.responseHeadersSize + sizes.responseBodySize };
  })()));
  await page.goto(BASE);
  await page.waitForSelector('body[data-ready="true"]', { timeout: 30000 });
  await mapIdle(page);
  const timing = new Map(await page.evaluate(() => performance.getEntriesByType('resource').map((e) => [e.name, e.transferSize])));
  const requests = (await Promise.all(done)).filter((r) => r.url.startsWith('http'))
    // Chromium gives Playwright no body size for the worker's script; Resource Timing
    // has it. Not for the rest: the archive's URL is read many times, a range each.
    .map((r) => (!r.body && timing.get(r.url) ? { ...r, bytes: timing.get(r.url) } : r));
  const sum = (f) => requests.filter(f).reduce((a, r) => a + r.bytes, 0);
  const path = (r) => new URL(r.url).pathname;
  const report = {
    total: sum(() => true),
    archive: sum((r) => path(r).endsWith('.pmtiles')),
    static_backend: sum((r) => path(r).endsWith('/dist/static.js')),
    index: sum((r) => path(r).endsWith('/static/index.json')),
    glyphs: sum((r) => path(r).includes('/fonts/')),
    requests: requests.length,
  };
  writeFileSync(join(ARTIFACTS, 'static-weight.json'), JSON.stringify(report, null, 2));
  console.log(`static site, bytes transferred on a first visit: ${JSON.stringify(report)}`);
  assert.ok(report.static_backend > 0 && report.archive > 0 && report.index > 0, 'the static parts were downloaded');
  assert.ok(report.total < 600_000, `first visit under 600 kB: ${report.total} B`);
  assert.ok(report.glyphs > 0 && report.glyphs < 60_000, `glyphs under 60 kB: ${report.glyphs} B`);
  await context.close();
});

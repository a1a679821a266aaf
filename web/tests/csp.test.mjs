// Every page under the server's Content-Security-Policy (src/api/edge/headers.rs): no
// violation, neither a `securitypolicyviolation` event in any frame nor a console message
// about the policy (from the page or MapLibre's worker), no console error at all, and the
// page still works (the map draws its tiles, the check page checks, the report prints,
// the server-rendered pages have their stylesheet). Only the embed may be framed.
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, test } from 'node:test';
import { BASE, launch, mapIdle, rendered, shot } from './helpers.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

/// Opens `path` in a fresh context that records every policy violation in every frame.
async function visit(path, { width = 1280, height = 800, ...options } = {}) {
  const context = await browser.newContext({ viewport: { width, height }, deviceScaleFactor: 1, ...options });
  await context.addInitScript(() => {
    window.__violations = [];
    document.addEventListener('securitypolicyviolation', (e) => {
      window.__violations.push(`${e.effectiveDirective} blocked ${e.blockedURI || 'inline'} at ${e.sourceFile}:${e.lineNumber}`);
    });
  });
  const page = await context.newPage();
  const problems = [];
  page.on('console', (m) => {
    // A page without an icon link (the API page) makes the browser ask for /favicon.ico:
    // a 404 that is no policy matter.
    if (m.location().url?.endsWith('/favicon.ico')) return;
    if (m.type() === 'error' || /content.security.policy/i.test(m.text())) problems.push(`console ${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e}`));
  const response = path ? await page.goto(BASE + path) : null;
  return { context, page, problems, response };
}

/// Every violation seen so far, in any frame, and every console problem.
async function violations(page, problems) {
  const seen = await Promise.all(page.frames().map((f) => f.evaluate(() => window.__violations ?? []).catch(() => [])));
  return [...seen.flat(), ...problems];
}

function assertPolicy(response) {
  const csp = response.headers()['content-security-policy'];
  assert.match(csp ?? '', /script-src 'self'/, `${response.url()} carries the policy`);
  assert.match(csp, /style-src 'self'/);
}

async function computed(page, selector, property) {
  return page.$eval(selector, (el, p) => getComputedStyle(el)[p], property);
}

for (const [name, width, height] of [['phone', 360, 740], ['desktop', 1280, 800]]) {
  test(`the map on a ${name} draws its tiles with no policy violation`, async () => {
    const { context, page, problems, response } = await visit('/', {
      width, height, geolocation: { longitude: 106.34, latitude: 9.94 }, permissions: ['geolocation'],
    });
    assertPolicy(response);
    await page.waitForSelector('body[data-ready="true"]', { timeout: 30000 });
    await mapIdle(page);
    assert.ok(await page.$('#map canvas'), 'the map has its canvas');
    const clusters = await rendered(page, 'clusters');
    assert.ok(clusters.length > 0, 'tiles loaded and clusters drawn');
    // The Permissions-Policy lets our own page ask for the position, and nothing else.
    const allowed = await page.evaluate(() => ({
      geolocation: document.featurePolicy.allowsFeature('geolocation'),
      camera: document.featurePolicy.allowsFeature('camera'),
    }));
    assert.deepEqual(allowed, { geolocation: true, camera: false });
    const position = await page.evaluate(() => new Promise((resolve) => {
      navigator.geolocation.getCurrentPosition((p) => resolve(p.coords.longitude), (e) => resolve(e.message));
    }));
    assert.equal(position, 106.34);
    await shot(page, `60-csp-map-${name}`);
    assert.deepEqual(await violations(page, problems), []);
    await context.close();
  });
}

/// A stand-in for another site, served on loopback: its page frames `path` of ours.
async function portal(path) {
  const server = http.createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(`<!doctype html><html lang="en"><title>Portal</title><body><h1>Portal</h1>
      <iframe id="f" title="VET map" src="${BASE}${path}" width="800" height="560"></iframe></body></html>`);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://localhost:${server.address().port}/` };
}

test('the embed works framed by another site, with no policy violation', async () => {
  const { server, url } = await portal('/embed?lang=en&center=106.335,9.945&zoom=12.5');
  const { context, page, problems } = await visit(null, { width: 900, height: 700 });
  const response = page.waitForResponse((r) => r.url().startsWith(`${BASE}/embed`));
  await page.goto(url);
  assertPolicy(await response);
  const frame = page.frames().find((f) => f.url().includes('/embed'));
  await frame.waitForSelector('body[data-ready="true"]', { timeout: 30000 });
  await mapIdle(page, frame);
  assert.ok((await rendered(frame, 'institutions')).length > 0, 'the framed map draws its points');
  await shot(page, '61-csp-embed');
  assert.deepEqual(await violations(page, problems), []);
  await context.close();
  server.close();
});

test('another site cannot frame the map itself', async () => {
  const { server, url } = await portal('/index.html');
  const { context, page } = await visit(null);
  // Chromium replaces a refused frame with its error page and says why in the console.
  const refusal = page.waitForEvent('console', { predicate: (m) => /frame-ancestors 'none'/.test(m.text()), timeout: 10000 });
  await page.goto(url);
  await refusal;
  for (const f of page.frames().slice(1)) {
    assert.notEqual(await f.evaluate(() => document.body?.dataset.page).catch(() => null), 'map', 'the map did not load in the frame');
  }
  await context.close();
  server.close();
});

test('the embed builder and its live preview run with no policy violation', async () => {
  const { context, page, problems, response } = await visit('/embed/builder');
  assertPolicy(response);
  await page.waitForSelector('body[data-ready="true"]', { timeout: 30000 });
  const preview = page.waitForEvent('framenavigated', { predicate: (f) => /\/embed\?.*kind=college/.test(f.url()) });
  await page.selectOption('#b-kind', 'college');
  const frame = await preview;
  await frame.waitForSelector('body[data-ready="true"]', { timeout: 30000 });
  await mapIdle(page, frame);
  assert.equal(await page.$eval('#b-preview iframe', (f) => f.style.borderStyle), 'none', 'the preview has no border');
  await shot(page, '62-csp-builder');
  assert.deepEqual(await violations(page, problems), []);
  await context.close();
});

test('the officials view draws its map and bars with no policy violation', async () => {
  const { context, page, problems, response } = await visit('/officials.html', { width: 1280, height: 1000 });
  assertPolicy(response);
  await page.waitForSelector('body[data-ready="true"]', { timeout: 30000 });
  assert.ok(await page.locator('#map svg path').count() > 100, 'the grid is drawn');
  // Widths and colours set through the CSSOM, which the policy allows.
  const widths = await page.$$eval('#ind-list .v', (els) => els.map((e) => e.style.width));
  assert.ok(widths.length > 0 && widths.every((w) => w.endsWith('%')), `bars have widths: ${widths}`);
  assert.ok(await page.$$eval('#legend i', (els) => els.every((e) => e.style.background !== '')), 'legend swatches are coloured');
  await shot(page, '63-csp-officials');
  assert.deepEqual(await violations(page, problems), []);
  await context.close();
});

test('the check page checks a credential and a signed statement with no policy violation', async () => {
  const { context, page, problems, response } = await visit('/verify.html');
  assertPolicy(response);
  assert.equal(await computed(page, 'body', 'maxWidth'), '704px', 'verify.css applies');
  await page.fill('#serial', 'DEMO-CD 000101');
  await page.fill('#birth_date', '2002-03-14');
  await page.click('#check button[type=submit]');
  await page.waitForSelector('#result[data-result="valid"][data-demonstration="true"]');
  assert.ok((await page.locator('#result h3').textContent()).includes('MINH HỌA'), 'a demonstration never reads as a real diploma');
  await page.waitForFunction(() => document.querySelector('.qr img')?.naturalWidth > 0);
  await shot(page, '64-csp-verify-answer');
  assert.deepEqual(await violations(page, problems), []);
  // The QR code's link (the page at #statement=…, opened afresh): the statement fetched
  // and its signature and status list checked in the page (WebCrypto, DecompressionStream).
  const answer = await (await page.request.post(`${BASE}/api/v1/credentials/verify`, {
    data: { serial: 'DEMO-CD 000101', birth_date: '2002-03-14' },
  })).json();
  await page.goto('about:blank');
  await page.goto(BASE + answer.statement.links.check_page);
  await page.waitForSelector('#jwsResult[data-result="statusOk"]');
  await shot(page, '65-csp-verify-statement');
  assert.deepEqual(await violations(page, problems), []);
  await context.close();
});

test('the printable report has its stylesheet, charts and print button with no policy violation', async () => {
  const { context, page, problems, response } = await visit('/reports/periodic?occupation=6480201&radius_km=10');
  await context.addInitScript(() => { window.print = () => { window.__printed = true; }; });
  assertPolicy(response);
  await page.reload();
  assert.equal(await computed(page, 'body', 'maxWidth'), '960px', 'report.css applies');
  assert.equal(await page.locator('svg.bar').count(), 14, 'a bar per indicator');
  assert.equal(await page.locator('svg.progress').count(), 14, 'and a chart of its path to the targets');
  await page.click('button[data-print]');
  assert.equal(await page.evaluate(() => window.__printed), true, 'the print button prints');
  await shot(page, '66-csp-report');
  assert.deepEqual(await violations(page, problems), []);
  await context.close();
});

// The server-rendered pages: their stylesheet from /assets/ applies (body width), or,
// for the API page, which has none, its document shows.
for (const [path, maxWidth, shotName] of [
  ['/institutions/cd-nghe-tra-vinh', '768px', '67-csp-institution'],
  ['/collections/institutions/items?f=html', '960px', '68-csp-items'],
  ['/?f=html', '960px', '69-csp-landing'],
  ['/api?f=html', null, '70-csp-api'],
]) {
  test(`${path} renders with no policy violation`, async () => {
    const { context, page, problems, response } = await visit(path);
    assert.equal(response.status(), 200);
    assertPolicy(response);
    assert.ok((await page.textContent('h1')).trim().length > 0, 'the page has its heading');
    if (maxWidth) assert.equal(await computed(page, 'body', 'maxWidth'), maxWidth, 'its stylesheet applies');
    else assert.match(await page.textContent('pre'), /"openapi"/);
    if (path.startsWith('/institutions/')) {
      const ld = JSON.parse(await page.textContent('script[type="application/ld+json"]'));
      assert.match(ld['@context'], /schema\.org/, 'the JSON-LD is there to read');
    }
    await shot(page, shotName);
    assert.deepEqual(await violations(page, problems), []);
    await context.close();
  });
}

test('the tile test page draws with MapLibre unbundled and no policy violation', async () => {
  const { context, page, problems, response } = await visit('/test-tiles.html?center=106.3,9.85&zoom=9');
  assertPolicy(response);
  await page.waitForFunction(() => window.tilesTest && window.tilesTest.idle, null, { timeout: 60000 });
  assert.ok((await page.evaluate(() => window.tilesTest.counts())).land > 0, 'the land is drawn');
  assert.deepEqual(await violations(page, problems), []);
  await context.close();
});

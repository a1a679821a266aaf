// The embed: URL parameters drive it, it may be framed (frame-ancestors), it tells the
// parent page what was selected; the builder writes the snippet.
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, test } from 'node:test';
import { BASE, launch, mapIdle, open, seriousViolations, shot } from './helpers.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

const EMBED = '/embed?lang=en&kind=college&center=106.335,9.945&zoom=12.5&controls=list';

test('the embed honours language, filter, centre, zoom and controls, and posts the selection to its parent', async () => {
  const context = await browser.newContext({ viewport: { width: 900, height: 700 } });
  const page = await context.newPage();
  const errors = [];
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  page.on('pageerror', (e) => errors.push(String(e)));
  // A stand-in for a provincial portal: another origin, served for real on loopback.
  const portal = http.createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(`<!doctype html><html lang="en"><title>Portal</title><body><h1>Portal</h1>
      <iframe id="f" title="VET map" src="${BASE}${EMBED}" width="800" height="560" style="border:0"></iframe>
      <script>window.messages = []; addEventListener('message', (e) => messages.push(e.data));</script></body></html>`);
  });
  await new Promise((resolve) => portal.listen(0, '127.0.0.1', resolve));
  const portalUrl = `http://localhost:${portal.address().port}/`;
  const response = page.waitForResponse((r) => r.url().startsWith(`${BASE}/embed`));
  await page.goto(portalUrl);
  const csp = (await response).headers()['content-security-policy'];
  assert.match(csp, /; frame-ancestors \*$/, 'any site may frame the embed by default');
  assert.match(csp, /script-src 'self'/, 'the rest is the policy of every page');
  const frame = page.frameLocator('#f');
  const f = page.frames().find((x) => x.url().includes('/embed'));
  await f.waitForSelector('body[data-ready="true"]');
  await mapIdle(page, f);
  assert.equal(await f.getAttribute('html', 'lang'), 'en');
  const view = await f.evaluate(() => ({ c: window.__vetmap.getCenter(), z: window.__vetmap.getZoom() }));
  assert.ok(Math.abs(view.c.lng - 106.335) < 1e-6 && Math.abs(view.c.lat - 9.945) < 1e-6, JSON.stringify(view));
  assert.equal(view.z, 12.5);
  assert.equal(await f.$('header'), null, 'no page header');
  assert.equal(await f.$('#search-form'), null, 'search not asked for');
  assert.equal(await f.$('#filters'), null, 'filters not asked for');
  assert.equal(await f.$('.maplibregl-ctrl-zoom-in'), null, 'zoom buttons not asked for');
  assert.match(await f.evaluate(() => window.__vetmap.getSource('institutions').tiles[0]), /kind=college/);
  const metas = await frame.locator('#results .result-meta').allTextContents();
  assert.ok(metas.length > 0 && metas.every((m) => m.startsWith('College')), `colleges only, in English: ${metas}`);
  await shot(page, '50-embed-in-portal');

  await frame.locator('#results .result-open').first().click();
  await page.waitForFunction(() => window.messages.some((m) => m.type === 'vetmap:select'));
  const msg = await page.evaluate(() => window.messages.find((m) => m.type === 'vetmap:select'));
  assert.ok(msg.id && msg.name_vi && Array.isArray(msg.location), JSON.stringify(msg));
  assert.match(msg.url, new RegExp(`institution=${msg.id}`));
  await frame.locator('#profile:not([hidden])').waitFor();
  await shot(page, '51-embed-profile');
  assert.deepEqual(await seriousViolations(f), [], 'axe: embed');
  assert.deepEqual(errors, []);
  await context.close();
  portal.close();
});

test('the builder writes an iframe snippet for the chosen options', async () => {
  const { page, errors, context } = await open(browser, '/embed/builder');
  await page.selectOption('#b-kind', 'college');
  await page.check('input[name=controls][value=list]');
  await page.selectOption('#b-lang', 'en');
  const snippet = await page.inputValue('#b-snippet');
  const src = new URL(snippet.match(/^<iframe src="([^"]+)"/)[1].replaceAll('&amp;', '&'));
  assert.equal(src.pathname, '/embed');
  assert.equal(src.searchParams.get('lang'), 'en');
  assert.equal(src.searchParams.get('kind'), 'college');
  assert.deepEqual(src.searchParams.get('controls').split(',').sort(), ['list', 'search', 'zoom']);
  assert.match(snippet, /title="Map of the vocational education network of Tra Vinh"/);
  await page.waitForSelector('#b-preview iframe');
  await shot(page, '52-embed-builder');
  assert.deepEqual(await seriousViolations(page), [], 'axe: builder');
  assert.deepEqual(errors, []);
  await context.close();
});

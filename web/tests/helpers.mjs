// Shared by the browser tests: Debian's Chromium driven by playwright-core (which never
// downloads a browser), a page opened with console errors collected, screenshots as
// test artefacts, and the axe-core audit.
import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

export const BASE = process.env.VETMAP_URL || 'http://127.0.0.1:8080';
export const ARTIFACTS = process.env.VETMAP_ARTIFACTS || join(process.cwd(), '..', 'target', 'test-artifacts', 'browser');
const CHROMIUM = process.env.VETMAP_CHROMIUM || '/usr/bin/chromium';
mkdirSync(ARTIFACTS, { recursive: true });

export async function launch() {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
      '--disable-sync', '--no-first-run', '--disable-dev-shm-usage'],
  });
}

/// A fresh context (no remembered language) and page at `path`, waiting until the app
/// says it is ready. `errors` collects console errors and uncaught exceptions.
export async function open(browser, path, { width = 1280, height = 800, geolocation, permissions = [], storage } = {}) {
  const context = await browser.newContext({
    viewport: { width, height },
    deviceScaleFactor: 1,
    ...(geolocation ? { geolocation } : {}),
    permissions,
  });
  const page = await context.newPage();
  const errors = [];
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  page.on('pageerror', (e) => errors.push(String(e)));
  if (storage) await context.addInitScript((s) => { for (const [k, v] of Object.entries(s)) localStorage.setItem(k, v); }, storage);
  await page.goto(BASE + path);
  await page.waitForSelector('body[data-ready="true"]', { timeout: 30000 });
  return { page, context, errors };
}

export async function shot(page, name) {
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`) });
}

/// Waits until the map has loaded every tile it shows and stopped moving.
export async function mapIdle(page, frame = page) {
  await frame.waitForFunction(() => {
    const m = window.__vetmap;
    return m && m.loaded() && m.areTilesLoaded() && !m.isMoving();
  }, null, { timeout: 30000, polling: 100 });
}

/// Moves the map and waits for MapLibre's `idle` after that move: right after `jumpTo`
/// the old tiles still count as loaded, so polling `areTilesLoaded` can win the race.
export async function jumpAndIdle(page, camera) {
  await page.evaluate((c) => new Promise((resolve) => {
    const m = window.__vetmap;
    m.once('idle', () => resolve());
    m.jumpTo(c);
  }), camera);
}

/// The features MapLibre drew on screen in a layer, with their screen position.
export async function rendered(frame, layer) {
  return frame.evaluate((l) => window.__vetmap.queryRenderedFeatures({ layers: [l] }).map((f) => {
    const p = window.__vetmap.project(f.geometry.coordinates);
    return { props: f.properties, coords: f.geometry.coordinates, x: p.x, y: p.y };
  }), layer);
}

/// Clicks the map canvas at a point in the map's own pixel coordinates.
export async function clickMap(page, x, y, frame = page) {
  const box = await (await frame.$('#map canvas')).boundingBox();
  await page.mouse.click(box.x + x, box.y + y);
}

const require = createRequire(import.meta.url);

const AXE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

/// The axe-core violations of impact "serious" or "critical" (WCAG 2.0/2.1 A and AA).
/// axe is evaluated through the DevTools protocol, not added as a `<script>` element,
/// which the pages' Content-Security-Policy (no inline script) would refuse.
export async function seriousViolations(frame) {
  await frame.evaluate(AXE);
  const result = await frame.evaluate(() => window.axe.run(document, {
    runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
  }));
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).slice(0, 5).join(', ')})`);
}

/// Great-circle distance in metres, to check the server's order independently.
export function haversine([lon1, lat1], [lon2, lat2]) {
  const r = 6371008.8;
  const rad = Math.PI / 180;
  const a = Math.sin(((lat2 - lat1) * rad) / 2) ** 2
    + Math.cos(lat1 * rad) * Math.cos(lat2 * rad) * Math.sin(((lon2 - lon1) * rad) / 2) ** 2;
  return 2 * r * Math.asin(Math.sqrt(a));
}

// Draws the three tilesets in headless Chromium with MapLibre GL JS (web/test-tiles.html)
// against a running server, fails on any console error or failed request, checks that
// each layer rendered features, and saves a screenshot.
//
//   node web/tests/tiles-render.mjs http://127.0.0.1:8080 target/test-artifacts/tiles.png
import { chromium } from 'playwright-core';

const [base, screenshot] = process.argv.slice(2);
if (!base || !screenshot) {
  console.error('usage: tiles-render.mjs BASE_URL SCREENSHOT.png');
  process.exit(2);
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
    '--disable-component-update', '--disable-sync',
    // WebGL without a GPU: SwiftShader through ANGLE.
    '--use-angle=swiftshader', '--enable-unsafe-swiftshader'],
});
const problems = [];
try {
  const page = await browser.newPage({ viewport: { width: 1024, height: 768 } });
  page.on('console', (m) => { if (m.type() === 'error') problems.push(`console: ${m.text()} ${m.location()?.url ?? ''}`); });
  page.on('pageerror', (e) => problems.push(`page error: ${e}`));
  page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()} ${r.failure()?.errorText}`));
  page.on('response', (r) => { if (r.status() >= 400) problems.push(`HTTP ${r.status()} ${r.url()}`); });

  const views = [
    { name: 'province', center: '106.3,9.85', zoom: 9, expect: ['land', 'areas-2025', 'boundaries', 'clusters'] },
    { name: 'town', center: '106.34,9.94', zoom: 12.5, expect: ['land', 'areas-2025', 'boundaries', 'institutions'] },
  ];
  const results = {};
  for (const v of views) {
    await page.goto(`${base}/test-tiles.html?center=${v.center}&zoom=${v.zoom}`);
    await page.waitForFunction(() => window.tilesTest && window.tilesTest.idle, null, { timeout: 90_000 });
    const counts = await page.evaluate(() => window.tilesTest.counts());
    results[v.name] = counts;
    for (const layer of v.expect) {
      if (!(counts[layer] > 0)) problems.push(`${v.name}: layer ${layer} drew nothing (${JSON.stringify(counts)})`);
    }
    const path = v.name === 'province' ? screenshot : screenshot.replace(/\.png$/, `-${v.name}.png`);
    await page.screenshot({ path });
  }
  console.log(JSON.stringify(results));
} finally {
  await browser.close();
}
if (problems.length) {
  console.error(problems.join('\n'));
  process.exit(1);
}
console.log('tiles render: ok');

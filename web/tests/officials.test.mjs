// The officials' view in headless Chromium: it renders the grid, the table, the
// indicators and the export links without console errors; screenshots are saved.
// Needs VETMAP_BASE_URL (a running server; tests/officials_browser.rs starts one).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const base = process.env.VETMAP_BASE_URL;
const artifacts = process.env.VETMAP_ARTIFACTS
  ?? join(dirname(fileURLToPath(import.meta.url)), '../../target/test-artifacts');
const executablePath = process.env.CHROMIUM ?? '/usr/bin/chromium';

async function withPage(viewport, fn) {
  const browser = await chromium.launch({
    executablePath,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
  try {
    const page = await browser.newPage({ viewport });
    const problems = [];
    page.on('console', (m) => { if (m.type() === 'error') problems.push(m.text()); });
    page.on('pageerror', (e) => problems.push(String(e)));
    page.on('requestfailed', (r) => problems.push(`failed: ${r.url()}`));
    await fn(page, problems);
  } finally {
    await browser.close();
  }
}

test('the officials view renders coverage, indicators and exports without console errors', async () => {
  assert.ok(base, 'set VETMAP_BASE_URL to a running vetmap server');
  mkdirSync(artifacts, { recursive: true });
  await withPage({ width: 1280, height: 1000 }, async (page, problems) => {
    await page.goto(`${base}/officials.html`);
    await page.waitForSelector('body[data-ready="true"]', { timeout: 30000 });
    const cells = await page.locator('#map svg path').count();
    assert.ok(cells > 100, `grid drawn (${cells} paths)`);
    assert.equal(await page.locator('#areas-table tbody tr').count(), 9, 'nine pre-2025 districts');
    assert.equal(await page.locator('#ind-list article.target').count(), 12, 'the Plan\'s twelve targets');
    assert.equal(await page.locator('#ind-list section.ind').count(), 14, 'fourteen indicators');
    // Caveats in the page's language (Vietnamese first).
    assert.ok((await page.locator('#caveats').textContent()).includes('sơ đồ minh họa'));
    assert.ok((await page.locator('#ind-caveats').textContent()).includes('số liệu minh họa'));
    assert.ok(!(await page.locator('#ind-caveats').textContent()).includes('illustrative, not reported'));
    const csv = await page.locator('#x-areas-csv').getAttribute('href');
    const res = await page.request.get(`${base}${csv}`);
    assert.equal(res.status(), 200);
    const text = await res.text();
    assert.ok(text.startsWith('#,"Lưu ý: '), text.slice(0, 80));
    assert.ok(text.includes('\nscheme,code,name'));
    await page.screenshot({ path: join(artifacts, 'officials-grid.png'), fullPage: true });

    // An occupation, the area shading, then English.
    await page.selectOption('#occupation', '6480201');
    await page.fill('#radius', '15');
    await page.click('#question button[type=submit]');
    await page.waitForFunction(() => document.querySelector('#x-grid-csv').href.includes('occupation=6480201'));
    await page.check('input[name=layer][value=areas]');
    await page.waitForSelector('#legend span:nth-child(5)');
    await page.screenshot({ path: join(artifacts, 'officials-areas.png'), fullPage: true });
    await page.click('#lang');
    assert.equal(await page.locator('html').getAttribute('lang'), 'en');
    assert.ok((await page.locator('h1').textContent()).includes('coverage'));
    assert.deepEqual(problems, []);
  });
});

test('each indicator shows its path towards the 2025 and 2030 targets in the page\'s language', async () => {
  assert.ok(base, 'set VETMAP_BASE_URL to a running vetmap server');
  mkdirSync(artifacts, { recursive: true });
  await withPage({ width: 1280, height: 1000 }, async (page, problems) => {
    await page.goto(`${base}/officials.html`);
    await page.waitForSelector('body[data-ready="true"]', { timeout: 30000 });
    const charts = page.locator('.progress-chart svg.progress');
    assert.equal(await charts.count(), 14, 'one chart per indicator');
    const platform = page.locator('section[data-indicator="digital_platform_connection"] svg.progress');
    assert.equal(await platform.getAttribute('data-lang'), 'vi');
    // The targets at the end of 2025 and 2030, the value now, and the unknowns' range.
    assert.equal(await platform.locator('.target').count(), 2);
    const labels = await platform.locator('text').allTextContents();
    assert.ok(labels.includes('50% 2025') && labels.includes('100% 2030'), labels.join('|'));
    assert.ok(labels.includes('mục tiêu') && labels.includes('chưa rõ'), labels.join('|'));
    assert.equal(await platform.locator('circle.value.now').count(), 1);
    const box = await platform.boundingBox();
    assert.ok(box.width > 300 && box.height > 100, `drawn at ${box.width}×${box.height}`);
    // Not reported by the department: unknown, shown apart, and said in words.
    const reports = page.locator('section[data-indicator="reports_digital"]');
    assert.equal(await reports.locator('svg .unknown-value').count(), 1);
    assert.ok((await reports.locator('.missing').textContent()).includes('Sở chưa báo cáo'));
    await page.locator('#indicators').screenshot({ path: join(artifacts, 'officials-progress-vi.png') });

    await page.click('#lang');
    await page.waitForSelector('body[data-ready="true"]');
    await page.waitForSelector('section[data-indicator="digital_platform_connection"] svg.progress[data-lang="en"]');
    const en = await page.locator('section[data-indicator="digital_platform_connection"] svg.progress text').allTextContents();
    assert.ok(en.includes('target') && en.includes('unknown') && en.includes('now'), en.join('|'));
    assert.equal(await page.locator('svg.progress[data-lang="vi"]').count(), 0, 'no chart left in Vietnamese');
    assert.ok((await page.locator('#ind-caveats').textContent()).includes('illustrative, not reported'));
    assert.ok((await page.locator('#target-d4 .meta').first().textContent()).includes('Our rendering'));
    assert.match(await page.locator('#x-ind-csv').getAttribute('href'), /lang=en/);
    await page.locator('#indicators').screenshot({ path: join(artifacts, 'officials-progress-en.png') });
    assert.deepEqual(problems, []);
  });
});

test('a bad radius shows the server\'s explanation, not a broken page', async () => {
  assert.ok(base, 'set VETMAP_BASE_URL');
  await withPage({ width: 390, height: 844 }, async (page, problems) => {
    await page.goto(`${base}/officials.html`);
    await page.waitForSelector('body[data-ready="true"]', { timeout: 30000 });
    await page.screenshot({ path: join(artifacts, 'officials-phone.png'), fullPage: true });
    await page.fill('#radius', '900');
    // Past the browser's own range check, as an old browser or a typed URL would be.
    await page.evaluate(() => {
      const form = document.querySelector('#question');
      form.noValidate = true;
      form.requestSubmit();
    });
    await page.waitForSelector('#error:not([hidden])');
    assert.match(await page.locator('#error').textContent(), /radius_km/);
    // The 400 itself is logged by Chromium as a failed resource; nothing else may be.
    assert.deepEqual(problems.filter((p) => !p.includes('400')), []);
  });
});

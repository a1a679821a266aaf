// The Plan's figures in headless Chromium: an institution reports its year, the province
// reviews it in the queue, the institution sees the review. Needs the reports API
// (tests/admin_browser.rs starts the server and makes the accounts; the same
// VETMAP_OFFICIALS as admin.test.mjs). Served under the same strict CSP.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { ARTIFACTS, BASE, launch } from '../helpers.mjs';

const OFFICIALS = JSON.parse(process.env.VETMAP_OFFICIALS || 'null');
const CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
  + "worker-src 'self' blob:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

let browser;
before(async () => {
  assert.ok(OFFICIALS, 'set VETMAP_OFFICIALS (tests/admin_browser.rs does)');
  browser = await launch();
});
after(async () => { await browser?.close(); });

async function signedIn(login, lang) {
  const context = await browser.newContext({ viewport: { width: 1000, height: 900 }, deviceScaleFactor: 1 });
  await context.route('**/admin.html*', async (route) => {
    const res = await route.fetch();
    await route.fulfill({ response: res, headers: { ...res.headers(), 'content-security-policy': CSP } });
  });
  await context.addInitScript((l) => {
    window.__csp = [];
    document.addEventListener('securitypolicyviolation', (e) => window.__csp.push(`${e.violatedDirective} ${e.blockedURI}`));
    if (l) localStorage.setItem('vetmap.lang', l);
  }, lang || null);
  const page = await context.newPage();
  const errors = [];
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(`${BASE}/admin.html`);
  await page.waitForSelector('#signin-form');
  await page.fill('#login', login);
  await page.fill('#password', OFFICIALS.password);
  await page.click('#signin-form button[type=submit]');
  await page.waitForSelector('#admin-nav a');
  const problems = async (codes = '401') => [
    ...(await page.evaluate(() => window.__csp)).map((c) => `CSP: ${c}`),
    ...errors.filter((e) => !new RegExp(`status of (${codes}) `).test(e)),
  ];
  return { context, page, problems };
}

test('an institution reports its year\'s figures and the province reviews them', async () => {
  const { login, id } = OFFICIALS.institution;
  const year = String(new Date().getFullYear());
  const school = await signedIn(login);
  const page = school.page;
  // One institution: "Report figures" goes straight to its form.
  await page.click(`#admin-nav a[href="#/reports"]`);
  await page.waitForSelector('#report-form');
  assert.equal(await page.inputValue('#r-period'), year);
  // The list arrives after the form: wait for it rather than read it half-drawn.
  await page.waitForSelector('#reports li');
  assert.match(await page.textContent('#reports'), /Chưa có báo cáo nào/);

  await page.selectOption('#r-digital_infrastructure', 'true');
  await page.selectOption('#r-connected_national_platform', 'false');
  await page.selectOption('#r-digitised_diplomas', 'true');
  await page.fill('#r-teachers_digital_trained_pct', '140');
  await page.click('#report-form button[type=submit]');
  await page.waitForSelector('#r-teachers_digital_trained_pct[aria-invalid="true"]');
  assert.ok(await page.isVisible('#r-teachers_digital_trained_pct-error'), 'the percentage is refused beside its field');
  assert.ok(await page.isVisible('#r-source-error'), 'so is the missing source');

  await page.fill('#r-teachers_digital_trained_pct', '55');
  await page.fill('#r-source', 'Báo cáo tự đánh giá của trung tâm, tháng 11');
  await page.click('#report-form button[type=submit]');
  await page.waitForSelector('#report-saved');
  const card = page.locator(`#reports li[data-period="${year}"]`);
  assert.match(await card.textContent(), /chờ xem xét/);
  assert.match(await card.textContent(), /55%/);
  await page.screenshot({ path: join(ARTIFACTS, 'admin-report-vi.png'), fullPage: true });

  const province = await signedIn(OFFICIALS.province);
  const queue = province.page;
  await queue.goto(`${BASE}/admin.html#/review?period=${year}`);
  await queue.waitForSelector(`#review-queue li[data-institution="${id}"]`);
  assert.match(await queue.textContent('#review-count'), /1 chờ xem xét/);
  const entry = queue.locator(`#review-queue li[data-institution="${id}"]`);
  assert.match(await entry.textContent(), /Báo cáo tự đánh giá/);
  await queue.screenshot({ path: join(ARTIFACTS, 'admin-review-vi.png'), fullPage: true });
  await entry.locator('button').click();
  await queue.waitForFunction((sel) => /đã được so\.gddt xem xét/.test(document.querySelector(sel)?.textContent || ''),
    `#review-queue li[data-institution="${id}"]`);
  assert.match(await queue.textContent('#review-count'), /0 chờ xem xét, 1 đã xem xét/);
  await queue.click('#lang-switch');
  assert.match(await queue.textContent('#review-count'), /0 awaiting review, 1 reviewed/);
  await queue.screenshot({ path: join(ARTIFACTS, 'admin-review-en.png'), fullPage: true });

  await page.reload();
  await page.waitForSelector(`#reports li[data-period="${year}"]`);
  assert.match(await page.textContent(`#reports li[data-period="${year}"]`), /đã được so\.gddt xem xét/);
  await page.click('#lang-switch');
  assert.match(await page.textContent(`#reports li[data-period="${year}"]`), /reviewed by so\.gddt/);
  await page.screenshot({ path: join(ARTIFACTS, 'admin-report-en.png'), fullPage: true });
  assert.deepEqual(await school.problems('401|400'), []);
  assert.deepEqual(await province.problems(), []);
  await school.context.close();
  await province.context.close();
});

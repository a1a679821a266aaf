// The officials' pages on a server without a database (the bundled data): reachable from
// the public map and at /admin, and signing in says plainly why it cannot work rather
// than failing silently. (With a database: tests/admin_browser.rs runs tests/admin/.)
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { BASE, launch, open, shot } from './helpers.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

test('the public map links the officials\' pages, and signing in without a database says why it cannot', async () => {
  const map = await open(browser, '/');
  const link = map.page.locator('a[href="/admin.html"]');
  assert.equal(await link.count(), 1, 'one discreet link on the map');
  assert.match(await link.textContent(), /Cán bộ/);
  const loaded = await map.page.evaluate(() => performance.getEntriesByType('resource').map((e) => e.name));
  assert.ok(!loaded.some((u) => u.includes('/dist/admin')), 'the public map never loads the officials\' bundle');
  await map.context.close();

  const page = await browser.newPage();
  const admin = await page.request.get(`${BASE}/admin`);
  assert.equal(admin.status(), 200);
  assert.match(await admin.text(), /\/dist\/admin\.js/);
  await page.close();

  const { page: p, context, errors } = await open(browser, '/admin.html');
  await p.fill('#login', 'so.gddt');
  await p.fill('#password', 'một mật khẩu bất kỳ');
  await p.click('#signin-form button[type=submit]');
  await p.waitForSelector('#signin-status .error');
  assert.match(await p.textContent('#signin-status .error'), /không có cơ sở dữ liệu/);
  await shot(p, '70-admin-without-database');
  // The server's 503s are logged by Chromium as failed resources; nothing else may be.
  assert.deepEqual(errors.filter((e) => !/status of 503/.test(e)), []);
  await context.close();
});

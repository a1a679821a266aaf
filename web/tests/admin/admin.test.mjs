// The officials' pages (/admin.html) in headless Chromium against a server on a fresh
// PostGIS database (tests/admin_browser.rs starts it and makes the accounts). Every page
// is served here under a strict Content-Security-Policy (no inline script or style), as
// production will serve it; a violation fails the test. Screenshots go to
// $VETMAP_ARTIFACTS.
//
// VETMAP_URL: the server. VETMAP_OFFICIALS: JSON {password, admin, province,
// institution: {login, id}, other} (logins, and an institution outside the
// institution account's scope).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { ARTIFACTS, BASE, launch, mapIdle, rendered, shot } from '../helpers.mjs';

const OFFICIALS = JSON.parse(process.env.VETMAP_OFFICIALS || 'null');
const CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
  + "worker-src 'self' blob:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/// The serious and critical WCAG 2.1 A/AA violations axe-core finds. Injected by the
/// debugging protocol rather than a <script> tag, which the page's CSP rightly refuses.
async function seriousViolations(page) {
  await page.evaluate(AXE);
  const result = await page.evaluate(() => window.axe.run(document, {
    runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
  }));
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).slice(0, 5).join(', ')})`);
}

let browser;
before(async () => {
  assert.ok(OFFICIALS, 'set VETMAP_OFFICIALS (tests/admin_browser.rs does)');
  browser = await launch();
});
after(async () => { await browser?.close(); });

/// A fresh browser context (its own cookies: one person) with a page, the CSP on the
/// officials' page, and the problems it logs. `lang` sets the remembered language.
async function person({ width = 1280, height = 900, lang } = {}) {
  const context = await browser.newContext({ viewport: { width, height }, deviceScaleFactor: 1 });
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
  // The refusals a test provokes on purpose (the signed-out probe of /api/v1/session,
  // a stale save, a forbidden one) are logged by Chromium as failed resources.
  const problems = async (expected = [401]) => {
    const csp = await page.evaluate(() => window.__csp || []).catch(() => []);
    const codes = expected.join('|');
    return [...csp.map((c) => `CSP: ${c}`),
      ...errors.filter((e) => !new RegExp(`status of (${codes}) `).test(e) && !/GPU stall/.test(e))];
  };
  return { context, page, problems };
}

async function signIn(page, login) {
  await page.goto(`${BASE}/admin.html`);
  await page.waitForSelector('#signin-form');
  await page.fill('#login', login);
  await page.fill('#password', OFFICIALS.password);
  await page.click('#signin-form button[type=submit]');
  await page.waitForSelector('#institutions li');
}

/// Opens an institution's editor and waits for its map to be drawn.
async function openEditor(page, id) {
  await page.goto(`${BASE}/admin.html#/institutions/${id}`);
  await page.waitForSelector('#record-form');
  await page.waitForSelector('#position-marker');
  await mapIdle(page);
}

/// The stored record, as the API gives it to this signed-in page.
async function record(page, id) {
  const r = await page.request.get(`${BASE}/api/v1/institutions/${id}/record`);
  assert.equal(r.status(), 200);
  return (await r.json()).record;
}

/// Drags the editor's marker by (dx, dy) screen pixels with the mouse.
async function dragMarker(page, dx, dy) {
  await page.evaluate(() => document.querySelector('#edit-map').scrollIntoView({ block: 'center' }));
  const box = await page.locator('#position-marker').boundingBox();
  // The marker's point is the bottom of the pin; grab it a little above.
  const x = box.x + box.width / 2;
  const y = box.y + box.height - 8;
  await page.mouse.move(x, y);
  await page.mouse.down();
  for (let i = 1; i <= 10; i++) await page.mouse.move(x + (dx * i) / 10, y + (dy * i) / 10);
  await page.mouse.up();
}

test('an official renames an institution and drags its marker; the public map shows both', async () => {
  const id = 'gdnn-gdtx-cau-ke';
  const { context, page, problems } = await person();
  await signIn(page, OFFICIALS.province);
  await openEditor(page, id);
  const before = await record(page, id);
  assert.notEqual(before.position_accuracy, 'surveyed', 'the fixture starts approximate');
  await shot(page, 'admin-editor-vi');

  const name = 'Trung tâm GDNN-GDTX huyện Cầu Kè (cơ sở mới)';
  await page.fill('#f-name_vi', name);
  await dragMarker(page, 120, 60);
  assert.equal(await page.inputValue('#f-position_accuracy'), 'surveyed', 'a placed marker is a surveyed position');
  assert.ok(await page.isVisible('#accuracy-note'), 'the page says the accuracy changed');
  const lon = Number(await page.inputValue('#f-lon'));
  const lat = Number(await page.inputValue('#f-lat'));
  assert.ok(lon > before.lon && lat < before.lat, `dragged right and down: ${before.lon},${before.lat} → ${lon},${lat}`);
  await page.click('#save');
  await page.waitForSelector('#saved');

  const after_ = await record(page, id);
  assert.equal(after_.name_vi, name);
  assert.equal(after_.position_accuracy, 'surveyed');
  assert.ok(Math.abs(after_.lon - lon) < 1e-6 && Math.abs(after_.lat - lat) < 1e-6, 'the record holds the marker\'s position');
  assert.deepEqual(await problems(), []);

  // The public map, from the link the editor offers.
  await page.click('#saved-map-link');
  await page.waitForSelector('body[data-page="map"][data-ready="true"]');
  await page.waitForSelector('#profile:not([hidden])');
  assert.equal((await page.textContent('#profile-title')).trim(), name);
  await mapIdle(page);
  const drawn = (await rendered(page, 'institutions')).find((f) => f.props.id === id);
  assert.ok(drawn, 'the institution is drawn on the public map');
  assert.ok(Math.abs(drawn.coords[0] - lon) < 1e-4 && Math.abs(drawn.coords[1] - lat) < 1e-4,
    `drawn at the new position: ${drawn.coords} vs ${lon},${lat}`);
  const search = await (await page.request.get(`${BASE}/api/v1/search?q=${encodeURIComponent('cơ sở mới')}`)).json();
  assert.equal(search.results?.[0]?.id, id, 'search finds the new name at once');
  await shot(page, 'admin-public-map-after-save');
  await context.close();
});

test('a save made on a stale form is refused and the conflict explained, in Vietnamese and English', async () => {
  const id = 'gdnn-gdtx-tieu-can';
  const first = await person();
  const second = await person();
  await signIn(first.page, OFFICIALS.admin);
  await signIn(second.page, OFFICIALS.province);
  await openEditor(first.page, id);
  await openEditor(second.page, id);
  const original = await record(first.page, id);

  const address = 'Số 12 đường 30/4, thị trấn Tiểu Cần';
  await first.page.fill('#f-address', address);
  await first.page.click('#save');
  await first.page.waitForSelector('#saved');

  const rename = 'Trung tâm GDNN-GDTX Tiểu Cần';
  await second.page.fill('#f-name_vi', rename);
  await second.page.click('#save');
  await second.page.waitForSelector('#conflict:not([hidden])');
  const page = second.page;
  assert.equal((await page.textContent('#conflict-title')).trim(), 'Người khác đã lưu cơ sở này trong lúc bạn đang sửa');
  assert.match(await page.textContent('#conflict-explain'), /Thay đổi của bạn chưa được lưu/);
  assert.match(await page.textContent('#conflict-who'), new RegExp(OFFICIALS.admin.replace('.', '\\.')));
  const row = page.locator('#conflict tr[data-field="address"]');
  assert.equal(await row.count(), 1, 'the server\'s change is listed');
  assert.match(await row.textContent(), /Số 12 đường 30\/4/);
  assert.match(await page.textContent('#unsaved-values'), /Trung tâm GDNN-GDTX Tiểu Cần/, 'my unsaved name is shown to copy');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'conflict-title', 'the explanation takes focus');
  await shot(page, 'admin-conflict-vi');

  await page.click('#lang-switch');
  assert.equal((await page.textContent('#conflict-title')).trim(), 'Someone else saved this institution while you were editing it');
  assert.match(await page.textContent('#conflict-explain'), /Your changes are not saved/);
  assert.match(await row.textContent(), /Address/);
  await shot(page, 'admin-conflict-en');

  // Reloading shows their version and keeps mine on the page; then mine goes on top.
  await page.click('#conflict-reload');
  await page.waitForSelector('#conflict', { state: 'hidden' });
  assert.equal(await page.inputValue('#f-address'), address);
  assert.equal(await page.inputValue('#f-name_vi'), original.name_vi);
  assert.match(await page.textContent('#unsaved-values'), /Trung tâm GDNN-GDTX Tiểu Cần/);
  await page.fill('#f-name_vi', rename);
  await page.click('#save');
  await page.waitForSelector('#saved');
  const stored = await record(page, id);
  assert.equal(stored.name_vi, rename);
  assert.equal(stored.address, address, 'the first save was not overwritten');
  assert.deepEqual(await first.problems(), []);
  assert.deepEqual(await second.problems([401, 412]), []);
  await first.context.close();
  await second.context.close();
});

test('an institution account sees only its own institution and the server refuses a forced save of another', async () => {
  const { login, id: own } = OFFICIALS.institution;
  const other = OFFICIALS.other;
  const { context, page, problems } = await person();
  await signIn(page, login);
  assert.deepEqual(await page.locator('#institutions li').evaluateAll((els) => els.map((e) => e.dataset.id)), [own]);
  const nav = await page.locator('#admin-nav a').evaluateAll((els) => els.map((e) => e.getAttribute('href')));
  assert.deepEqual(nav, ['#/institutions', '#/reports', '#/me'], 'no accounts, audit or review for an institution');

  await page.goto(`${BASE}/admin.html#/institutions/${other}`);
  await page.waitForSelector('#not-permitted');
  assert.match(await page.textContent('#not-permitted'), /không được sửa cơ sở này/);
  assert.equal(await page.locator('#record-form').count(), 0, 'no form to fill in');
  await shot(page, 'admin-not-permitted-vi');

  // Forced through from the signed-in page: the session's own CSRF token, the current
  // ETag, a changed name. The server decides, not the page.
  const status = await page.evaluate(async (id) => {
    const session = await (await fetch('/api/v1/session')).json();
    const r = await fetch(`/api/v1/institutions/${id}/record`);
    const { record } = await r.json();
    const put = await fetch(`/api/v1/institutions/${id}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json', 'x-csrf-token': session.csrf_token, 'if-match': r.headers.get('etag') },
      body: JSON.stringify({ ...record, name_vi: 'Không được phép' }),
    });
    return put.status;
  }, other);
  assert.equal(status, 403);
  assert.notEqual((await record(page, other)).name_vi, 'Không được phép');

  // A page the navigation hides still asks the server, which refuses.
  await page.goto(`${BASE}/admin.html#/accounts`);
  await page.waitForSelector('.error[role="alert"]');
  assert.match(await page.textContent('.error[role="alert"]'), /không có quyền/);

  await openEditor(page, own);
  assert.ok(await page.isVisible('#save'));
  assert.deepEqual(await problems([401, 403]), []);
  await context.close();
});

test('at 360 px the editor fits the screen and works from the keyboard alone', async () => {
  const id = 'gdnn-gdtx-cang-long';
  const { context, page, problems } = await person({ width: 360, height: 740 });
  await page.goto(`${BASE}/admin.html`);
  await page.waitForSelector('#signin-form');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'login', 'typing starts in the login');
  await page.keyboard.type(OFFICIALS.admin);
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'password');
  await page.keyboard.type(OFFICIALS.password);
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement.type), 'submit');
  await page.keyboard.press('Enter');
  await page.waitForSelector('#institutions li');

  const focusBy = async (predicate, arg, limit) => {
    for (let i = 0; i < limit; i++) {
      await page.keyboard.press('Tab');
      if (await page.evaluate(predicate, arg)) return true;
    }
    return false;
  };
  assert.ok(await focusBy((href) => document.activeElement.getAttribute('href') === href, `#/institutions/${id}`, 80),
    'Tab reaches the institution\'s link');
  await page.keyboard.press('Enter');
  await page.waitForSelector('#position-marker');
  await mapIdle(page);
  const overflow = () => page.evaluate(() => ({
    page: document.documentElement.scrollWidth - document.documentElement.clientWidth,
    form: document.querySelector('#record-form').scrollWidth - document.querySelector('#record-form').clientWidth,
  }));
  assert.deepEqual(await overflow(), { page: 0, form: 0 }, 'nothing wider than the screen');
  await page.screenshot({ path: join(ARTIFACTS, 'admin-editor-360-vi.png'), fullPage: true });

  assert.ok(await focusBy(() => document.activeElement.id === 'position-marker', null, 60), 'Tab reaches the marker');
  const lon = Number(await page.inputValue('#f-lon'));
  const lat = Number(await page.inputValue('#f-lat'));
  for (const key of ['ArrowRight', 'ArrowRight', 'ArrowRight', 'ArrowDown', 'ArrowDown']) await page.keyboard.press(key);
  const lon2 = Number(await page.inputValue('#f-lon'));
  const lat2 = Number(await page.inputValue('#f-lat'));
  assert.ok(lon2 > lon && lat2 < lat, `the arrows moved it right and down: ${lon},${lat} → ${lon2},${lat2}`);
  assert.equal(await page.inputValue('#f-position_accuracy'), 'surveyed');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'position-marker', 'focus stays on the marker');

  assert.ok(await focusBy(() => document.activeElement.id === 'save', null, 120), 'Tab reaches the save button');
  await page.keyboard.press('Enter');
  await page.waitForSelector('#saved');
  const stored = await record(page, id);
  assert.ok(Math.abs(stored.lon - lon2) < 1e-6 && Math.abs(stored.lat - lat2) < 1e-6);

  await page.click('#lang-switch');
  assert.match(await page.textContent('h2'), /^Edit: /);
  assert.deepEqual(await overflow(), { page: 0, form: 0 }, 'nor in English');
  await page.screenshot({ path: join(ARTIFACTS, 'admin-editor-360-en.png'), fullPage: true });
  assert.deepEqual(await problems(), []);
  await context.close();
});

test('every page renders in both languages without errors or serious accessibility problems', async () => {
  for (const lang of ['vi', 'en']) {
    const { context, page, problems } = await person({ lang });
    await page.goto(`${BASE}/admin.html`);
    await page.waitForSelector('#signin-form');
    assert.deepEqual(await seriousViolations(page), [], `sign-in (${lang})`);
    await shot(page, `admin-signin-${lang}`);
    await signIn(page, OFFICIALS.admin);
    await shot(page, `admin-institutions-${lang}`);

    await openEditor(page, 'gdnn-gdtx-cau-ke');
    assert.deepEqual(await seriousViolations(page), [], `editor (${lang})`);
    await shot(page, `admin-editor-desktop-${lang}`);

    await page.goto(`${BASE}/admin.html#/institutions/gdnn-gdtx-cau-ke/history`);
    await page.waitForSelector('#history > li');
    // The first test's save is the newest entry: name, position and accuracy.
    assert.match(await page.textContent('#history > li:first-child'), lang === 'vi' ? /Độ chính xác vị trí/ : /Position accuracy/);
    const csv = await page.request.get(`${BASE}${await page.getAttribute('#history-csv', 'href')}`);
    assert.equal(csv.status(), 200);
    assert.match(await csv.text(), /^id,at,actor/);
    await shot(page, `admin-history-${lang}`);

    await page.goto(`${BASE}/admin.html#/accounts`);
    await page.waitForSelector('#accounts li');
    assert.deepEqual(await seriousViolations(page), [], `accounts (${lang})`);
    await shot(page, `admin-accounts-${lang}`);

    await page.goto(`${BASE}/admin.html#/audit?actor=${OFFICIALS.province}`);
    await page.waitForSelector('#audit-entries > li');
    assert.ok(await page.locator('#audit-entries > li').evaluateAll(
      (els, who) => els.every((e) => e.querySelector('.actor').textContent === who), OFFICIALS.province),
    'only that person\'s changes');
    await shot(page, `admin-audit-${lang}`);

    await page.goto(`${BASE}/admin.html#/me`);
    await page.waitForSelector('#token-form');
    await shot(page, `admin-me-${lang}`);
    assert.deepEqual(await problems(), []);
    await context.close();
  }
});

test('a district account lists the institutions of its district and may edit only those', async () => {
  const { login, district } = OFFICIALS.district;
  const { context, page, problems } = await person();
  await signIn(page, login);
  const listed = await page.locator('#institutions > li').evaluateAll((els) => els.map((e) => e.dataset.id));
  const network = await (await page.request.get(`${BASE}/api/v1/institutions`)).json();
  const expected = network.institutions.filter((i) => i.admin.district_pre2025 === district).map((i) => i.id);
  assert.ok(expected.length > 0, `the fixture has institutions in district ${district}`);
  assert.deepEqual([...listed].sort(), [...expected].sort());
  await openEditor(page, listed[0]);
  // Moving it to another district would take it out of the account's scope.
  const before_ = await record(page, listed[0]);
  await page.fill('#f-district_pre2025', '845');
  await page.click('#save');
  await page.waitForSelector('#save-forbidden');
  assert.match(await page.textContent('#save-forbidden'), /ngoài phạm vi tài khoản/);
  assert.equal((await record(page, listed[0])).district_pre2025, before_.district_pre2025);
  await page.goto(`${BASE}/admin.html#/institutions/${OFFICIALS.institution.id}`);
  await page.waitForSelector('#not-permitted');
  assert.deepEqual(await problems([401, 403]), []);
  await context.close();
});

test('a session that ends while editing keeps the form, and a save after signing in again goes through', async () => {
  const id = 'gdnn-gdtx-duyen-hai';
  const { context, page, problems } = await person();
  await signIn(page, OFFICIALS.province);
  await openEditor(page, id);
  const phone = '0294 3 123 456';
  await page.fill('#f-phone', phone);
  // The session ends elsewhere (signed out in another tab, or expired).
  const ended = await page.evaluate(async () => {
    const s = await (await fetch('/api/v1/session')).json();
    return (await fetch('/api/v1/session', { method: 'DELETE', headers: { 'x-csrf-token': s.csrf_token } })).status;
  });
  assert.equal(ended, 204);
  await page.click('#save');
  await page.waitForSelector('#save-signed-out');
  assert.match(await page.textContent('#save-signed-out'), /Phiên làm việc đã kết thúc/);
  assert.equal(await page.inputValue('#f-phone'), phone, 'the unsaved value is still there');
  assert.ok(await page.isVisible('#record-form'), 'still on the editor');

  // Signed in again (as in another tab: same cookies, a new session and CSRF token).
  const again = await page.request.post(`${BASE}/api/v1/session`, { data: { login: OFFICIALS.province, password: OFFICIALS.password } });
  assert.equal(again.status(), 201);
  await page.click('#save');
  await page.waitForSelector('#saved');
  assert.equal((await record(page, id)).phone, phone);
  assert.deepEqual(await problems([401, 403]), []);
  await context.close();
});

test('an administrator makes an account; its owner changes the password, makes and revokes a token, and is disabled', async () => {
  const admin = await person();
  await signIn(admin.page, OFFICIALS.admin);
  const page = admin.page;
  await page.goto(`${BASE}/admin.html#/accounts`);
  await page.waitForSelector('#accounts > li');
  await page.click('#new-account-box summary');

  // Refusals land beside their fields, in Vietnamese.
  await page.fill('#new-login', 'X');
  await page.fill('#new-name', 'Cán bộ mới');
  await page.selectOption('#new-role', 'district');
  await page.fill('#new-areas', '849');
  await page.fill('#new-password', 'ngắn');
  await page.click('#new-account button[type=submit]');
  await page.waitForSelector('#new-login[aria-invalid="true"]');
  assert.match(await page.textContent('#new-login-error'), /tên đăng nhập dài 3 đến 64 ký tự/);

  const login = 'can.bo.moi';
  const first = 'một mật khẩu đủ dài đầu tiên';
  await page.fill('#new-login', login);
  await page.fill('#new-password', first);
  await page.click('#new-account button[type=submit]');
  await page.waitForSelector(`#accounts > li[data-login="${login}"]`);
  assert.match(await page.textContent(`#accounts > li[data-login="${login}"] .meta`), /cấp huyện · đơn vị: pre2025:849/);

  // The new official signs in, changes the password, and must sign in again.
  const owner = await person();
  const p = owner.page;
  await p.goto(`${BASE}/admin.html`);
  await p.waitForSelector('#signin-form');
  await p.fill('#login', login);
  await p.fill('#password', first);
  await p.click('#signin-form button[type=submit]');
  await p.waitForSelector('#institutions > li');
  await p.goto(`${BASE}/admin.html#/me`);
  await p.waitForSelector('#password-form');
  const second = 'mật khẩu thứ hai cũng đủ dài';
  await p.fill('#pw-current', first);
  await p.fill('#pw-new', second);
  await p.fill('#pw-again', second);
  await p.click('#password-form button[type=submit]');
  await p.waitForSelector('#signin-form');
  assert.match(await p.textContent('#signin-form .notice'), /Đã đổi mật khẩu/);
  await p.fill('#login', login);
  await p.fill('#password', second);
  await p.click('#signin-form button[type=submit]');
  await p.waitForSelector('#institutions > li');

  // A token: shown once, works as a bearer, stops when revoked.
  await p.goto(`${BASE}/admin.html#/me`);
  await p.waitForSelector('#token-form');
  await p.fill('#token-name', 'đồng bộ thử');
  await p.click('#token-form button[type=submit]');
  await p.waitForSelector('#new-token');
  const token = (await p.textContent('#new-token')).trim();
  assert.match(token, /^vmt_/);
  await p.waitForFunction(() => document.activeElement?.id === 'copy-token', null, { timeout: 5000 });
  await shot(p, 'admin-token-once-vi');
  const asToken = (t) => p.request.get(`${BASE}/api/v1/session`, { headers: { authorization: `Bearer ${t}` } });
  assert.equal((await asToken(token)).status(), 200);
  await p.click('#tokens > li button');
  await p.waitForFunction(() => /Đã thu hồi/.test(document.body.textContent));
  assert.equal((await asToken(token)).status(), 401);

  // Disabled by the administrator: the session ends and signing in is refused.
  await page.reload();
  await page.waitForSelector(`#accounts > li[data-login="${login}"]`);
  await page.click(`#accounts > li[data-login="${login}"]  .toggle-disabled`);
  await page.waitForSelector(`#accounts > li.disabled[data-login="${login}"]`);
  await p.goto(`${BASE}/admin.html#/institutions`);
  await p.reload();
  await p.waitForSelector('#signin-form');
  await p.fill('#login', login);
  await p.fill('#password', second);
  await p.click('#signin-form button[type=submit]');
  await p.waitForSelector('#signin-status .error');
  assert.equal((await p.textContent('#signin-status .error')).trim(), 'Sai tên đăng nhập hoặc mật khẩu.');
  assert.deepEqual(await admin.problems([401, 400]), []);
  assert.deepEqual(await owner.problems([401]), []);
  await admin.context.close();
  await owner.context.close();
});

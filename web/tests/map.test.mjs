// The map itself: it loads cleanly, draws clusters and points, clusters expand on
// click, a click on a point opens the profile, and axe finds no serious problem.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { clickMap, launch, mapIdle, open, rendered, seriousViolations, shot, jumpAndIdle } from './helpers.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

test('the map loads with no console errors and draws clusters, then points when zoomed in', async () => {
  const { page, errors, context } = await open(browser, '/');
  await mapIdle(page);
  const clusters = await rendered(page, 'clusters');
  assert.ok(clusters.length > 0, 'clusters are drawn at the opening zoom');
  const clustered = clusters.reduce((n, c) => n + Number(c.props.point_count), 0);
  assert.ok(clustered >= 2, `clusters hold institutions (${clustered})`);
  await shot(page, '01-map-clusters');

  await jumpAndIdle(page, { center: [106.335, 9.94], zoom: 13.5 });
  const points = await rendered(page, 'institutions');
  const ids = points.map((p) => p.props.id);
  assert.ok(ids.includes('cd-nghe-tra-vinh'), `single points drawn: ${ids}`);
  await shot(page, '02-map-points');
  const attribution = await page.textContent('.maplibregl-ctrl-attrib');
  for (const source of ['GeoNames', 'Natural Earth', 'GSO']) assert.ok(attribution.includes(source), `attribution names ${source}`);
  assert.match(attribution, /gần đúng/, 'attribution says positions are approximate');
  assert.deepEqual(errors, [], 'no console errors');
  await context.close();
});

test('a click on a cluster zooms in to where it splits', async () => {
  const { page, errors, context } = await open(browser, '/');
  await mapIdle(page);
  const before = await page.evaluate(() => window.__vetmap.getZoom());
  const [cluster] = (await rendered(page, 'clusters')).sort((a, b) => b.props.point_count - a.props.point_count);
  await clickMap(page, cluster.x, cluster.y);
  await mapIdle(page);
  const afterZoom = await page.evaluate(() => window.__vetmap.getZoom());
  assert.ok(afterZoom > before, `zoom ${before} → ${afterZoom}`);
  assert.equal(Math.round(afterZoom), Number(cluster.props.expansion_zoom));
  await shot(page, '03-cluster-expanded');
  assert.deepEqual(errors, []);
  await context.close();
});

test('a click on an institution opens its profile with programmes, contacts and readiness', async () => {
  const { page, errors, context } = await open(browser, '/');
  await jumpAndIdle(page, { center: [106.3302, 9.9561], zoom: 15 });
  const point = (await rendered(page, 'institutions')).find((p) => p.props.id === 'cd-nghe-tra-vinh');
  assert.ok(point, 'the college is drawn');
  await clickMap(page, point.x, point.y);
  await page.waitForSelector('#profile:not([hidden]) #profile-title');
  assert.match(await page.textContent('#profile-title'), /Cao đẳng Nghề Trà Vinh/);
  const text = await page.textContent('#profile');
  for (const s of ['Chương trình đào tạo', 'Hàn', '6520123', 'Liên hệ', 'Mức độ sẵn sàng chuyển đổi số', 'Chỉ đường']) {
    assert.ok(text.includes(s), `profile shows ${s}`);
  }
  // Credentials issued (data/credentials.csv): counts per year and level, no holder.
  const counts = await page.$$eval('#profile table.credential-counts tr', (trs) => trs.map((tr) => [...tr.children].map((c) => c.textContent.trim())));
  assert.deepEqual(counts, [
    ['Năm', 'Cao đẳng', 'Trung cấp', 'Sơ cấp', 'Tổng'],
    ['2024', '2', '0', '0', '2'],
    ['2023', '0', '1', '0', '1'],
    ['Tổng', '2', '1', '0', '3'],
  ]);
  assert.match(await page.textContent('#profile table.credential-counts caption'), /theo năm tốt nghiệp và trình độ/);
  assert.ok(text.includes('Văn bằng, chứng chỉ đã cấp'), 'profile shows the credentials section');
  assert.equal(await page.getAttribute('#profile a[href^="/verify.html"]', 'href'), '/verify.html');
  for (const holder of ['Nguyễn Văn Thử', 'Trần Thị Mẫu', 'Lê Văn Ví Dụ', 'DEMO-CD']) {
    assert.ok(!text.includes(holder), `profile does not disclose ${holder}`);
  }
  const directions = await page.getAttribute('#profile a[href*="destination="]', 'href');
  assert.match(directions, /destination=9\.9561,106\.3302/);
  assert.equal(new URL(page.url()).searchParams.get('institution'), 'cd-nghe-tra-vinh', 'the address bar is the share link');
  await shot(page, '04-profile-from-click');
  assert.deepEqual(errors, []);
  assert.deepEqual(await seriousViolations(page), [], 'axe: no serious violations with the profile open');
  await context.close();
});

test('the page has no serious accessibility violations and fits a 360 px phone', async () => {
  const { page, errors, context } = await open(browser, '/', { width: 360, height: 740 });
  await mapIdle(page);
  await shot(page, '05-phone-map');
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(overflow <= 360, `no horizontal scrolling (${overflow}px)`);
  assert.deepEqual(await seriousViolations(page), [], 'axe: map view');
  await page.click('#view-toggle');
  await page.waitForSelector('#results .result-open');
  await shot(page, '06-phone-list');
  assert.ok(await page.evaluate(() => document.documentElement.scrollWidth) <= 360);
  assert.deepEqual(await seriousViolations(page), [], 'axe: list view');
  assert.deepEqual(errors, []);
  await context.close();
});

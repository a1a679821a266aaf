// Near me: the browser's position (mocked) lists the nearest first; without a position,
// a point picked on the map does the same.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { BASE, clickMap, haversine, launch, mapIdle, open, shot } from './helpers.mjs';

let browser;
let network;
before(async () => {
  browser = await launch();
  network = (await (await fetch(`${BASE}/api/v1/institutions`)).json()).institutions;
});
after(async () => { await browser?.close(); });

function parseDistance(text) {
  const m = text.match(/cách ([\d.,]+) (k?m)/);
  if (!m) return null;
  const v = Number(m[1].replace(/\./g, '').replace(',', '.'));
  return m[2] === 'km' ? v * 1000 : v;
}

function nearestTo(point) {
  return [...network].sort((a, b) => haversine(point, a.location) - haversine(point, b.location));
}

test('near me with a mocked position lists the nearest institution first, in order of distance', async () => {
  const here = [106.07, 9.86]; // a little east of Cầu Kè town
  const { page, errors, context } = await open(browser, '/', {
    geolocation: { longitude: here[0], latitude: here[1] }, permissions: ['geolocation'],
  });
  await page.click('#near-me');
  await page.waitForFunction(() => document.querySelector('#results-title')?.textContent.includes('Gần điểm của bạn'));
  await page.waitForSelector('#results .result-open');
  const names = await page.locator('#results .result-name').allTextContents();
  const expected = nearestTo(here);
  assert.equal(names[0], expected[0].name_vi, 'nearest first');
  assert.equal(names[1], expected[1].name_vi, 'second nearest second');
  const distances = (await page.locator('#results .result-meta').allTextContents()).map(parseDistance);
  assert.ok(distances.every((d) => d != null), 'every entry shows a distance');
  for (let i = 1; i < distances.length; i++) assert.ok(distances[i] >= distances[i - 1], `ascending: ${distances}`);
  const firstKm = distances[0] / 1000;
  const trueKm = haversine(here, expected[0].location) / 1000;
  assert.ok(Math.abs(firstKm - trueKm) < 0.2, `shown ${firstKm} km, geodesic ${trueKm} km`);
  await mapIdle(page);
  await shot(page, '20-near-me');
  assert.deepEqual(errors, []);
  await context.close();
});

test('without a position, a point picked on the map lists what is nearest to it', async () => {
  const { page, errors, context } = await open(browser, '/');
  await mapIdle(page);
  await page.click('#near-me'); // no permission: the browser refuses
  await page.waitForFunction(() => document.querySelector('#near-status')?.textContent.includes('chạm vào bản đồ'));
  const box = await (await page.$('#map canvas')).boundingBox();
  const pick = await page.evaluate(([w, h]) => {
    const ll = window.__vetmap.unproject([w * 0.3, h * 0.4]);
    return [ll.lng, ll.lat];
  }, [box.width, box.height]);
  await clickMap(page, box.width * 0.3, box.height * 0.4);
  await page.waitForFunction(() => document.querySelector('#results-title')?.textContent.includes('Gần điểm của bạn'));
  await page.waitForSelector('#results .result-open');
  const first = await page.locator('#results .result-name').first().textContent();
  assert.equal(first, nearestTo(pick)[0].name_vi);
  await shot(page, '21-near-picked-point');
  assert.deepEqual(errors, []);
  await context.close();
});

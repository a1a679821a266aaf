// Finding: autocomplete ignores diacritics; filters change the map and the list together.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { launch, mapIdle, open, shot, jumpAndIdle } from './helpers.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

test('typing "cao dang nghe" suggests "Cao đẳng Nghề Trà Vinh" and choosing it opens the profile', async () => {
  const { page, errors, context } = await open(browser, '/');
  await page.fill('#search-input', 'cao dang nghe');
  const option = page.locator('#search-suggestions [role=option]', { hasText: 'Cao đẳng Nghề Trà Vinh' });
  await option.first().waitFor();
  assert.equal(await page.getAttribute('#search-input', 'aria-expanded'), 'true');
  await shot(page, '10-search-suggestions');
  await page.keyboard.press('ArrowDown');
  const first = await page.textContent('#search-suggestions [aria-selected=true]');
  if (!first.includes('Cao đẳng Nghề Trà Vinh')) await option.first().click();
  else await page.keyboard.press('Enter');
  await page.waitForSelector('#profile:not([hidden])');
  assert.match(await page.textContent('#profile-title'), /Cao đẳng Nghề Trà Vinh/);
  await shot(page, '11-search-profile');
  assert.deepEqual(errors, []);
  await context.close();
});

test('a kind filter narrows the list and the map tiles to that kind', async () => {
  const { page, errors, context } = await open(browser, '/');
  await mapIdle(page);
  const all = await page.locator('#results .result-open').count();
  await page.selectOption('#filter-kind', 'college');
  await page.waitForFunction((n) => document.querySelectorAll('#results .result-open').length < n, all);
  const metas = await page.locator('#results .result-meta').allTextContents();
  assert.ok(metas.length > 0, 'colleges are listed');
  for (const m of metas) assert.ok(m.startsWith('Trường cao đẳng'), `only colleges: ${m}`);
  const tiles = await page.evaluate(() => window.__vetmap.getSource('institutions').tiles[0]);
  assert.match(tiles, /kind=college/);
  await jumpAndIdle(page, { center: [106.335, 9.94], zoom: 13.5 });
  const kinds = await page.evaluate(() => window.__vetmap.queryRenderedFeatures({ layers: ['institutions'] }).map((f) => f.properties.kind));
  assert.ok(kinds.length > 0 && kinds.every((k) => k === 'college'), `map shows colleges only: ${kinds}`);
  await shot(page, '12-filter-colleges');
  assert.deepEqual(errors, []);
  await context.close();
});

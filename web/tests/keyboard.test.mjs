// Keyboard only: Tab reaches the result list, Enter opens a profile, focus is visible,
// and going back returns focus to where it was.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { launch, open, shot } from './helpers.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

test('keyboard-only navigation reaches a profile and comes back', async () => {
  const { page, errors, context } = await open(browser, '/');
  await page.waitForSelector('#results .result-open');
  let focused = null;
  for (let i = 0; i < 40; i++) {
    await page.keyboard.press('Tab');
    focused = await page.evaluate(() => {
      const el = document.activeElement;
      return el?.classList.contains('result-open') ? { id: el.dataset.id, outline: getComputedStyle(el).outlineStyle } : null;
    });
    if (focused) break;
  }
  assert.ok(focused, 'Tab reaches a result within 40 presses');
  assert.notEqual(focused.outline, 'none', 'focus is visible');
  await shot(page, '40-keyboard-focus');
  await page.keyboard.press('Enter');
  await page.waitForSelector('#profile:not([hidden])');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'profile-title', 'focus moves to the profile');
  assert.equal(new URL(page.url()).searchParams.get('institution'), focused.id);
  await shot(page, '41-keyboard-profile');
  await page.keyboard.press('Shift+Tab');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'profile-back');
  await page.keyboard.press('Enter');
  await page.waitForSelector('#profile', { state: 'hidden' });
  assert.equal(await page.evaluate(() => document.activeElement.dataset.id), focused.id, 'focus returns to the entry');
  assert.deepEqual(errors, []);
  await context.close();
});

test('the skip link is the first stop and jumps to the results', async () => {
  const { page, errors, context } = await open(browser, '/');
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement.className), 'skip');
  await page.keyboard.press('Enter');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'results-title');
  assert.deepEqual(errors, []);
  await context.close();
});

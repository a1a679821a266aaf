// Vietnamese by default, English by a switch, remembered; every string translated.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { launch, mapIdle, open, shot } from './helpers.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

/// Visible text outside data (names, addresses: marked lang="vi" or class "data").
function uiTexts() {
  const out = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const text = n.textContent.trim();
    const el = n.parentElement;
    if (!text || el.closest('script, style, noscript, select, [hidden], .data')) continue;
    if (!el.checkVisibility({ checkOpacity: true, checkVisibilityCSS: true })) continue;
    const lang = el.closest('[lang]')?.getAttribute('lang');
    out.push({ text, lang });
  }
  for (const s of document.querySelectorAll('select')) {
    if (s.checkVisibility() && s.selectedOptions[0]) out.push({ text: s.selectedOptions[0].textContent, lang: s.selectedOptions[0].closest('[lang]')?.getAttribute('lang') });
  }
  for (const i of document.querySelectorAll('input[placeholder]')) if (i.checkVisibility()) out.push({ text: i.placeholder, lang: document.documentElement.lang });
  return out;
}

const VIETNAMESE = /[ăâđêôơưàáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợùúủũụừứửữựỳýỷỹỵ]/i;

test('the language switch turns every visible string to English, and the choice is remembered', async () => {
  const { page, errors, context } = await open(browser, '/?institution=cd-nghe-tra-vinh');
  await page.waitForSelector('#profile:not([hidden])');
  await mapIdle(page);
  assert.equal(await page.getAttribute('html', 'lang'), 'vi');
  const keyed = () => page.$$eval('[data-i18n]', (els) => els.filter((e) => e.checkVisibility()).map((e) => [e.dataset.i18n, e.textContent]));
  const before = Object.fromEntries(await keyed());
  const viTexts = (await page.evaluate(uiTexts)).map((t) => t.text);
  await shot(page, '30-vietnamese');

  await page.click('#lang-switch');
  await page.waitForFunction(() => document.documentElement.lang === 'en');
  await mapIdle(page);
  await shot(page, '31-english');
  const afterTexts = await page.evaluate(uiTexts);
  const untranslated = afterTexts.filter((t) => VIETNAMESE.test(t.text) && t.lang !== 'vi');
  assert.deepEqual(untranslated, [], 'no Vietnamese UI text left (Vietnamese data is marked lang="vi")');
  for (const [key, text] of await keyed()) {
    if (before[key] !== undefined) assert.notEqual(text, before[key], `${key} changed`);
  }
  const enTexts = afterTexts.map((t) => t.text);
  const unchanged = viTexts.filter((s) => VIETNAMESE.test(s) && enTexts.includes(s));
  for (const s of unchanged) {
    assert.ok(afterTexts.find((t) => t.text === s)?.lang === 'vi', `"${s}" is data, marked Vietnamese`);
  }
  assert.match(await page.textContent('#profile'), /Programmes/);
  assert.match(await page.textContent('.maplibregl-ctrl-attrib'), /approximate/);
  assert.equal(await page.getAttribute('.maplibregl-ctrl-zoom-in', 'aria-label'), 'Zoom in');

  await page.reload();
  await page.waitForSelector('body[data-ready="true"]');
  assert.equal(await page.getAttribute('html', 'lang'), 'en', 'English is remembered');
  assert.match(await page.textContent('#profile'), /Programmes/);
  assert.deepEqual(errors, []);
  await context.close();
});

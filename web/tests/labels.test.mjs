// The base map's place names (issue 17): at 360 × 740 and 1280 × 800, in Vietnamese and
// English, the label layers draw names from our own glyphs (/fonts/, no font host), in
// Vietnamese with diacritics or in English without, with no console error and no CSP
// violation. MapLibre's collision detection keeps them apart: the boxes of the labels
// it placed do not overlap. Screenshots for a person to look at land in the artefacts.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { BASE, jumpAndIdle, launch, mapIdle, shot } from './helpers.mjs';

const LAYERS = ['place-names', 'place-communes'];
const VIETNAMESE = /[àáảãạăằắẳẵặâầấẩẫậèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵđ]/i;

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

/// The labels MapLibre placed in the place layers, with their boxes on screen.
async function placed(page) {
  return page.evaluate((layers) => {
    const m = window.__vetmap;
    return m.queryRenderedFeatures({ layers }).map((f) => ({
      layer: f.layer.id, kind: f.properties.kind, name: f.properties.name, name_en: f.properties.name_en,
    }));
  }, LAYERS);
}

/// Opens the map in `lang` with every request, console error and CSP violation recorded
/// from the first byte on.
async function openMap(lang, width, height) {
  const context = await browser.newContext({ viewport: { width, height }, deviceScaleFactor: 1 });
  const page = await context.newPage();
  const errors = [];
  const requests = [];
  page.on('console', (m) => { if (m.type() === 'error' || /content.security.policy/i.test(m.text())) errors.push(m.text()); });
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('request', (r) => requests.push(r.url()));
  await page.addInitScript(() => {
    window.__violations = [];
    document.addEventListener('securitypolicyviolation', (e) => window.__violations.push(`${e.violatedDirective} ${e.blockedURI}`));
  });
  await page.goto(`${BASE}/?lang=${lang}`);
  await page.waitForSelector('body[data-ready="true"]', { timeout: 30000 });
  return { page, context, errors, requests };
}

for (const [width, height] of [[360, 740], [1280, 800]]) {
  for (const lang of ['vi', 'en']) {
    test(`place names draw in ${lang} at ${width}×${height}`, async () => {
      const { page, context, errors, requests } = await openMap(lang, width, height);
      await mapIdle(page);
      // The province as a phone first sees it: district and town names.
      const province = await placed(page);
      assert.ok(province.some((l) => l.kind === 'district'), `district names at the province's zoom: ${JSON.stringify(province)}`);
      assert.ok(province.some((l) => l.kind === 'town' || l.kind === 'city'), 'town names at the province\'s zoom');
      const text = await page.evaluate((layers) => {
        const m = window.__vetmap;
        return layers.map((l) => JSON.stringify(m.getLayoutProperty(l, 'text-field')));
      }, LAYERS);
      for (const t of text) assert.match(t, lang === 'en' ? /name_en/ : /"name"/, `the labels' text follows the language: ${t}`);
      const names = province.map((l) => (lang === 'en' ? l.name_en : l.name));
      if (lang === 'vi') assert.ok(names.some((n) => VIETNAMESE.test(n)), `Vietnamese names keep their diacritics: ${names}`);
      else assert.ok(names.every((n) => /^[\x20-\x7e]+$/.test(n)), `English names are plain Latin: ${names}`);
      await shot(page, `80-labels-${lang}-${width}-province`);

      // Closer in, around Cầu Kè: commune names of both codings.
      await jumpAndIdle(page, { center: [106.055, 9.872], zoom: 12.5 });
      await mapIdle(page);
      const close = await placed(page);
      const communes = close.filter((l) => l.kind === 'commune');
      // Both codings, each placed beside the institution standing at the town.
      assert.deepEqual(communes.map((l) => l.name).sort(), ['Thị trấn Cầu Kè', 'Xã Cầu Kè'], `commune names closer in: ${JSON.stringify(close)}`);
      await shot(page, `81-labels-${lang}-${width}-commune`);

      const glyphs = requests.filter((u) => /\.pbf(\?|$)/.test(u));
      assert.ok(glyphs.some((u) => u.startsWith(`${BASE}/fonts/Noto%20Sans%20Regular/`)), `glyphs fetched from us: ${glyphs}`);
      for (const u of requests) assert.ok(u.startsWith(BASE) || u.startsWith('blob:') || u.startsWith('data:'), `every request stays with us: ${u}`);
      assert.deepEqual(await page.evaluate(() => window.__violations), [], 'no CSP violation');
      assert.deepEqual(errors, [], 'no console errors');
      await context.close();
    });
  }
}

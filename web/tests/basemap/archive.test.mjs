// The web map over a PMTiles base map archive (run by tests/basemap_browser.rs, whose
// server has one the test wrote): the catalogue lists `basemap`, so the map loads the
// OpenStreetMap style (dist/protomaps.js), draws the archive's tiles instead of our
// bundled base, and shows OpenStreetMap's attribution, without console errors.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { jumpAndIdle, launch, mapIdle, open, shot } from '../helpers.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

for (const [width, height] of [[360, 740], [1280, 800]]) {
  test(`the map draws the base map archive at ${width}×${height}`, async () => {
    const { page, errors } = await open(browser, '/', { width, height });
    await mapIdle(page);
    const seen = await page.evaluate(() => {
      const m = window.__vetmap;
      const style = m.getStyle();
      return {
        sources: Object.keys(style.sources),
        layers: style.layers.map((l) => l.id),
        labels: m.queryRenderedFeatures().filter((f) => f.source === 'protomaps' && f.sourceLayer === 'places').map((f) => f.properties.name),
        drawn: m.queryRenderedFeatures().filter((f) => f.source === 'protomaps').map((f) => f.sourceLayer),
        resources: performance.getEntriesByType('resource').map((e) => e.name),
        attribution: document.querySelector('.maplibregl-ctrl-attrib')?.textContent || '',
      };
    });
    await shot(page, `basemap-archive-${width}`);
    assert.ok(seen.sources.includes('protomaps'), `sources: ${seen.sources}`);
    assert.ok(seen.layers.includes('earth') && seen.layers.includes('roads_major'), `layers: ${seen.layers}`);
    assert.ok(!seen.layers.includes('land'), 'the bundled land is not drawn under the archive');
    assert.ok(!seen.sources.includes('base'), 'nor is the bundled base a source');
    for (const layer of ['earth', 'water', 'roads']) {
      assert.ok(seen.drawn.includes(layer), `${layer} drawn: ${[...new Set(seen.drawn)]}`);
    }
    // Zooming out fetches the archive's tiles of another zoom (the map's worker asks).
    const requested = [];
    page.on('request', (r) => requested.push(new URL(r.url()).pathname));
    await jumpAndIdle(page, { zoom: 4.5 });
    assert.ok(requested.some((p) => p.startsWith('/tiles/basemap/4/')), `requested: ${requested}`);
    assert.ok(seen.resources.some((u) => new URL(u).pathname === '/dist/protomaps.js'), 'the style bundle loaded');
    assert.match(seen.attribution, /OpenStreetMap/);
    // The archive's place name, in the page's language, among the labels drawn.
    assert.ok(seen.labels.includes('Thị xã thử nghiệm'), `labels drawn: ${seen.labels}`);
    // The network is still drawn over it.
    assert.ok(seen.layers.includes('institutions'));
    // Switching the page to English switches the base map's names too.
    const field = () => page.evaluate(() => JSON.stringify(window.__vetmap.getLayoutProperty('places_locality', 'text-field')));
    const vi = await field();
    await page.click('#lang-switch');
    await page.waitForFunction((before) => JSON.stringify(window.__vetmap.getLayoutProperty('places_locality', 'text-field')) !== before, vi, { timeout: 10000 });
    assert.match(await field(), /name:en/);
    assert.deepEqual(errors, []);
  });
}

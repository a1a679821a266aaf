// The static site's search and nearby (web/src/static/), without a browser: folding as
// the server folds (the cases of src/search/fold.rs), diacritic-free search, and nearby
// in geodesic order where the spherical order differs.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Finder, geodesicDistance } from '../src/static/finder.js';
import { fold, words } from '../src/static/fold.js';

test('folding matches the server: tone marks dropped, đ to d, lower case', () => {
  assert.equal(fold('Cao Đẳng Nghề'), 'cao dang nghe');
  assert.equal(fold('Trường Đại học Trà Vinh'), 'truong dai hoc tra vinh');
  assert.equal(fold('Kỹ thuật máy lạnh và điều hòa'), 'ky thuat may lanh va dieu hoa');
  assert.equal(fold('ƯƠ ư ơ ă â ê ô'), 'uo u o a a e o');
  assert.equal(fold('Cầu Kè'), fold('Cầu Kè'.normalize('NFD')));
  assert.deepEqual(words('Trung tâm GDNN-GDTX huyện Cầu Kè, 6520123'),
    ['trung', 'tam', 'gdnn', 'gdtx', 'huyen', 'cau', 'ke', '6520123']);
});

/// A hand-made index in the exporter's format (src/export/site/search_index.rs).
function index(rows) {
  const col = (k, f = (r) => r[k]) => rows.map(f);
  return {
    format: 1, version: 'test', count: rows.length,
    kinds: ['college', 'gdnn_gdtx_centre'], ownerships: ['public', 'private'], accuracies: ['exact'],
    id: col('id'), name_vi: col('name_vi'), name_en: col('name_en', (r) => r.name_en ?? null),
    address: col('address', (r) => r.address ?? null),
    kind: col('kind', (r) => r.kind ?? 0), ownership: col('ownership', (r) => r.ownership ?? 0), accuracy: col('a', () => 0),
    lon: col('lon'), lat: col('lat'),
    name_fold: col('n', (r) => fold(`${r.name_vi} ${r.name_en ?? ''}`.trim())),
    address_fold: col('a', (r) => fold(r.address ?? '')),
  };
}

const tra = new Finder(index([
  { id: 'cd-nghe-tra-vinh', name_vi: 'Trường Cao đẳng Nghề Trà Vinh', name_en: 'Tra Vinh Vocational College', lon: 106.34, lat: 9.93, address: 'Phường 5, Trà Vinh' },
  { id: 'gdnn-cau-ke', name_vi: 'Trung tâm GDNN-GDTX huyện Cầu Kè', lon: 106.05, lat: 9.87, kind: 1, address: 'Thị trấn Cầu Kè' },
  { id: 'dai-hoc-tra-vinh', name_vi: 'Trường Đại học Trà Vinh', lon: 106.35, lat: 9.92, ownership: 1 },
]));

test('search ignores diacritics and answers in the service shape', () => {
  const res = tra.search({ q: 'cao dang nghe' }, false);
  assert.equal(res.count, 1);
  assert.equal(res.results[0].id, 'cd-nghe-tra-vinh');
  assert.equal(res.results[0].type, 'institution');
  assert.deepEqual(res.results[0].location, [106.34, 9.93]);
  assert.equal(res.results[0].kind, 'college');
  assert.equal(tra.search({ q: 'Đại học' }, false).results[0].id, 'dai-hoc-tra-vinh');
  assert.equal(tra.search({ q: 'dai hoc' }, false).results[0].id, 'dai-hoc-tra-vinh');
  // Every word must match: "cau ke college" matches nothing.
  assert.equal(tra.search({ q: 'cau ke college' }, false).count, 0);
});

test('autocomplete completes the last word and gives the short form', () => {
  const res = tra.search({ q: 'cau k' }, true);
  assert.deepEqual(res.results.map((r) => r.id), ['gdnn-cau-ke']);
  assert.equal(res.results[0].score, undefined, 'no score in the short form');
  assert.equal(res.results[0].kind, undefined, 'no kind in the short form');
});

test('a name outranks an address, and with a point ties go nearest first', () => {
  // "tra vinh" is in two names and one address.
  const res = tra.search({ q: 'tra vinh', lon: 106.35, lat: 9.92 }, false);
  assert.deepEqual(res.results.map((r) => r.id), ['dai-hoc-tra-vinh', 'cd-nghe-tra-vinh']);
  assert.ok(res.results[0].distance_m < res.results[1].distance_m);
});

test('refusals are shaped like the service: status and message', () => {
  assert.throws(() => tra.search({ q: ' ' }, false), (e) => e.status === 400);
  assert.throws(() => tra.search({ q: 'x', limit: 11 }, true), (e) => e.status === 400);
  assert.throws(() => tra.nearby({ lon: 106 }), (e) => e.status === 400);
  assert.throws(() => tra.nearby({ lon: 106, lat: 9, occupation: '6520123' }), (e) => e.status === 400);
});

test('nearby is in geodesic order where the spherical order differs', () => {
  // On the equator a degree of latitude is 110.6 km and one of longitude 111.3 km; on a
  // sphere both are 111.2 km. North: 11.06 km geodesic, 11.12 spherical; east: 11.08 km
  // geodesic, 11.06 spherical.
  const f = new Finder(index([
    { id: 'east', name_vi: 'Đông', lon: 0.0995, lat: 0 },
    { id: 'north', name_vi: 'Bắc', lon: 0, lat: 0.1 },
    { id: 'far', name_vi: 'Xa', lon: 1, lat: 1 },
  ]));
  const one = f.nearby({ lon: 0, lat: 0, limit: 1 });
  assert.deepEqual(one.results.map((r) => r.id), ['north']);
  const all = f.nearby({ lon: 0, lat: 0, limit: 3 });
  assert.deepEqual(all.results.map((r) => r.id), ['north', 'east', 'far']);
  assert.equal(all.results[0].distance_m, Math.round(geodesicDistance(0, 0, 0, 0.1) * 10) / 10);
  // A meridian arc of 0.1° at the equator is 11,057.4 m on WGS84.
  assert.ok(Math.abs(all.results[0].distance_m - 11057.4) < 0.2, `${all.results[0].distance_m}`);
  assert.equal(f.nearby({ lon: 0, lat: 0, radius_km: 11.07 }).count, 1);
});

test('nearby filters by kind and ownership, the fields the index carries', () => {
  assert.deepEqual(tra.nearby({ lon: 106.3, lat: 9.9, kind: 'gdnn_gdtx_centre' }).results.map((r) => r.id), ['gdnn-cau-ke']);
  assert.deepEqual(tra.nearby({ lon: 106.3, lat: 9.9, ownership: 'private' }).results.map((r) => r.id), ['dai-hoc-tra-vinh']);
});

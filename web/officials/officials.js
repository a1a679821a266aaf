// The officials' view: coverage grid or area shading on a plain SVG map, the table of
// areas worst served first, the Plan's twelve targets with their indicators (each against
// its targets, with its path over time), and exports; caveats in the page's language.
// Everything comes from the API; text from the data is set with textContent only.

const SVG = 'http://www.w3.org/2000/svg';
// Distance bands, as in the printable report (src/api/report/svg.rs).
const BANDS = [
  ['#1a9850', '≤ ½ bán kính', '≤ ½ radius'],
  ['#91cf60', '≤ bán kính', '≤ radius'],
  ['#fc8d59', '≤ 2 × bán kính', '≤ 2 × radius'],
  ['#d73027', '> 2 × bán kính', '> 2 × radius'],
  ['#bdbdbd', 'không có cơ sở', 'no institution'],
];
const SHARES = [
  ['#d73027', '< 25%'], ['#fc8d59', '25–50%'], ['#fee08b', '50–75%'], ['#91cf60', '75–99%'], ['#1a9850', '100%'],
];

const T = {
  en: {
    title: 'GDNN network coverage and the Plan\'s indicators', question: 'Question', occupation: 'Occupation',
    all_occupations: 'All occupations', level: 'Level', all_levels: 'All levels', college: 'College',
    intermediate: 'Intermediate', elementary: 'Elementary', short_course: 'Short course', radius: 'Radius (km)',
    areas: 'Administrative areas', districts: 'Districts (before 2025)', communes_old: 'Communes (before 2025)',
    communes_new: 'Communes (from 2025)', apply: 'Show', coverage: 'Coverage', grid: 'Hexagon grid',
    shading: 'Shade by area', worst: 'Worst-served areas', x_areas_csv: 'Coverage (CSV)',
    x_areas_geojson: 'Coverage (GeoJSON)', x_grid_geojson: 'Grid (GeoJSON)', x_grid_csv: 'Grid (CSV)',
    indicators: 'The Plan\'s targets and indicators (Decision 2104/QĐ-UBND, part II.2)', x_ind_csv: 'Indicators (CSV)',
    x_ind_geojson: 'Indicators (GeoJSON)', x_report: 'Periodic report (printable)',
    ind_note: 'Each indicator: its value now against its targets (red marks; the hatched part is what unknowns leave open), and a chart of its path over time towards the 2025 and 2030 targets.',
  },
  cols: {
    vi: ['Đơn vị', 'Cơ sở', 'Chương trình', 'Gần nhất từ trung tâm (km)', 'Xa nhất (km)', 'Diện tích trong bán kính', 'Dân số trong bán kính'],
    en: ['Area', 'Institutions', 'Programmes', 'Centre to nearest (km)', 'Farthest (km)', 'Area within radius', 'People within radius'],
  },
};
const vi = {};
let lang = new URLSearchParams(location.search).get('lang') === 'en' ? 'en' : 'vi';
const t = (v, e) => (lang === 'en' ? e : v);
const $ = (id) => document.getElementById(id);
const el = (tag, attrs = {}, text) => {
  const n = document.createElement(tag);
  // A style goes through the CSSOM: the Content-Security-Policy refuses style attributes.
  for (const [k, v] of Object.entries(attrs)) if (k === 'style') n.style.cssText = v; else n.setAttribute(k, v);
  if (text !== undefined) n.textContent = text;
  return n;
};
const svgEl = (tag, attrs = {}) => {
  const n = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) n.setAttribute(k, v);
  return n;
};
const pct = (v) => (v === null || v === undefined ? '—' : `${(100 * v).toFixed(1)}%`);
const pct100 = (v) => (v === null || v === undefined ? '—' : `${v.toFixed(1)}%`);
const km = (m) => (m === null || m === undefined ? '—' : (m / 1000).toFixed(1));

// A server at its limit of heavy work answers 503 Busy with Retry-After: wait that long
// (at most 10 s) and ask again, up to three times, before showing its explanation.
async function getJson(url, tries = 3) {
  const r = await fetch(url);
  const body = await r.json();
  if (r.status === 503 && body.code === 'Busy' && tries > 0) {
    const seconds = Math.min(Number(r.headers.get('Retry-After')) || 1, 10);
    await new Promise((done) => setTimeout(done, seconds * 1000));
    return getJson(url, tries - 1);
  }
  if (!r.ok) throw new Error(body.description || `${r.status}`);
  return body;
}

function applyLanguage() {
  document.documentElement.lang = lang;
  for (const n of document.querySelectorAll('[data-i18n]')) {
    const key = n.dataset.i18n;
    if (!(key in vi)) vi[key] = n.textContent;
    n.textContent = lang === 'en' ? T.en[key] ?? vi[key] : vi[key];
  }
  $('lang').textContent = lang === 'en' ? 'VI' : 'EN';
  $('lang').setAttribute('aria-label', lang === 'en' ? 'Tiếng Việt' : 'English');
}

function query() {
  const q = new URLSearchParams();
  const [scheme, level] = $('areas').value.split(':');
  if ($('occupation').value) q.set('occupation', $('occupation').value);
  if ($('level').value) q.set('level', $('level').value);
  q.set('radius_km', $('radius').value || '10');
  q.set('scheme', scheme);
  q.set('area_level', level);
  return q;
}

// An equirectangular frame fitted to the grid, scaled by cos(latitude).
function frame(features, width) {
  let [x0, y0, x1, y1] = [180, 90, -180, -90];
  for (const f of features) {
    for (const [x, y] of f.geometry.coordinates[0]) {
      x0 = Math.min(x0, x); x1 = Math.max(x1, x); y0 = Math.min(y0, y); y1 = Math.max(y1, y);
    }
  }
  const cos = Math.cos(((y0 + y1) / 2) * Math.PI / 180);
  const s = width / Math.max((x1 - x0) * cos, 1e-9);
  return { xy: ([x, y]) => [(x - x0) * cos * s, (y1 - y) * s], height: (y1 - y0) * s, width };
}

function pathOf(f, ring) {
  return ring.map((c, i) => `${i ? 'L' : 'M'}${f.xy(c).map((v) => v.toFixed(1)).join(',')}`).join('') + 'Z';
}

function band(d, r) {
  if (d === null || d === undefined) return 4;
  if (d <= r / 2) return 0;
  if (d <= r) return 1;
  return d <= 2 * r ? 2 : 3;
}

function shareColour(s) {
  if (s === null || s === undefined) return '#ffffff';
  if (s >= 1) return SHARES[4][0];
  return SHARES[Math.min(3, Math.floor(s * 4))][0];
}

function drawMap(grid, areas, institutions, offering, radiusM) {
  const mode = document.querySelector('input[name=layer]:checked').value;
  const map = $('map');
  map.replaceChildren();
  if (!grid.features.length) return;
  const f = frame(grid.features, 800);
  const svg = svgEl('svg', { viewBox: `0 0 800 ${f.height.toFixed(0)}`, role: 'img', 'aria-label': t('Bản đồ độ phủ', 'Coverage map') });
  if (mode === 'grid') {
    for (const c of grid.features) {
      const p = svgEl('path', { d: pathOf(f, c.geometry.coordinates[0]), fill: BANDS[band(c.properties.distance_m, radiusM)][0] });
      const title = svgEl('title');
      title.textContent = `${km(c.properties.distance_m)} km`;
      p.append(title);
      svg.append(p);
    }
  }
  for (const a of areas.features) {
    if (!a.geometry) continue;
    const polys = a.geometry.type === 'Polygon' ? [a.geometry.coordinates] : a.geometry.coordinates;
    for (const poly of polys) {
      const share = a.properties.share_population_within_radius ?? a.properties.share_area_within_radius;
      const p = svgEl('path', {
        d: pathOf(f, poly[0]), stroke: '#333', 'stroke-width': 1,
        fill: mode === 'areas' ? shareColour(share) : 'none', 'fill-opacity': 0.85,
      });
      const title = svgEl('title');
      title.textContent = `${a.properties.name}: ${pct(share)}`;
      p.append(title);
      svg.append(p);
    }
  }
  for (const i of institutions) {
    if (!offering(i)) continue;
    const [x, y] = f.xy(i.location);
    const c = svgEl('circle', { cx: x.toFixed(1), cy: y.toFixed(1), r: 4, fill: '#08306b', stroke: '#fff' });
    const title = svgEl('title');
    title.textContent = i.name_vi;
    c.append(title);
    svg.append(c);
  }
  map.append(svg);
  const legend = $('legend');
  legend.replaceChildren();
  const items = mode === 'grid' ? BANDS.map(([c, v, e]) => [c, t(v, e)]) : SHARES;
  for (const [colour, label] of items) {
    const span = el('span');
    span.append(el('i', { style: `background:${colour}` }), document.createTextNode(label));
    legend.append(span);
  }
}

let last = null;

async function runCoverage() {
  const q = query();
  $('error').hidden = true;
  try {
    const [report, grid, areas, all] = await Promise.all([
      getJson(`/api/v1/coverage?${q}`),
      getJson(`/api/v1/coverage/grid?${q}`),
      getJson(`/api/v1/coverage?${q}&f=geojson`),
      getJson('/api/v1/institutions'),
    ]);
    const occ = $('occupation').value;
    const lvl = $('level').value;
    const offering = (i) => (!occ && !lvl) || i.programmes.some((p) => (!occ || p.occupation_code === occ) && (!lvl || p.level === lvl));
    last = { report, grid, areas, all, offering };
    render();
    exportLinks();
  } catch (e) {
    $('error').textContent = e.message;
    $('error').hidden = false;
  }
}

// Export links of the current question; CSV files carry their caveats in the page's
// language, as does the report.
function exportLinks() {
  const q = query();
  for (const [id, path, f] of [['x-areas-csv', '/api/v1/coverage', 'csv'], ['x-areas-geojson', '/api/v1/coverage', 'geojson'],
    ['x-grid-geojson', '/api/v1/coverage/grid', 'geojson'], ['x-grid-csv', '/api/v1/coverage/grid', 'csv']]) {
    $(id).href = `${path}?${q}&f=${f}${f === 'csv' ? `&lang=${lang}` : ''}`;
  }
  q.set('lang', lang);
  $('x-report').href = `/reports/periodic?${q}`;
}

function render() {
  if (!last) return;
  const { report, grid, areas, all, offering } = last;
  drawMap(grid, areas, all.institutions, offering, report.radius_km * 1000);
  const p = report.population;
  $('summary').textContent = `${t('Cơ sở phù hợp', 'Matching institutions')}: ${report.matching_institutions} · `
    + `${t('Ô lưới trong bán kính', 'Grid cells within the radius')}: ${report.grid.cells_within_radius}/${report.grid.cells} (${pct(report.grid.share_within_radius)})`
    + (p.loaded ? ` · ${t('Dân số trong bán kính', 'People within the radius')}: ${pct(p.share_within_radius)}` : '');
  $('caveats').replaceChildren(...report.caveats.map((c) => el('li', {}, c[lang])));
  $('worst').replaceChildren(...report.worst_served.slice(0, 10).map((w) => el('li', {},
    `${w.name} — ${pct(w.share_within_radius)} ${t(w.basis === 'population' ? 'dân số' : 'diện tích', w.basis === 'population' ? 'of people' : 'of the area')}`)));
  const head = el('tr');
  for (const c of T.cols[lang]) head.append(el('th', { scope: 'col' }, c));
  $('areas-table').tHead.replaceChildren(head);
  const rows = report.areas.map((a) => {
    const tr = el('tr');
    tr.append(el('td', {}, `${a.code} ${a.name}${a.has_geometry ? '' : t(' (không có ranh giới)', ' (no geometry)')}`));
    for (const v of [a.institutions, a.programmes, km(a.distance_from_centre_m), km(a.max_distance_m),
      pct(a.share_area_within_radius), pct(a.share_population_within_radius)]) tr.append(el('td', { class: 'n' }, String(v)));
    return tr;
  });
  $('areas-table').tBodies[0].replaceChildren(...rows);
}

function bar(counts, targets) {
  const b = el('div', { class: 'bar', role: 'img', 'aria-label': pct100(counts.value_pct) });
  const lower = Math.min(100, counts.lower_bound_pct ?? 0);
  const upper = Math.min(100, counts.upper_bound_pct ?? 100);
  b.append(el('div', { class: 'v', style: `width:${lower}%` }));
  b.append(el('div', { class: 'u', style: `left:${lower}%;width:${Math.max(0, upper - lower)}%` }));
  for (const tg of targets) {
    b.append(el('div', { class: 't', style: `left:${Math.min(99.6, tg.target_pct)}%` }));
    b.append(el('span', { class: 'tl', style: `left:${Math.min(97, tg.target_pct)}%` }, `${tg.target_pct}% ${tg.year ?? ''}`));
  }
  return b;
}

// A horizontal bar chart of the indicator's value per area.
function chart(ind) {
  const rows = ind.breakdown.filter((a) => a.value_pct !== null);
  const h = 18 * rows.length + 10;
  const svg = svgEl('svg', { class: 'chart', viewBox: `0 0 570 ${h}`, role: 'img', 'aria-label': ind.id });
  rows.forEach((a, n) => {
    const y = 5 + n * 18;
    const label = svgEl('text', { x: 0, y: y + 12, 'font-size': 11 });
    label.textContent = a.name ?? a.code ?? '—';
    svg.append(label, svgEl('rect', { x: 200, y, width: 3 * a.value_pct, height: 14, fill: '#2b8cbe' }));
    const v = svgEl('text', { x: 205 + 3 * a.value_pct, y: y + 12, 'font-size': 11 });
    v.textContent = pct100(a.value_pct);
    svg.append(v);
  });
  for (const tg of ind.targets) svg.append(svgEl('line', { x1: 200 + 3 * tg.target_pct, x2: 200 + 3 * tg.target_pct, y1: 0, y2: h, stroke: '#d73027' }));
  return svg;
}

const BASIS = {
  institutions: ['Tính từ số liệu của các cơ sở', 'Computed from the institutions\' figures'],
  service: ['Tính từ dữ liệu của hệ thống bản đồ', 'Computed from what this map service holds'],
  province: ['Sở báo cáo', 'Reported by the department'],
};

// The indicator's path towards its targets: the server draws it (the same chart as the
// printable report's); it is parsed as SVG, never as HTML, and holds no script or style.
async function progressChart(id) {
  const r = await fetch(`/api/v1/indicators/${encodeURIComponent(id)}/progress.svg?lang=${lang}`);
  if (!r.ok) throw new Error(`${id}: ${r.status}`);
  const doc = new DOMParser().parseFromString(await r.text(), 'image/svg+xml');
  if (doc.documentElement.nodeName !== 'svg') throw new Error(`${id}: not SVG`);
  return document.importNode(doc.documentElement, true);
}

// The department's report behind a province figure: period, who, review and evidence.
function provinceReport(p) {
  if (!p) {
    return el('p', { class: 'missing' }, t('Sở chưa báo cáo chỉ số này: giá trị chưa rõ.',
      'The department has not reported this indicator: its value is unknown.'));
  }
  const box = el('p', { class: 'meta report' });
  box.append(`${t('Kỳ báo cáo', 'Reporting period')}: ${p.period} · ${t('Người báo cáo', 'Reported by')}: ${p.reported_by} `
    + `(${p.reported_at.slice(0, 10)}) · ${t('Duyệt', 'Review')}: ${p.reviewed_by ?? t('chưa duyệt', 'not reviewed yet')} · `
    + `${t('Minh chứng', 'Evidence')}: `);
  if (p.evidence_url) box.append(el('a', { href: p.evidence_url, rel: 'noopener noreferrer' }, p.evidence_url));
  if (p.evidence_url && p.evidence_ref) box.append(' · ');
  if (p.evidence_ref) box.append(p.evidence_ref);
  return box;
}

async function indicatorSection(i) {
  const box = el('section', { class: 'ind', 'data-indicator': i.id });
  box.append(el('h4', {}, t(i.title_vi, i.title_en)));
  box.append(el('p', { class: 'basis' }, t(...BASIS[i.basis])));
  box.append(bar(i, i.targets));
  const targets = i.targets.map((tg) => `${tg.target_pct}% ${tg.year ?? t('(không nêu năm)', '(no year)')} `
    + `(${tg.met === null ? t('chưa rõ', 'unknown') : tg.met ? t('đạt', 'met') : t('chưa đạt', 'not met')})`).join(', ');
  let line = `${t('Giá trị', 'Value')}: ${pct100(i.value_pct)} (${i.numerator}/${i.denominator}) · ${t('Mục tiêu', 'Targets')}: ${targets}`;
  if (i.basis !== 'province') line += ` · ${t('Trong phạm vi', 'In scope')}: ${i.in_scope} · ${t('Chưa rõ', 'Unknown')}: ${i.unknown}`;
  box.append(el('p', {}, line));
  box.append(el('p', { class: 'meta' }, t(i.method_vi, i.method_en)));
  const progress = el('div', { class: 'progress-chart' });
  progress.append(await progressChart(i.id));
  box.append(progress);
  if (i.basis === 'province') box.append(provinceReport(i.province_report));
  else if (i.breakdown.length) box.append(chart(i));
  return box;
}

async function runIndicators() {
  const r = await getJson('/api/v1/indicators');
  $('ind-caveats').replaceChildren(...r.data_caveats.map((c) => el('li', {}, c[lang])));
  const byId = new Map(r.indicators.map((i) => [i.id, i]));
  const targets = await Promise.all(r.scorecard.map(async (target) => {
    const box = el('article', { class: 'target', id: `target-${target.code}` });
    box.append(el('h3', {}, `${target.code} · ${target.plan_section}`));
    box.append(el('blockquote', { lang: 'vi' }, `“${target.text_vi}”`));
    if (lang === 'en') box.append(el('p', { class: 'meta' }, `Our rendering (not an official translation): ${target.text_en}`));
    box.append(...await Promise.all(target.indicators.map((id) => indicatorSection(byId.get(id)))));
    return box;
  }));
  $('ind-list').replaceChildren(...targets);
  for (const [id, f] of [['x-ind-csv', 'csv'], ['x-ind-geojson', 'geojson']]) {
    $(id).href = `/api/v1/indicators?f=${f}${f === 'csv' ? `&lang=${lang}` : ''}`;
  }
}

async function loadOccupations() {
  const all = await getJson('/api/v1/institutions');
  const seen = new Map();
  for (const i of all.institutions) for (const p of i.programmes) seen.set(p.occupation_code, p.occupation_name);
  const options = [...seen].sort((a, b) => a[0].localeCompare(b[0]))
    .map(([code, name]) => el('option', { value: code }, `${code} ${name}`));
  $('occupation').append(...options);
}

$('question').addEventListener('submit', (e) => { e.preventDefault(); runCoverage(); });
for (const r of document.querySelectorAll('input[name=layer]')) r.addEventListener('change', render);
$('lang').addEventListener('click', async () => {
  lang = lang === 'en' ? 'vi' : 'en';
  document.body.dataset.ready = 'false';
  applyLanguage();
  render();
  if (last) exportLinks();
  await runIndicators();
  document.body.dataset.ready = 'true';
});

applyLanguage();
await loadOccupations();
await Promise.all([runCoverage(), runIndicators()]);
document.body.dataset.ready = 'true';

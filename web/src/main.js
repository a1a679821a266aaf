// The web map and the embed: one program, two pages (index.html, embed.html). The embed
// is driven by its URL: ?lang=vi|en&kind=&level=&ownership=&occupation=&center=lon,lat
// &zoom=&controls=search,filters,list,locate,zoom,lang&institution=id
import { STATIC_MANIFEST, filterParams, getJSON, useBackend } from './api.js';
import { apply, initLang, lang, nameOf, onLangChange, setLang, t } from './i18n.js';
import { MapView } from './mapview.js';
import { renderProfile, shareUrl } from './profile.js';
import { renderResults } from './results.js';
import { initSearch } from './search.js';
import { fillOccupations, renderShell } from './ui.js';

const params = new URLSearchParams(location.search);
const embed = document.body.dataset.page === 'embed';
const controls = new Set((params.get('controls') ?? 'search,zoom').split(',').map((s) => s.trim()).filter(Boolean));
const $ = (sel) => document.querySelector(sel);

const state = {
  // A static site draws every institution (its tiles are not filtered), so its list is not either.
  filters: Object.fromEntries(['occupation', 'level', 'kind', 'ownership'].map((k) => [k, (!STATIC_MANIFEST && params.get(k)) || ''])),
  ref: null, // {lon, lat}: the person's point (near me or picked), or null for the map centre
  picking: false,
  mode: 'nearby', // or 'search'
  query: '',
  results: [],
  profile: null, // the open profile's data
  opener: null, // the id whose list entry opened the profile, to return focus
  occupations: [],
};
let view = null;

initLang(params.get('lang'));
renderShell($('#app'), { embed, controls, offline: Boolean(STATIC_MANIFEST) });
apply(document);

function centre() {
  if (view) { const c = view.map.getCenter(); return { lon: c.lng, lat: c.lat }; }
  const c = parseCentre() || [106.3, 9.8];
  return { lon: c[0], lat: c[1] };
}

function parseCentre() {
  const c = (params.get('center') || '').split(',').map(Number);
  return c.length === 2 && c.every(Number.isFinite) ? c : null;
}

async function refresh() {
  const title = $('#results-title');
  const count = $('#results-count');
  const list = $('#results');
  count.textContent = t('results.loading');
  try {
    let items;
    if (state.mode === 'search') {
      title.textContent = t('results.search');
      const p = state.ref || centre();
      const res = await getJSON('/api/v1/search', { q: state.query, lon: p.lon, lat: p.lat, limit: 30 });
      items = (res.results || []).filter((r) => r.type !== 'occupation');
    } else {
      title.textContent = t(state.ref ? 'results.near_you' : 'results.near_centre');
      const p = state.ref || centre();
      const res = await getJSON('/api/v1/nearby', { lon: p.lon, lat: p.lat, limit: 50, ...filterParams(state.filters) });
      items = res.results || [];
    }
    state.results = items;
    count.textContent = items.length ? t('results.count', { n: items.length }) : t('results.none');
    renderResults(list, items, (id) => openProfile(id, { fromList: true }));
  } catch {
    count.textContent = t('results.error');
  }
}

async function openProfile(id, { fromList = false, fly = true } = {}) {
  const panel = $('#profile');
  state.opener = fromList ? id : null;
  let p;
  try {
    p = await getJSON(`/api/v1/institutions/${encodeURIComponent(id)}`);
  } catch {
    $('#results-count').textContent = t('profile.not_found');
    return;
  }
  p = p.institution || p; // tolerate a wrapped profile
  state.profile = p;
  drawProfile();
  $('#results-section').hidden = true;
  $('#panel').classList.add('profile-open');
  panel.hidden = false;
  $('.app').dataset.view = 'list';
  panel.scrollTop = 0;
  $('#panel').scrollTop = 0;
  $('#profile-title').focus();
  const loc = p.location || p.geometry?.coordinates;
  if (view) {
    view.select(id);
    if (fly && loc) view.flyTo(loc);
  }
  if (!embed) history.replaceState(null, '', shareUrl(id).replace(location.origin, ''));
  if (embed && window.parent !== window) {
    window.parent.postMessage({
      type: 'vetmap:select', id, name_vi: p.name_vi, name_en: p.name_en ?? null,
      location: loc ?? null, url: shareUrl(id),
    }, '*');
  }
}

function drawProfile() {
  if (!state.profile) return;
  renderProfile($('#profile'), state.profile, {
    embed,
    onClose: closeProfile,
    occupationName: (code) => state.occupations.find((o) => o.code === code)?.name_en,
  });
}

function closeProfile() {
  state.profile = null;
  $('#profile').hidden = true;
  $('#profile').innerHTML = '';
  $('#panel').classList.remove('profile-open');
  $('#results-section').hidden = embed && !controls.has('list');
  view?.select(null);
  if (!embed) history.replaceState(null, '', location.pathname);
  const back = state.opener && $(`.result-open[data-id="${CSS.escape(state.opener)}"]`);
  (back || $('#results-title')).focus();
}

function setRef(p, how) {
  state.ref = p;
  state.picking = false;
  state.mode = 'nearby';
  view?.setReferencePoint(p ? [p.lon, p.lat] : null);
  const clear = $('#near-clear');
  if (clear) clear.hidden = !p;
  const status = $('#near-status');
  if (status) status.textContent = p && how ? `${t('near.your_point')}: ${p.lat.toFixed(4)}, ${p.lon.toFixed(4)}` : '';
  refresh();
}

function wireNear() {
  const btn = $('#near-me');
  if (!btn) return;
  const status = $('#near-status');
  btn.addEventListener('click', () => {
    status.textContent = t('near.locating');
    const fallback = () => {
      state.picking = true;
      status.textContent = t('near.denied');
    };
    if (!navigator.geolocation) { fallback(); return; }
    navigator.geolocation.getCurrentPosition(
      (pos) => {
        const p = { lon: pos.coords.longitude, lat: pos.coords.latitude };
        setRef(p, 'gps');
        view?.flyTo([p.lon, p.lat], 11);
      },
      fallback,
      { enableHighAccuracy: false, timeout: 10000, maximumAge: 300000 },
    );
  });
  $('#near-centre').addEventListener('click', () => setRef(centre(), 'centre'));
  $('#near-clear').addEventListener('click', () => setRef(null));
}

function wireFilters() {
  const form = $('#filters');
  if (!form) return;
  for (const k of Object.keys(state.filters)) {
    const sel = $(`#filter-${k}`);
    sel.value = state.filters[k];
    sel.addEventListener('change', () => {
      state.filters[k] = sel.value;
      state.mode = 'nearby';
      view?.setFilters(state.filters);
      refresh();
    });
  }
  $('#filters-reset').addEventListener('click', () => {
    for (const k of Object.keys(state.filters)) { state.filters[k] = ''; $(`#filter-${k}`).value = ''; }
    state.mode = 'nearby';
    view?.setFilters(state.filters);
    refresh();
  });
}

function wireSearch() {
  const form = $('#search-form');
  if (!form) return;
  initSearch(form, {
    onInstitution: (it) => openProfile(it.id),
    onOccupation: (it) => {
      state.filters.occupation = it.code;
      const sel = $('#filter-occupation');
      if (sel) sel.value = it.code;
      state.mode = 'nearby';
      view?.setFilters(state.filters);
      refresh();
    },
    onSubmit: (q) => { state.mode = 'search'; state.query = q; closeProfileQuietly(); refresh().then(() => $('#results-title').focus()); },
  });
}

function closeProfileQuietly() {
  if (!state.profile) return;
  state.profile = null;
  $('#profile').hidden = true;
  $('#panel').classList.remove('profile-open');
  $('#results-section').hidden = false;
}

async function loadOccupations() {
  // The catalogue also names a profile's programmes in English, filters or not.
  const sel = $('#filter-occupation') || document.createElement('select');
  try {
    const res = await getJSON('/api/v1/occupations');
    state.occupations = (res.occupations || []).filter((o) => o.institutions !== 0);
  } catch { state.occupations = []; }
  fillOccupations(sel, state.occupations, nameOf);
  sel.value = state.filters.occupation;
}

function wireHeader() {
  const sw = $('#lang-switch');
  if (sw) {
    // The switch is written in the language it switches to, and says so.
    const mark = () => { sw.lang = lang() === 'vi' ? 'en' : 'vi'; };
    sw.addEventListener('click', () => setLang(lang() === 'vi' ? 'en' : 'vi'));
    onLangChange(mark);
    mark();
  }
  const toggle = $('#view-toggle');
  if (toggle) {
    const label = () => { toggle.textContent = t($('.app').dataset.view === 'list' ? 'view.map' : 'view.list'); };
    toggle.addEventListener('click', () => {
      const app = $('.app');
      app.dataset.view = app.dataset.view === 'list' ? 'map' : 'list';
      label();
      if (app.dataset.view === 'map') view?.map.resize();
    });
    onLangChange(label);
  }
}

onLangChange((l) => {
  view?.setLanguage(l);
  fillOccupations($('#filter-occupation') || document.createElement('select'), state.occupations, nameOf);
  renderResults($('#results'), state.results, (id) => openProfile(id, { fromList: true }));
  const title = $('#results-title');
  title.textContent = t(state.mode === 'search' ? 'results.search' : state.ref ? 'results.near_you' : 'results.near_centre');
  $('#results-count').textContent = state.results.length ? t('results.count', { n: state.results.length }) : t('results.none');
  drawProfile();
});

/// On a static site: its files answer the API (dist/static.js, loaded only there).
async function openStaticSite() {
  if (!STATIC_MANIFEST) return null;
  const { openSite } = await import(new URL('static.js', import.meta.url).href);
  const site = await openSite(STATIC_MANIFEST, document.baseURI);
  useBackend(site.backend);
  return site;
}

async function start() {
  let site = null;
  try {
    site = await openStaticSite();
  } catch (e) {
    console.error('static site unavailable:', e);
    $('#results-count').textContent = t('results.error');
    document.body.dataset.ready = 'true';
    return;
  }
  wireHeader();
  wireNear();
  wireFilters();
  wireSearch();
  if (embed && controls.has('lang')) {
    const b = document.createElement('button');
    b.id = 'lang-switch';
    b.className = 'btn lang-embed';
    b.dataset.i18n = 'lang.switch';
    b.dataset.i18nLabel = 'lang.switch_label';
    $('#panel').prepend(b);
    apply(b.parentElement);
    b.addEventListener('click', () => setLang(lang() === 'vi' ? 'en' : 'vi'));
    const mark = () => { b.lang = lang() === 'vi' ? 'en' : 'vi'; };
    onLangChange(mark);
    mark();
  }
  loadOccupations();
  try {
    const zoom = Number(params.get('zoom'));
    view = await MapView.create($('#map'), {
      center: parseCentre(),
      zoom: params.has('zoom') && Number.isFinite(zoom) ? zoom : undefined,
      lang: lang(),
      showZoom: !embed || controls.has('zoom'),
      filters: filterParams(state.filters),
      site,
      onSelect: (id) => openProfile(id, { fly: false }),
      onClick: (ll) => { if (state.picking) setRef({ lon: ll.lng, lat: ll.lat }, 'picked'); },
      onMoveEnd: () => { if (!state.ref && state.mode === 'nearby') refresh(); },
    });
    view.setLanguage(lang());
  } catch (e) {
    console.warn('map unavailable:', e);
    const m = $('#map');
    m.innerHTML = `<p class="no-map" data-i18n="map.no_webgl">${t('map.no_webgl')}</p>`;
    $('.app').dataset.view = 'list';
  }
  await refresh();
  const id = params.get('institution');
  if (id) await openProfile(id);
  document.body.dataset.ready = 'true';
}

start();

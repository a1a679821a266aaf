// The page's markup, built once; texts come from i18n.apply(). The same pieces serve the
// full map and the embed, where `controls` chooses which of them appear.
import { KINDS, LEVELS, OWNERSHIPS, kindSvg } from './kinds.js';

const option = (value, key) => `<option value="${value}" data-i18n="${key}"></option>`;

/// `offline`: a static site, whose filters (they change the tiles) need the service; a
/// note says so where they would be.
export function renderShell(root, { embed, controls, offline = false }) {
  const has = (c) => !embed || controls.has(c);
  const select = (id, key, options) => `
    <div class="field">
      <label for="filter-${id}" data-i18n="filters.${key}"></label>
      <select id="filter-${id}" name="${id}">
        <option value="" data-i18n="filters.any"></option>${options}
      </select>
    </div>`;
  root.innerHTML = `
  <div class="app${embed ? ' embed' : ''}" data-view="map">
    <aside id="panel" class="panel" aria-labelledby="panel-title">
      <h2 id="panel-title" class="visually-hidden" data-i18n="app.title"></h2>
      ${has('search') ? `
      <form id="search-form" class="search" role="search" autocomplete="off">
        <label for="search-input" data-i18n="search.label"></label>
        <div class="combo">
          <input id="search-input" type="search" role="combobox" aria-autocomplete="list"
            aria-expanded="false" aria-controls="search-suggestions" data-i18n-placeholder="search.placeholder">
          <button type="submit" class="btn" data-i18n="search.submit"></button>
        </div>
        <ul id="search-suggestions" class="suggestions" role="listbox" data-i18n-label="search.label" hidden></ul>
      </form>` : ''}
      ${has('locate') ? `
      <div class="near">
        <button id="near-me" type="button" class="btn primary" data-i18n="near.button"></button>
        <button id="near-centre" type="button" class="btn" data-i18n="near.use_centre"></button>
        <button id="near-clear" type="button" class="btn" data-i18n="near.clear" hidden></button>
        <p id="near-status" class="status" role="status" aria-live="polite"></p>
      </div>` : ''}
      ${has('filters') && offline ? `
      <p id="static-note" class="note static-note" data-i18n="static.note"></p>` : ''}
      ${has('filters') && !offline ? `
      <details id="filters" class="filters"${embed ? '' : ' open'}>
        <summary data-i18n="filters.title"></summary>
        <div class="filter-grid">
          ${select('occupation', 'occupation', '')}
          ${select('level', 'level', LEVELS.map((l) => option(l, `level.${l}`)).join(''))}
          ${select('kind', 'kind', Object.keys(KINDS).map((k) => option(k, `kind.${k}`)).join(''))}
          ${select('ownership', 'ownership', OWNERSHIPS.map((o) => option(o, `ownership.${o}`)).join(''))}
        </div>
        <button id="filters-reset" type="button" class="btn link" data-i18n="filters.reset"></button>
      </details>` : ''}
      <section id="results-section" class="results"${has('list') ? '' : ' hidden'} aria-labelledby="results-title">
        <h2 id="results-title" tabindex="-1"></h2>
        <p id="results-count" class="status" role="status" aria-live="polite"></p>
        <ol id="results" class="result-list"></ol>
      </section>
      <section id="profile" class="profile" hidden aria-labelledby="profile-title"></section>
      ${embed ? '' : `
      <details class="legend">
        <summary data-i18n="legend.title"></summary>
        <ul>
          ${Object.keys(KINDS).filter((k) => k !== 'other').map((k) => `<li>${kindSvg(k)}<span data-i18n="kind.${k}"></span></li>`).join('')}
          <li><span class="cluster-mark" aria-hidden="true">3</span><span data-i18n="legend.cluster"></span></li>
        </ul>
      </details>
      <p class="officials-link" data-needs-server><a href="/admin.html" data-i18n="nav.admin"></a></p>`}
    </aside>
    <div id="map" class="map" role="region" data-i18n-label="map.label"></div>
  </div>`;
}

/// Fills the occupation filter from the catalogue, keeping the current choice.
export function fillOccupations(select, occupations, nameOf) {
  const keep = select.value;
  for (const o of [...select.options].slice(1)) o.remove();
  for (const occ of occupations) {
    const opt = document.createElement('option');
    opt.value = occ.code;
    const n = nameOf(occ);
    opt.textContent = `${n.text} (${occ.code})`;
    opt.lang = n.lang;
    select.append(opt);
  }
  select.value = keep;
}

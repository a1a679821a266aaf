// A save refused with 412: someone else saved the institution after this form was
// opened. Says so in plain words, shows what they changed (the record as it was when
// the form opened against the record now), and what this person had changed, so that
// after reloading the newest version they can enter their changes again.
import { lang, t } from '../i18n.js';
import { fill, h, live, when } from './dom.js';
import { call, institutionPath } from './http.js';
import { differences, fieldLabel, valueText } from './fields.js';

const IGNORED = new Set(['updated_at']);

/// Fetches the newest record and who saved it; `{record, etag, last}`.
export async function newest(id) {
  const { body, headers } = await call('GET', institutionPath(id, '/record'));
  let last = null;
  try {
    last = (await call('GET', institutionPath(id, '/history'), { query: { limit: 1 } })).body.entries?.[0] || null;
  } catch { /* who saved is a courtesy; the record is what matters */ }
  return { record: body.record, etag: headers.get('etag'), last };
}

function table(captionKey, rows, columns) {
  const head = h('tr', {}, h('th', { scope: 'col', t: 'conflict.field' }), columns.map(([key]) => h('th', { scope: 'col', t: key })));
  return h('div', { class: 'table-wrap', tabindex: '0', role: 'region', label: captionKey },
    h('table', { class: 'diff' },
      h('caption', { t: captionKey }),
      h('thead', {}, head),
      h('tbody', {}, rows.map((name) => h('tr', { 'data-field': name },
        live(h('th', { scope: 'row' }), (el) => { el.textContent = fieldLabel(name); }),
        columns.map(([, value]) => live(h('td'), (el) => { el.textContent = valueText(name, value(name)); })))))));
}

/// The explanation, in `panel`. `base`: the record the form was opened with; `mine`:
/// what the form holds; `server`: `newest(id)`. `onReload()` when asked to load it.
export function explainConflict(panel, { base, mine, server, onReload }) {
  const theirs = differences(base, server.record).filter((n) => !IGNORED.has(n));
  const yours = differences(base, mine).filter((n) => !IGNORED.has(n));
  const reload = h('button', { type: 'button', class: 'btn primary', id: 'conflict-reload', t: 'conflict.reload' });
  reload.addEventListener('click', onReload);
  const who = server.last ? live(h('p', { id: 'conflict-who' }), (el) => {
    el.textContent = t('conflict.who', { actor: server.last.actor, at: when(server.last.at, lang()) });
  }) : null;
  fill(panel,
    h('h3', { id: 'conflict-title', tabindex: '-1', t: 'conflict.title' }),
    h('p', { id: 'conflict-explain', t: 'conflict.explain' }),
    who,
    theirs.length
      ? table('conflict.theirs', theirs, [
        ['conflict.before', (n) => base[n]], ['conflict.now', (n) => server.record[n]], ['conflict.yours_col', (n) => mine[n]]])
      : h('p', { t: 'conflict.no_field_changes' }),
    yours.length ? yoursList(yours, mine) : null,
    h('p', { t: 'conflict.what_next' }),
    h('div', { class: 'actions' }, reload));
  panel.hidden = false;
  panel.querySelector('h3').focus();
  return yours;
}

/// The person's unsaved values, left on the page after reloading so they can be
/// copied into the newest version.
export function yoursList(names, mine) {
  return h('section', { class: 'yours', id: 'unsaved-values' },
    h('h4', { t: 'conflict.yours' }),
    h('dl', {}, names.map((n) => [
      live(h('dt'), (el) => { el.textContent = fieldLabel(n); }),
      live(h('dd', { class: 'copyable' }), (el) => { el.textContent = valueText(n, mine[n]); }),
    ])));
}

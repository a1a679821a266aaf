// The institutions an account may edit (or report for), searchable: the OGC API's
// items with the text query and, for district and institution accounts, a CQL2 filter
// of their scope (the server decides again on every write).
import { nameOf, t } from '../i18n.js';
import { errorMessage } from './errors.js';
import { fill, focusHeading, h, live } from './dom.js';
import { call } from './http.js';
import { go } from './router.js';
import { mayReportFor, scopeFilter, session } from './session.js';

const PROPERTIES = 'name_vi,name_en,kind,district_pre2025,commune_2025';
const PAGE = 30;

function scopeNote() {
  const a = session.account;
  return live(h('p', { class: 'note', id: 'scope-note' }), (el) => {
    if (a.role === 'institution') el.textContent = t('list.scope_institutions', { n: a.institutions.length });
    else if (a.role === 'district') {
      el.textContent = t('list.scope_areas', { areas: a.areas.map((x) => `${x.code} (${x.scheme})`).join(', ') });
    } else el.textContent = t('list.scope_all');
  });
}

function row(f, mode) {
  const id = f.id;
  const p = f.properties || {};
  const name = nameOf(p);
  const target = mode === 'reports' ? `#/institutions/${encodeURIComponent(id)}/reports` : `#/institutions/${encodeURIComponent(id)}`;
  const meta = live(h('p', { class: 'meta' }), (el) => {
    el.textContent = [t(`kind.${p.kind}`), p.district_pre2025 && t('list.district', { code: p.district_pre2025 }), id]
      .filter(Boolean).join(' · ');
  });
  const links = [
    h('a', { href: `#/institutions/${encodeURIComponent(id)}`, t: 'list.edit' }),
    h('a', { href: `#/institutions/${encodeURIComponent(id)}/history`, t: 'list.history' }),
    mayReportFor(id) ? h('a', { href: `#/institutions/${encodeURIComponent(id)}/reports`, t: 'list.report' }) : null,
    h('a', { href: `/?institution=${encodeURIComponent(id)}`, t: 'list.on_map' }),
  ];
  return h('li', { class: 'card row', 'data-id': id },
    h('h3', {}, h('a', { href: target, lang: name.lang, text: name.text })),
    meta,
    h('p', { class: 'links' }, links.filter(Boolean).flatMap((l, i) => (i ? [' · ', l] : [l]))));
}

export async function listPage(box, query, { mode = 'edit' } = {}) {
  const a = session.account;
  if (mode === 'reports' && a.role === 'institution' && a.institutions.length === 1) {
    go(`/institutions/${encodeURIComponent(a.institutions[0])}/reports`, { replace: true });
    return null;
  }
  const q = query.get('q') || '';
  const input = h('input', { id: 'inst-q', name: 'q', type: 'search', value: q, autocomplete: 'off' });
  const form = h('form', { class: 'search-row', role: 'search' },
    h('label', { for: 'inst-q', t: 'list.search' }),
    h('div', { class: 'combo' }, input, h('button', { type: 'submit', class: 'btn', t: 'list.search_submit' })));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const v = input.value.trim();
    go(`${mode === 'reports' ? '/reports' : '/institutions'}${v ? `?q=${encodeURIComponent(v)}` : ''}`);
  });
  const status = h('p', { class: 'status', role: 'status', id: 'list-status' });
  const problem = h('div');
  const list = h('ul', { class: 'cards', id: 'institutions' });
  const more = h('button', { type: 'button', class: 'btn', t: 'list.more', hidden: true });
  const heading = h('h2', { t: mode === 'reports' ? 'list.title_reports' : 'list.title' });
  fill(box, heading, scopeNote(), form, status, problem, list, more);

  let next = null;
  let shown = 0;
  let matched = null;
  const count = (el) => {
    el.textContent = matched === null ? '' : matched === 0 ? t('list.none') : t('list.count', { n: shown, total: matched });
  };
  live(status, count);
  async function load(url) {
    more.disabled = true;
    try {
      const { body } = await call('GET', url);
      for (const f of body.features || []) list.append(row(f, mode));
      shown += (body.features || []).length;
      matched = body.numberMatched ?? shown;
      const link = (body.links || []).find((l) => l.rel === 'next');
      next = link ? new URL(link.href, location.origin) : null;
      more.hidden = !next;
      count(status);
    } catch (err) {
      fill(problem, errorMessage(err));
    } finally {
      more.disabled = false;
    }
  }
  more.addEventListener('click', () => {
    const before = list.children.length;
    load(`${next.pathname}${next.search}`).then(() => list.children[before]?.querySelector('a')?.focus());
  });
  const params = new URLSearchParams({ limit: String(PAGE), properties: PROPERTIES });
  if (q) params.set('q', q); else params.set('sortby', 'name_vi');
  const scope = scopeFilter();
  if (scope) params.set('filter', scope);
  await load(`/collections/institutions/items?${params}`);
  if (q) focusHeading(heading);
  return null;
}

// The audit log (province officials and administrators): search by person, institution,
// kind of change and dates; newest first; the same search as CSV.
import { field, fill, focusHeading, h, select } from './dom.js';
import { go } from './router.js';
import { pagedEntries } from './history.js';

const ACTIONS = ['institution', 'institution.create', 'institution.update', 'institution.retire',
  'report', 'account', 'account.create', 'account.update', 'token', 'credential'];
const FILTERS = ['actor', 'institution', 'action', 'from', 'to'];
const PAGE = 50;

/// A day picked in the browser's time zone as the instant it starts; `to` is the
/// start of the next day, so the day picked is included (the API's `to` is exclusive).
function dayStart(date, plusDays = 0) {
  const [y, m, d] = date.split('-').map(Number);
  if (!y || !m || !d) return '';
  return new Date(y, m - 1, d + plusDays).toISOString();
}

function apiQuery(q) {
  const out = {};
  if (q.get('actor')) out.actor = q.get('actor');
  if (q.get('institution')) out.institution = q.get('institution');
  if (q.get('action')) out.action = q.get('action');
  if (q.get('from')) out.from = dayStart(q.get('from'));
  if (q.get('to')) out.to = dayStart(q.get('to'), 1);
  return out;
}

export async function auditPage(box, query) {
  const c = {
    actor: h('input', { name: 'actor', id: 'audit-actor', autocomplete: 'off', autocapitalize: 'none' }),
    institution: h('input', { name: 'institution', id: 'audit-institution', autocomplete: 'off', autocapitalize: 'none' }),
    action: select('action', ACTIONS, (a) => `action.${a}`, { id: 'audit-action', blank: 'audit.any_action' }),
    from: h('input', { name: 'from', id: 'audit-from', type: 'date' }),
    to: h('input', { name: 'to', id: 'audit-to', type: 'date' }),
  };
  for (const k of FILTERS) c[k].value = query.get(k) || '';
  const form = h('form', { class: 'filters-form', id: 'audit-form' },
    h('div', { class: 'grid' },
      field('audit.actor', c.actor, { hint: 'audit.actor_hint' }),
      field('audit.institution', c.institution, { hint: 'audit.institution_hint' }),
      field('audit.action', c.action),
      field('audit.from', c.from),
      field('audit.to', c.to)),
    h('div', { class: 'actions' },
      h('button', { type: 'submit', class: 'btn primary', t: 'audit.search' }),
      h('a', { href: '#/audit', class: 'btn', t: 'audit.clear' })));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const q = new URLSearchParams();
    for (const k of FILTERS) if (c[k].value.trim()) q.set(k, c[k].value.trim());
    go(`/audit${q.toString() ? `?${q}` : ''}`);
  });
  const api = apiQuery(query);
  const csvQuery = new URLSearchParams({ ...api, f: 'csv', limit: '1000' });
  const heading = h('h2', { t: 'audit.title' });
  const list = h('ol', { class: 'cards', id: 'audit-entries' });
  const more = h('button', { type: 'button', class: 'btn', id: 'audit-more', t: 'history.more', hidden: true });
  const problem = h('div');
  const empty = h('p', { class: 'note', t: 'audit.empty', hidden: true });
  fill(box, heading, form,
    h('p', { class: 'links' }, h('a', { href: `/api/v1/audit?${csvQuery}`, download: 'audit-log.csv', id: 'audit-csv', t: 'audit.csv' })),
    problem, empty, list, more);
  const load = pagedEntries(list, more, problem, { withInstitution: true });
  const n = await load('/api/v1/audit', { ...api, limit: PAGE });
  empty.hidden = n > 0 || Boolean(problem.firstChild);
  focusHeading(heading);
  return null;
}

// An institution's history: every change, newest first, paged by the server's `next`
// link, and the whole of it as CSV.
import { nameOf, t } from '../i18n.js';
import { entryItem } from './changes.js';
import { fill, focusHeading, h, live } from './dom.js';
import { errorMessage } from './errors.js';
import { call, institutionPath } from './http.js';

const PAGE = 50;

/// A list of audit entries with a "more" button that follows `next` links.
export function pagedEntries(list, more, problem, { withInstitution = false } = {}) {
  let next = null;
  async function load(url, query) {
    more.disabled = true;
    try {
      const { body } = await call('GET', url, { query });
      const before = list.children.length;
      for (const e of body.entries || []) list.append(entryItem(e, { withInstitution }));
      next = body.next || null;
      more.hidden = !next;
      return list.children.length - before;
    } catch (err) {
      fill(problem, errorMessage(err));
      more.hidden = true;
      return 0;
    } finally {
      more.disabled = false;
    }
  }
  more.addEventListener('click', async () => {
    const before = list.children.length;
    await load(next);
    const first = list.children[before];
    if (first) { first.tabIndex = -1; first.focus(); }
  });
  return load;
}

export async function historyPage(box, id) {
  const heading = h('h2', { t: 'history.title_plain' });
  const list = h('ol', { class: 'cards', id: 'history' });
  const more = h('button', { type: 'button', class: 'btn', id: 'history-more', t: 'history.more', hidden: true });
  const problem = h('div');
  const empty = h('p', { class: 'note', t: 'history.empty', hidden: true });
  const csv = h('a', { href: `${institutionPath(id, '/history')}?f=csv&limit=1000`, download: `history-${id}.csv`, id: 'history-csv', t: 'history.csv' });
  const e = encodeURIComponent(id);
  fill(box, heading,
    h('p', { class: 'links' }, h('a', { href: `#/institutions/${e}`, t: 'list.edit' }), ' · ', csv, ' · ',
      h('a', { href: `/?institution=${e}`, t: 'list.on_map' })),
    problem, empty, list, more);
  call('GET', `/api/v1/institutions/${e}`).then(({ body }) => {
    const p = body.institution || body;
    live(heading, (el) => { el.textContent = t('history.title', { name: nameOf(p).text }); });
  }).catch(() => { /* the id heads the page then */ });
  const load = pagedEntries(list, more, problem);
  const n = await load(institutionPath(id, '/history'), { limit: PAGE });
  empty.hidden = n > 0 || Boolean(problem.firstChild);
  focusHeading(heading);
  return null;
}

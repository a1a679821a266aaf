// The province's review queue: every institution on the map with where its report for
// a year stands (missing, awaiting review, reviewed), filterable, paged by the server's
// `next` link, and as CSV. Marking a report reviewed names the version read (If-Match),
// so a report resubmitted meanwhile is not marked unseen.
import { t } from '../i18n.js';
import { field, fill, focusHeading, h, live, select } from './dom.js';
import { errorMessage } from './errors.js';
import { call, institutionPath } from './http.js';
import { go } from './router.js';
import { figuresList, reviewState, years } from './reports.js';

const STATUSES = ['reported', 'reviewed', 'missing'];

function card(entry, period, reload) {
  const id = entry.institution_id;
  const r = entry.report;
  const status = h('div', { role: 'status' });
  const mark = r && entry.status === 'reported' ? h('button', { type: 'button', class: 'btn primary', t: 'review.mark' }) : null;
  mark?.addEventListener('click', async () => {
    mark.disabled = true;
    try {
      await call('POST', institutionPath(id, `/reports/${period}/review`), { etag: r.version ? `"${r.version}"` : undefined });
      await reload(id);
    } catch (err) {
      if (err.status === 412) {
        await reload(id);
        fill(status, h('p', { class: 'error', role: 'alert', t: 'review.resubmitted' }));
      } else {
        fill(status, errorMessage(err));
        mark.disabled = false;
      }
    }
  });
  const meta = live(h('p', { class: 'meta' }), (el) => {
    el.textContent = [t(`kind.${entry.kind}`), entry.district_pre2025 && t('list.district', { code: entry.district_pre2025 }),
      t(`review.status.${entry.status}`)].filter(Boolean).join(' · ');
  });
  return h('li', { class: `card status-${entry.status}`, 'data-institution': id },
    h('h3', {}, h('a', { href: `#/institutions/${encodeURIComponent(id)}/reports`, lang: 'vi', text: entry.name_vi || id })),
    meta,
    r ? [reviewState(r), figuresList(r),
      h('p', {}, h('span', { class: 'label', t: 'reports.source' }), ': ', h('span', { text: r.source ?? '—' }))] : null,
    mark, status);
}

export async function reviewPage(box, query) {
  const period = query.get('period') || String(years()[0]);
  const wanted = STATUSES.includes(query.get('status')) ? query.get('status') : '';
  const pickYear = h('select', { name: 'period', id: 'review-period' }, years().map((y) => h('option', { value: String(y), text: String(y) })));
  pickYear.value = period;
  const pickStatus = select('status', STATUSES, (s) => `review.status.${s}`, { id: 'review-status', blank: 'review.any_status' });
  pickStatus.value = wanted;
  const form = h('form', { class: 'search-row', id: 'review-form' },
    field('reports.year', pickYear), field('review.status', pickStatus),
    h('button', { type: 'submit', class: 'btn', t: 'review.show' }));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    go(`/review?period=${pickYear.value}${pickStatus.value ? `&status=${pickStatus.value}` : ''}`);
  });
  const heading = h('h2', { t: 'review.title' });
  const counts = h('p', { class: 'status', role: 'status', id: 'review-count' });
  const list = h('ul', { class: 'cards', id: 'review-queue' });
  const more = h('button', { type: 'button', class: 'btn', t: 'list.more', hidden: true });
  const problem = h('div');
  const csv = h('a', { href: `/api/v1/reports?${new URLSearchParams({ period, f: 'csv', ...(wanted ? { status: wanted } : {}) })}`, download: `reports-${period}.csv`, t: 'review.csv' });
  let next = null;

  async function load(url, { append = false } = {}) {
    const { body } = await call('GET', url);
    const c = body.counts || {};
    live(counts, (el) => {
      el.textContent = t('review.count', { year: period, reported: c.reported ?? 0, reviewed: c.reviewed ?? 0, missing: c.missing ?? 0 });
    });
    // Within a page, what awaits review first.
    const order = { reported: 0, missing: 1, reviewed: 2 };
    const entries = (body.institutions || []).slice().sort((a, b) => (order[a.status] ?? 3) - (order[b.status] ?? 3));
    const cards = entries.map((entry) => card(entry, period, reload));
    if (append) list.append(...cards); else fill(list, cards);
    next = body.next || null;
    more.hidden = !next;
  }
  async function reload(focusId) {
    try {
      await load(`/api/v1/reports?${new URLSearchParams({ period, ...(wanted ? { status: wanted } : {}) })}`);
      fill(problem);
      if (focusId) list.querySelector(`[data-institution="${CSS.escape(focusId)}"] h3 a`)?.focus();
    } catch (err) {
      fill(problem, errorMessage(err));
    }
  }
  more.addEventListener('click', async () => {
    const before = list.children.length;
    try { await load(next, { append: true }); } catch (err) { fill(problem, errorMessage(err)); }
    list.children[before]?.querySelector('a')?.focus();
  });
  fill(box, heading, h('p', { class: 'note', t: 'review.intro' }), form, counts, h('p', { class: 'links' }, csv), problem, list, more);
  await reload();
  focusHeading(heading);
  return null;
}

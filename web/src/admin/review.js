// The province's review queue: the reports of one year, those awaiting review first;
// marking one reviewed records who looked at it and when.
import { t } from '../i18n.js';
import { field, fill, focusHeading, h } from './dom.js';
import { errorMessage } from './errors.js';
import { call, institutionPath } from './http.js';
import { go } from './router.js';
import { figuresList, reviewState, years } from './reports.js';

function card(r, period, reload) {
  const id = r.institution_id ?? r.institution?.id ?? '';
  const name = r.institution_name ?? r.name_vi ?? r.institution?.name_vi ?? id;
  const status = h('div', { role: 'status' });
  const mark = r.reviewed_at ? null : h('button', { type: 'button', class: 'btn primary', t: 'review.mark' });
  mark?.addEventListener('click', async () => {
    mark.disabled = true;
    try {
      await call('POST', institutionPath(id, `/reports/${period}/review`));
      await reload(id);
    } catch (err) {
      fill(status, errorMessage(err));
      mark.disabled = false;
    }
  });
  return h('li', { class: r.reviewed_at ? 'card reviewed' : 'card', 'data-institution': id },
    h('h3', {}, h('a', { href: `#/institutions/${encodeURIComponent(id)}/reports`, lang: 'vi', text: name })),
    reviewState(r), figuresList(r),
    h('p', {}, h('span', { class: 'label', t: 'reports.source' }), ': ', h('span', { text: r.source ?? '—' })),
    mark, status);
}

export async function reviewPage(box, query) {
  const period = query.get('period') || String(years()[0]);
  const pick = h('select', { name: 'period', id: 'review-period' }, years().map((y) => h('option', { value: String(y), text: String(y) })));
  pick.value = period;
  const form = h('form', { class: 'search-row', id: 'review-form' },
    field('reports.year', pick),
    h('button', { type: 'submit', class: 'btn', t: 'review.show' }));
  form.addEventListener('submit', (e) => { e.preventDefault(); go(`/review?period=${pick.value}`); });
  const heading = h('h2', { t: 'review.title' });
  const counts = h('p', { class: 'status', role: 'status', id: 'review-count' });
  const list = h('ul', { class: 'cards', id: 'review-queue' });
  const problem = h('div');

  async function reload(focusId) {
    try {
      const { body } = await call('GET', '/api/v1/reports', { query: { period } });
      const reports = (body.reports || []).slice()
        .sort((a, b) => Boolean(a.reviewed_at) - Boolean(b.reviewed_at));
      const waiting = reports.filter((r) => !r.reviewed_at).length;
      fill(counts, t('review.count', { n: reports.length, waiting, year: period }));
      fill(list, reports.map((r) => card(r, period, reload)));
      fill(problem);
      if (focusId) {
        const li = list.querySelector(`[data-institution="${CSS.escape(focusId)}"] h3 a`);
        li?.focus();
      }
    } catch (err) {
      fill(problem, errorMessage(err));
    }
  }
  fill(box, heading, h('p', { class: 'note', t: 'review.intro' }), form, counts, problem, list);
  await reload();
  focusHeading(heading);
  return null;
}

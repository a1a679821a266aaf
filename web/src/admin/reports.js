// Reporting the Plan's figures for one institution and one year: the seven figures
// (yes / no / not known; a percentage) and their source. Earlier reports are listed
// with their review state; choosing a year that has one loads it for correction.
import { lang, nameOf, t } from '../i18n.js';
import { field, fill, focusHeading, h, live, setFieldError, when } from './dom.js';
import { errorMessage, fieldErrors, translatedField } from './errors.js';
import { PERCENT_FIGURE, YES_NO_FIGURES, valueText } from './fields.js';
import { call, institutionPath } from './http.js';
import { yesNo } from './record-form.js';

export const FIGURES = [...YES_NO_FIGURES.slice(0, 4), PERCENT_FIGURE, ...YES_NO_FIGURES.slice(4)];
// Decision 2104 (2022) measures from the years just before it.
const FIRST_YEAR = 2020;

/// The years a report may be for, newest first.
export function years() {
  const last = new Date().getFullYear();
  return Array.from({ length: last - FIRST_YEAR + 1 }, (_, i) => last - i);
}

/// The seven figures as a definition list.
export function figuresList(r) {
  return h('dl', { class: 'figures' }, FIGURES.map((f) => [
    h('dt', { t: `readiness.${f}` }),
    live(h('dd'), (el) => { el.textContent = valueText(f, r[f]); }),
  ]));
}

/// Who reported and who reviewed, in words.
export function reviewState(r) {
  return live(h('p', { class: 'meta review-state' }), (el) => {
    const l = lang();
    const parts = [t('reports.reported', { who: r.reported_by ?? '—', at: when(r.reported_at, l) })];
    parts.push(r.reviewed_at
      ? t('reports.reviewed', { who: r.reviewed_by ?? '—', at: when(r.reviewed_at, l) })
      : t('reports.not_reviewed'));
    el.textContent = parts.join(' · ');
  });
}

function reportCard(r, onEdit) {
  const edit = h('button', { type: 'button', class: 'btn', t: ['reports.edit', { year: r.period }] });
  edit.addEventListener('click', () => onEdit(r));
  return h('li', { class: 'card', 'data-period': String(r.period) },
    h('h4', { t: ['reports.period', { year: r.period }] }),
    reviewState(r), figuresList(r),
    h('p', {}, h('span', { class: 'label', t: 'reports.source' }), ': ', h('span', { text: r.source ?? '—' })),
    edit);
}

export async function reportsPage(box, id) {
  const heading = h('h2', { t: 'reports.title_plain' });
  const c = Object.fromEntries(YES_NO_FIGURES.map((f) => {
    const s = yesNo(f);
    s.id = `r-${f}`;
    return [f, s];
  }));
  c[PERCENT_FIGURE] = h('input', { name: PERCENT_FIGURE, id: `r-${PERCENT_FIGURE}`, inputmode: 'decimal' });
  c.source = h('textarea', { name: 'source', id: 'r-source', rows: '2' });
  const period = h('select', { name: 'period', id: 'r-period' }, years().map((y) => h('option', { value: String(y), text: String(y) })));
  const status = h('div', { role: 'status', id: 'report-status' });
  const list = h('ul', { class: 'cards', id: 'reports' });
  const problem = h('div');
  let reports = [];

  const load = (r) => {
    for (const f of YES_NO_FIGURES) c[f].value = r?.[f] === true ? 'true' : r?.[f] === false ? 'false' : '';
    c[PERCENT_FIGURE].value = r?.[PERCENT_FIGURE] ?? '';
    c.source.value = r?.source ?? '';
  };
  period.addEventListener('change', () => {
    load(reports.find((r) => String(r.period) === period.value));
  });
  const form = h('form', { id: 'report-form', novalidate: true },
    h('div', { class: 'grid' },
      field('reports.year', period, { hint: 'reports.year_hint' }),
      ...FIGURES.map((f) => field(`readiness.${f}`, c[f], f === PERCENT_FIGURE ? { hint: 'reports.pct_hint' } : {})),
      field('reports.source', c.source, { wide: true, hint: 'reports.source_hint' })),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'btn primary', t: 'reports.save' })),
    status);

  async function reload() {
    try {
      const { body } = await call('GET', institutionPath(id, '/reports'));
      reports = (body.reports || body || []).slice().sort((a, b) => b.period - a.period);
      fill(list, reports.length
        ? reports.map((r) => reportCard(r, (rep) => { period.value = String(rep.period); load(rep); c[YES_NO_FIGURES[0]].focus(); }))
        : h('li', { class: 'note', t: 'reports.none' }));
      fill(problem);
    } catch (err) {
      fill(problem, errorMessage(err));
    }
  }

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    for (const ctl of Object.values(c)) setFieldError(ctl, null);
    fill(status);
    const pct = c[PERCENT_FIGURE].value.trim();
    const body = Object.fromEntries(YES_NO_FIGURES.map((f) => [f, c[f].value === '' ? null : c[f].value === 'true']));
    body[PERCENT_FIGURE] = pct === '' ? null : /^\d+(\.\d+)?$/.test(pct) ? Number(pct) : pct;
    body.source = c.source.value.trim();
    try {
      await call('PUT', institutionPath(id, `/reports/${period.value}`), { body });
      await reload();
      fill(status, h('p', { class: 'saved', id: 'report-saved', t: ['reports.saved', { year: period.value }] }));
    } catch (err) {
      const errors = fieldErrors(err);
      let placed = false;
      for (const fe of errors) {
        const ctl = c[fe.field];
        if (ctl) { setFieldError(ctl, translatedField(fe.message)); if (!placed) ctl.focus(); placed = true; }
      }
      if (!placed) fill(status, errorMessage(err));
    }
  });

  fill(box, heading,
    h('p', { class: 'links' }, h('a', { href: `#/institutions/${encodeURIComponent(id)}`, t: 'list.edit' })),
    h('p', { class: 'note', t: 'reports.intro' }),
    form, h('h3', { t: 'reports.earlier' }), problem, list);
  call('GET', `/api/v1/institutions/${encodeURIComponent(id)}`).then(({ body }) => {
    const p = body.institution || body;
    live(heading, (el) => { el.textContent = t('reports.title', { name: nameOf(p).text }); });
  }).catch(() => { /* the generic heading stays */ });
  await reload();
  load(reports.find((r) => String(r.period) === period.value));
  focusHeading(heading);
  return null;
}

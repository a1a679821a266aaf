// One entry of the history or the audit log: who, when, what kind of change, and each
// changed field before → after (a programme list as what was removed and added).
import { lang, t } from '../i18n.js';
import { h, live, when } from './dom.js';
import { fieldLabel, programmeText, same, valueText } from './fields.js';

function actionText(action) {
  const key = `action.${action}`;
  const s = t(key);
  return s === key ? action : s;
}

function listDiff(before, after) {
  const b = Array.isArray(before) ? before : [];
  const a = Array.isArray(after) ? after : [];
  const removed = b.filter((x) => !a.some((y) => same(x, y)));
  const added = a.filter((x) => !b.some((y) => same(x, y)));
  return [
    removed.length ? h('span', { class: 'removed' }, live(h('span'), (el) => { el.textContent = `${t('changes.removed')}: `; }), h('del', { text: removed.map(programmeText).join('; ') })) : null,
    removed.length && added.length ? ' ' : null,
    added.length ? h('span', { class: 'added' }, live(h('span'), (el) => { el.textContent = `${t('changes.added')}: `; }), h('ins', { text: added.map(programmeText).join('; ') })) : null,
  ];
}

function change(name, c) {
  const before = c && typeof c === 'object' && 'before' in c ? c.before : null;
  const after = c && typeof c === 'object' && 'after' in c ? c.after : c;
  const label = live(h('span', { class: 'field-name' }), (el) => { el.textContent = `${fieldLabel(name)}: `; });
  if (name === 'programmes' && (Array.isArray(before) || Array.isArray(after))) {
    return h('li', {}, label, listDiff(before, after));
  }
  // A new record's fields had no "before": only what they became.
  if (before === null || before === undefined) {
    return h('li', {}, label, live(h('ins'), (el) => { el.textContent = valueText(name, after); }));
  }
  return h('li', {}, label,
    live(h('del'), (el) => { el.textContent = valueText(name, before); }),
    h('span', { 'aria-hidden': 'true', text: ' → ' }),
    live(h('span', { class: 'visually-hidden' }), (el) => { el.textContent = ` ${t('changes.became')} `; }),
    live(h('ins'), (el) => { el.textContent = valueText(name, after); }));
}

/// An audit entry as a list item; `withInstitution` links the institution (the audit
/// log; the history is already about one).
export function entryItem(e, { withInstitution = false } = {}) {
  const empty = (v) => v === null || v === undefined || v === '' || (Array.isArray(v) && !v.length);
  const changes = (e.changes && typeof e.changes === 'object' ? Object.entries(e.changes) : [])
    .filter(([, c]) => !(c && typeof c === 'object' && empty(c.before) && empty(c.after)));
  const head = h('p', { class: 'entry-head' },
    h('strong', { class: 'actor', text: e.actor }), ' · ',
    live(h('time', { datetime: e.at }), (el) => { el.textContent = when(e.at, lang()); }), ' · ',
    live(h('span', { class: 'action' }), (el) => { el.textContent = actionText(e.action); }));
  const about = [];
  if (withInstitution && e.institution_id) {
    about.push(h('a', { href: `#/institutions/${encodeURIComponent(e.institution_id)}/history`, text: e.institution_id }));
  }
  if (e.subject && e.subject !== e.institution_id) about.push(h('span', { text: e.subject }));
  return h('li', { class: 'card entry', 'data-id': String(e.id) },
    head,
    about.length ? h('p', { class: 'meta' }, about.flatMap((x, i) => (i ? [' · ', x] : [x]))) : null,
    changes.length ? h('ul', { class: 'changes' }, changes.map(([n, c]) => change(n, c))) : null);
}

// The writable record's fields as people read them: labels, and values shown in the
// page's language (the editor, the conflict explanation, the history and the audit log
// all say "Loại cơ sở: Trường cao đẳng", not "kind: college").
import { lang, t } from '../i18n.js';
import { KINDS, LEVELS, OWNERSHIPS } from '../kinds.js';
import { when } from './dom.js';

export const KIND_VALUES = Object.keys(KINDS);
export { LEVELS, OWNERSHIPS };
export const ACCURACIES = ['surveyed', 'address', 'town', 'approximate'];

/// The Plan's yes/no figures, in the order the profile shows them, and the percentage.
export const YES_NO_FIGURES = ['digital_infrastructure', 'connected_national_platform', 'digitised_learning_records',
  'digitised_diplomas', 'high_quality_school', 'digital_school'];
export const PERCENT_FIGURE = 'teachers_digital_trained_pct';

const VOCABULARY = { kind: 'kind', ownership: 'ownership', position_accuracy: 'accuracy', level: 'level', role: 'role' };

/// The label of a record field (`programmes[2].level` reads "Chương trình 3: Trình độ").
export function fieldLabel(name) {
  const m = /^programmes\[(\d+)\](?:\.(\w+))?$/.exec(name);
  if (m) {
    const row = t('field.programme_n', { n: Number(m[1]) + 1 });
    return m[2] ? `${row}: ${t(`field.programme.${m[2]}`)}` : row;
  }
  if (YES_NO_FIGURES.includes(name) || name === PERCENT_FIGURE) return t(`readiness.${name}`);
  const key = `field.${name}`;
  const s = t(key);
  return s === key ? name : s;
}

/// A programme as one line: code, name, level, quota.
export function programmeText(p) {
  if (!p || typeof p !== 'object') return String(p ?? '—');
  const level = p.level ? t(`level.${p.level}`) : '';
  const quota = p.annual_quota === null || p.annual_quota === undefined ? '' : t('field.quota_n', { n: p.annual_quota });
  return [p.occupation_code, p.occupation_name, level, quota].filter(Boolean).join(' · ');
}

/// A field's value as text in the page's language.
export function valueText(name, v) {
  if (v === null || v === undefined || v === '') return '—';
  if (typeof v === 'boolean') return t(v ? 'yes' : 'no');
  if (name.endsWith('_at') && typeof v === 'string') return when(v, lang());
  if (name === PERCENT_FIGURE && typeof v === 'number') return `${v.toLocaleString(lang() === 'en' ? 'en-GB' : 'vi-VN')}%`;
  if (VOCABULARY[name] && typeof v === 'string') {
    const key = `${VOCABULARY[name]}.${v}`;
    const s = t(key);
    return s === key ? v : s;
  }
  if (Array.isArray(v)) return v.length ? v.map(itemText).join('; ') : t('field.none');
  if (typeof v === 'object') return typeof v.reason === 'string' ? v.reason : JSON.stringify(v);
  return String(v);
}

/// One element of a list value: a programme, an area of a scope, an id.
function itemText(x) {
  if (!x || typeof x !== 'object') return String(x);
  if ('occupation_code' in x) return programmeText(x);
  if ('scheme' in x && 'code' in x) return `${x.code} (${x.scheme})`;
  return JSON.stringify(x);
}

/// The names whose values differ between two records (programmes compared whole).
export function differences(a, b) {
  const names = new Set([...Object.keys(a || {}), ...Object.keys(b || {})]);
  return [...names].filter((n) => !same(a?.[n], b?.[n]));
}

/// Equal as data: a missing value is an empty one, and key order does not count.
export function same(x, y) {
  const canon = (v) => {
    if (v === undefined || v === '') return null;
    if (Array.isArray(v)) return v.map(canon);
    if (v && typeof v === 'object') return Object.fromEntries(Object.keys(v).sort().map((k) => [k, canon(v[k])]));
    return v;
  };
  return JSON.stringify(canon(x)) === JSON.stringify(canon(y));
}

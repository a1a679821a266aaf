// Building the officials' pages from elements, never from HTML text: whatever the data
// holds (a name, a server message) lands in textContent. Translated text is "live": it
// is filled again when the language changes, so a page switches without a reload.
import { onLangChange, t } from '../i18n.js';

const lives = new Set();
onLangChange(() => {
  for (const entry of lives) {
    if (entry.el.isConnected) entry.fill(entry.el);
    else lives.delete(entry);
  }
});

/// Calls `fill(el)` now and again on every language change while `el` is on the page.
export function live(el, fill) {
  fill(el);
  lives.add({ el, fill });
  return el;
}

/// An element. `attrs`: `text` (textContent), `t` (a string key, or [key, vars]) for
/// translated text, `label` / `placeholder` / `title` as keys to translate, `on` (event
/// handlers), `class`, booleans as present/absent attributes, the rest as attributes.
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'text') el.textContent = v;
    else if (k === 't') {
      const [key, vars] = Array.isArray(v) ? v : [v, undefined];
      live(el, (e) => { e.textContent = t(key, typeof vars === 'function' ? vars() : vars); });
    } else if (k === 'label') live(el, (e) => e.setAttribute('aria-label', t(v)));
    else if (k === 'placeholder') live(el, (e) => { e.placeholder = t(v); });
    else if (k === 'title') live(el, (e) => { e.title = t(v); });
    else if (k === 'on') for (const [ev, fn] of Object.entries(v)) el.addEventListener(ev, fn);
    else if (k === 'value') el.value = v;
    else if (k === 'checked') el.checked = Boolean(v);
    else if (v === true) el.setAttribute(k, '');
    else el.setAttribute(k, String(v));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

/// Empties `el` and fills it with `children`.
export function fill(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

/// A form field: label, control, hint and the place for its error, wired together for
/// assistive technology (aria-describedby, aria-invalid).
export function field(labelKey, control, { hint, wide } = {}) {
  const id = control.id || `f-${Math.random().toString(36).slice(2, 9)}`;
  control.id = id;
  const error = h('p', { class: 'field-error', id: `${id}-error`, hidden: true });
  const described = [`${id}-error`];
  let hintEl = null;
  if (hint) {
    hintEl = h('p', { class: 'hint', id: `${id}-hint`, t: hint });
    described.unshift(`${id}-hint`);
  }
  control.setAttribute('aria-describedby', described.join(' '));
  return h('div', { class: wide ? 'field wide' : 'field' },
    h('label', { for: id, t: labelKey }), hintEl, control, error);
}

/// Shows (or with `null` clears) the error under a control made by `field`.
export function setFieldError(control, message) {
  const error = document.getElementById(`${control.id}-error`);
  if (!error) return;
  if (message === null || message === undefined) {
    error.hidden = true;
    error.replaceChildren();
    control.removeAttribute('aria-invalid');
    return;
  }
  fill(error, message);
  error.hidden = false;
  control.setAttribute('aria-invalid', 'true');
}

/// A <select> of `values`, each labelled by the string key `labelKey(value)`.
export function select(name, values, labelKey, { id, blank } = {}) {
  const s = h('select', { name, id });
  if (blank) s.append(h('option', { value: '', t: blank }));
  for (const v of values) s.append(h('option', { value: v, t: labelKey(v) }));
  return s;
}

/// Moves focus to a page's heading, for keyboard and screen-reader users after a change
/// of page or a message they must read.
export function focusHeading(el) {
  if (!el) return;
  if (!el.hasAttribute('tabindex')) el.setAttribute('tabindex', '-1');
  el.focus();
}

/// A date and time in the page's language and the browser's time zone.
export function when(iso, lang) {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return String(iso);
  return d.toLocaleString(lang === 'en' ? 'en-GB' : 'vi-VN', { dateStyle: 'medium', timeStyle: 'short' });
}

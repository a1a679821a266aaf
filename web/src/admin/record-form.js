// The institution editor's form: every field of the writable record, grouped as the
// profile groups them. Controls are named by the record's field paths, so the server's
// field errors (`programmes[2].level`) are shown next to what they are about, and a
// summary at the top links to each.
import { t } from '../i18n.js';
import { field, fill, h, live, select, setFieldError } from './dom.js';
import { translatedField } from './errors.js';
import { ACCURACIES, KIND_VALUES, OWNERSHIPS, PERCENT_FIGURE, YES_NO_FIGURES, fieldLabel } from './fields.js';
import { ProgrammesEditor } from './programmes.js';

const NUMBERS = new Set(['lon', 'lat', PERCENT_FIGURE]);
const NUMBER_TEXT = /^-?\d+(\.\d+)?$/;

/// A yes / no / not known choice, as the API's true / false / null.
export function yesNo(name) {
  const s = h('select', { name });
  s.append(h('option', { value: '', t: 'unknown' }), h('option', { value: 'true', t: 'yes' }), h('option', { value: 'false', t: 'no' }));
  return s;
}

function text(name, attrs = {}) {
  return h('input', { name, id: `f-${name}`, autocomplete: 'off', ...attrs });
}

function vocabulary(name, values, prefix, blank) {
  return select(name, values, (v) => `${prefix}.${v}`, { id: `f-${name}`, blank });
}

export class RecordForm {
  constructor({ occupations, onPositionTyped }) {
    this.programmes = new ProgrammesEditor(occupations);
    this.summary = h('div', { class: 'error-summary', id: 'error-summary', tabindex: '-1', hidden: true });
    this.mapSlot = h('div', { class: 'edit-map', id: 'edit-map' });
    this.accuracyNote = h('p', { class: 'notice', id: 'accuracy-note', role: 'status', hidden: true, t: 'editor.accuracy_set' });
    const c = {
      code: text('code'),
      name_vi: text('name_vi', { required: true, lang: 'vi' }),
      name_en: text('name_en', { lang: 'en' }),
      kind: vocabulary('kind', KIND_VALUES, 'kind'),
      ownership: vocabulary('ownership', OWNERSHIPS, 'ownership'),
      lon: text('lon', { inputmode: 'decimal', required: true }),
      lat: text('lat', { inputmode: 'decimal', required: true }),
      position_accuracy: vocabulary('position_accuracy', ACCURACIES, 'accuracy'),
      address: text('address', { lang: 'vi' }),
      province_pre2025: text('province_pre2025', { inputmode: 'numeric' }),
      district_pre2025: text('district_pre2025', { inputmode: 'numeric' }),
      commune_pre2025: text('commune_pre2025', { inputmode: 'numeric' }),
      province_2025: text('province_2025', { inputmode: 'numeric' }),
      commune_2025: text('commune_2025', { inputmode: 'numeric' }),
      phone: text('phone', { type: 'tel', autocomplete: 'off' }),
      email: text('email', { type: 'email' }),
      website: text('website', { type: 'url' }),
      [PERCENT_FIGURE]: text(PERCENT_FIGURE, { inputmode: 'decimal' }),
      readiness_source: text('readiness_source'),
      source: h('textarea', { name: 'source', id: 'f-source', rows: '3', required: true }),
    };
    for (const f of YES_NO_FIGURES) { c[f] = yesNo(f); c[f].id = `f-${f}`; }
    this.controls = c;
    this.idText = h('output', { id: 'f-id' });
    for (const name of ['lon', 'lat']) {
      c[name].addEventListener('change', () => {
        const lon = Number(c.lon.value);
        const lat = Number(c.lat.value);
        if (NUMBER_TEXT.test(c.lon.value.trim()) && NUMBER_TEXT.test(c.lat.value.trim())) onPositionTyped([lon, lat]);
      });
    }
    const f = (name, opts) => field(`field.${name}`, c[name], opts);
    const fig = (name) => field(`readiness.${name}`, c[name]);
    const group = (legend, ...children) => h('fieldset', { class: 'group' }, h('legend', { t: legend }), h('div', { class: 'grid' }, ...children));
    this.element = h('form', { id: 'record-form', novalidate: true },
      this.summary,
      group('editor.identity',
        h('div', { class: 'field' }, h('span', { class: 'label', t: 'field.id' }), this.idText),
        f('code', { hint: 'hint.code' }), f('name_vi', { wide: true }), f('name_en', { wide: true }),
        f('kind'), f('ownership')),
      h('fieldset', { class: 'group' }, h('legend', { t: 'editor.position' }),
        h('p', { class: 'hint', id: 'map-help', t: 'editor.map_help' }),
        this.mapSlot, this.accuracyNote,
        h('div', { class: 'grid' }, f('lon'), f('lat'), f('position_accuracy'), f('address', { wide: true }))),
      group('editor.areas',
        f('province_pre2025', { hint: 'hint.province' }), f('district_pre2025', { hint: 'hint.district' }),
        f('commune_pre2025', { hint: 'hint.commune' }), f('province_2025', { hint: 'hint.province_2025' }),
        f('commune_2025', { hint: 'hint.commune' })),
      group('editor.contacts', f('phone'), f('email'), f('website', { wide: true })),
      h('fieldset', { class: 'group' }, h('legend', { t: 'editor.programmes' }), this.programmes.element),
      group('editor.readiness', ...YES_NO_FIGURES.map(fig), fig(PERCENT_FIGURE),
        f('readiness_source', { wide: true })),
      group('editor.source', f('source', { wide: true, hint: 'hint.source' })));
  }

  /// Fills the form from a record (and remembers it: fields this form does not know
  /// go back to the server as they came).
  set(record) {
    this.record = record;
    this.idText.textContent = record.id;
    for (const [name, c] of Object.entries(this.controls)) {
      const v = record[name];
      c.value = v === null || v === undefined ? '' : String(v);
    }
    this.programmes.set(record.programmes);
    this.accuracyNote.hidden = true;
    this.clearErrors();
  }

  /// The position from the map: six decimals (about 10 cm) and, since a person placed
  /// it by looking, the accuracy `surveyed`.
  setPosition([lon, lat]) {
    this.controls.lon.value = lon.toFixed(6);
    this.controls.lat.value = lat.toFixed(6);
    this.controls.position_accuracy.value = 'surveyed';
    this.accuracyNote.hidden = false;
  }

  /// The record to send.
  value() {
    const out = { ...this.record };
    delete out.updated_at;
    for (const [name, c] of Object.entries(this.controls)) {
      const v = c.value.trim();
      if (YES_NO_FIGURES.includes(name)) out[name] = v === '' ? null : v === 'true';
      else if (NUMBERS.has(name)) out[name] = v === '' ? null : NUMBER_TEXT.test(v) ? Number(v) : v;
      else out[name] = v === '' ? null : v;
    }
    out.programmes = this.programmes.value();
    return out;
  }

  clearErrors() {
    this.shownErrors = (this.shownErrors || 0) + 1; // the errors shown before no longer follow the language
    for (const c of this.element.querySelectorAll('[aria-invalid]')) setFieldError(c, null);
    this.summary.hidden = true;
    this.summary.replaceChildren();
  }

  /// Shows a 400's field errors beside their fields and in the summary, which takes focus.
  showErrors(errors) {
    this.clearErrors();
    const shown = this.shownErrors;
    const items = errors.map((e) => {
      const control = this.element.querySelector(`[name="${CSS.escape(e.field)}"]`);
      const message = () => translatedField(e.message);
      if (control) live(control, (c) => { if (shown === this.shownErrors) setFieldError(c, message()); });
      const label = h('span');
      live(label, (el) => { el.textContent = `${e.field ? fieldLabel(e.field) : t('editor.record')}: `; });
      const what = h('span');
      live(what, (el) => fill(el, message()));
      return h('li', {}, control
        ? h('a', { href: `#${control.id}`, on: { click: (ev) => { ev.preventDefault(); control.focus(); } } }, label, what)
        : [label, what]);
    });
    fill(this.summary, h('h3', { t: ['editor.errors', () => ({ n: errors.length })] }), h('ul', {}, items));
    this.summary.hidden = false;
    this.summary.focus();
  }
}

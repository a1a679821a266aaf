// The programmes of the editor: one small group per programme (occupation code from the
// national catalogue, the licensed name, level, annual quota), added and removed in
// place. Inputs are named by their path in the record (`programmes[2].level`), so the
// server's field errors land beside them; removing a row renumbers the rest.
import { nameOf, t } from '../i18n.js';
import { field, h, live, select } from './dom.js';
import { LEVELS } from './fields.js';

export class ProgrammesEditor {
  constructor(occupations) {
    this.occupations = occupations;
    this.list = h('div', { class: 'programmes-edit', id: 'programmes' });
    this.empty = h('p', { class: 'note', t: 'editor.no_programmes' });
    this.add = h('button', { type: 'button', class: 'btn', id: 'add-programme', t: 'editor.add_programme' });
    this.add.addEventListener('click', () => {
      const row = this.row({ occupation_code: '', occupation_name: '', level: '', annual_quota: null });
      this.list.append(row);
      this.renumber();
      row.querySelector('input').focus();
    });
    this.datalist = h('datalist', { id: 'occupation-codes' });
    live(this.datalist, (dl) => {
      dl.replaceChildren(...occupations.map((o) => h('option', { value: o.code, text: nameOf(o).text })));
    });
    this.element = h('div', {}, this.empty, this.list, this.datalist, this.add);
  }

  row(p) {
    const code = h('input', { name: 'occupation_code', value: p.occupation_code ?? '', list: 'occupation-codes', inputmode: 'numeric', autocomplete: 'off' });
    const name = h('input', { name: 'occupation_name', value: p.occupation_name ?? '' });
    const level = select('level', LEVELS, (l) => `level.${l}`, { blank: 'editor.choose' });
    level.value = p.level ?? '';
    const quota = h('input', { name: 'annual_quota', value: p.annual_quota ?? '', inputmode: 'numeric' });
    // Picking a catalogue code fills an empty name with the catalogue's name.
    code.addEventListener('change', () => {
      const o = this.occupations.find((x) => x.code === code.value.trim());
      if (o && !name.value.trim()) name.value = o.name_vi || '';
    });
    const legend = h('legend');
    const remove = h('button', { type: 'button', class: 'btn link remove' });
    const row = h('fieldset', { class: 'programme' }, legend,
      h('div', { class: 'grid' },
        field('field.programme.occupation_code', code),
        field('field.programme.level', level),
        field('field.programme.occupation_name', name, { wide: true }),
        field('field.programme.annual_quota', quota)),
      remove);
    row.relabel = () => {
      legend.textContent = t('field.programme_n', { n: row.dataset.n });
      remove.textContent = t('editor.remove_programme', { n: row.dataset.n });
    };
    live(legend, () => row.relabel());
    remove.addEventListener('click', () => {
      const next = row.nextElementSibling || row.previousElementSibling;
      row.remove();
      this.renumber();
      (next?.querySelector('input') || this.add).focus();
    });
    return row;
  }

  /// Names every input by its row's place and labels the rows "Programme 1, 2...".
  renumber() {
    [...this.list.children].forEach((row, i) => {
      row.dataset.n = String(i + 1);
      row.relabel();
      for (const c of row.querySelectorAll('input, select')) {
        const base = c.name.replace(/^programmes\[\d+\]\./, '');
        c.name = `programmes[${i}].${base}`;
      }
    });
    this.empty.hidden = this.list.children.length > 0;
  }

  set(programmes) {
    this.list.replaceChildren(...(programmes || []).map((p) => this.row(p)));
    this.renumber();
  }

  /// The programmes as the API takes them (numbers where the text is one).
  value() {
    return [...this.list.children].map((row) => {
      const get = (n) => row.querySelector(`[name$=".${n}"]`).value.trim();
      const quota = get('annual_quota');
      return {
        occupation_code: get('occupation_code') || null,
        occupation_name: get('occupation_name') || null,
        level: get('level') || null,
        annual_quota: quota === '' ? null : (/^\d+$/.test(quota) ? Number(quota) : quota),
      };
    });
  }
}

// The search box: suggestions as the person types (diacritics ignored by the server:
// "cao dang nghe" finds "Cao đẳng Nghề"), an ARIA combobox operable by keyboard.
import { getJSON } from './api.js';
import { nameOf, t } from './i18n.js';

export function initSearch(form, { onInstitution, onOccupation, onSubmit }) {
  const input = form.querySelector('#search-input');
  const box = form.querySelector('#search-suggestions');
  let items = [];
  let active = -1;
  let seq = 0;
  let timer = null;

  const close = () => {
    box.hidden = true;
    input.setAttribute('aria-expanded', 'false');
    input.removeAttribute('aria-activedescendant');
    active = -1;
  };
  const choose = (i) => {
    const it = items[i];
    if (!it) return;
    close();
    input.value = nameOf(it).text;
    if (it.type === 'occupation') onOccupation(it); else onInstitution(it);
  };
  const highlight = (i) => {
    active = i;
    box.querySelectorAll('[role=option]').forEach((el, j) => el.setAttribute('aria-selected', String(j === i)));
    if (i >= 0) input.setAttribute('aria-activedescendant', `suggestion-${i}`);
    else input.removeAttribute('aria-activedescendant');
  };
  const render = () => {
    box.innerHTML = '';
    if (!items.length) {
      const li = document.createElement('li');
      li.className = 'empty';
      li.textContent = t('search.no_match');
      box.append(li);
    }
    items.forEach((it, i) => {
      const li = document.createElement('li');
      li.id = `suggestion-${i}`;
      li.setAttribute('role', 'option');
      li.setAttribute('aria-selected', 'false');
      const n = nameOf(it);
      const name = document.createElement('span');
      name.lang = n.lang;
      name.textContent = n.text;
      const type = document.createElement('span');
      type.className = 'suggestion-type';
      type.textContent = t(it.type === 'occupation' ? 'search.occupation' : 'search.institution');
      li.append(name, type);
      li.addEventListener('mousedown', (e) => e.preventDefault());
      li.addEventListener('click', () => choose(i));
      box.append(li);
    });
    box.hidden = false;
    input.setAttribute('aria-expanded', 'true');
  };

  input.addEventListener('input', () => {
    clearTimeout(timer);
    const q = input.value.trim();
    if (q.length < 2) { close(); return; }
    timer = setTimeout(async () => {
      const mine = ++seq;
      try {
        const res = await getJSON('/api/v1/search/autocomplete', { q });
        if (mine !== seq) return; // a newer keystroke won
        items = res.results || [];
        render();
      } catch { close(); }
    }, 150);
  });
  input.addEventListener('keydown', (e) => {
    if (box.hidden) return;
    if (e.key === 'ArrowDown') { e.preventDefault(); highlight(Math.min(active + 1, items.length - 1)); }
    else if (e.key === 'ArrowUp') { e.preventDefault(); highlight(Math.max(active - 1, -1)); }
    else if (e.key === 'Escape') { close(); }
    else if (e.key === 'Enter' && active >= 0) { e.preventDefault(); choose(active); }
  });
  input.addEventListener('blur', () => setTimeout(close, 150));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    close();
    const q = input.value.trim();
    if (q) onSubmit(q);
  });
}

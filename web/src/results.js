// The result list: the same information as the map, usable without it. Each entry is a
// button (Tab reaches it, Enter opens the profile).
import { formatDistance, nameOf, t } from './i18n.js';
import { kindSvg } from './kinds.js';

const esc = (s) => String(s ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]));

export function renderResults(list, items, onOpen) {
  // The list is redrawn when the map stops moving (e.g. after flying to a profile); a
  // keyboard user whose focus was on an entry must not be dropped back to <body>.
  const focusedId = list.contains(document.activeElement) ? document.activeElement.dataset.id : null;
  list.innerHTML = items.map((r) => {
    const n = nameOf(r);
    const meta = [t(`kind.${r.kind}`)];
    if (r.ownership) meta.push(t(`ownership.${r.ownership}`));
    if (r.distance_m != null) meta.push(t('results.distance', { d: formatDistance(r.distance_m) }));
    if (r.matched_programmes?.length) meta.push(t('results.programmes', { n: r.matched_programmes.length }));
    return `<li class="result">
      <button type="button" class="result-open" data-id="${esc(r.id)}">
        ${kindSvg(r.kind)}
        <span class="result-text"><span class="result-name" lang="${n.lang}">${esc(n.text)}</span>
        <span class="result-meta">${esc(meta.join(' · '))}</span></span>
      </button></li>`;
  }).join('');
  for (const b of list.querySelectorAll('.result-open')) b.addEventListener('click', () => onOpen(b.dataset.id));
  if (focusedId) {
    const again = list.querySelector(`.result-open[data-id="${CSS.escape(focusedId)}"]`);
    (again || list.closest('section')?.querySelector('h2') || list).focus();
  }
}

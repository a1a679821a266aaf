// The embed builder: a form → the /embed URL → the <iframe> snippet and a live preview.
import { getJSON } from './api.js';
import { apply, initLang, lang, nameOf, onLangChange, setLang, t, tIn } from './i18n.js';
import { KINDS, LEVELS, OWNERSHIPS } from './kinds.js';

initLang(new URLSearchParams(location.search).get('lang'));
const $ = (s) => document.querySelector(s);
const form = $('#builder-form');
let occupations = [];

function fillSelect(sel, values, label) {
  const keep = sel.value;
  sel.innerHTML = '';
  const any = document.createElement('option');
  any.value = '';
  any.textContent = t('filters.any');
  sel.append(any);
  for (const v of values) {
    const o = document.createElement('option');
    o.value = v.value;
    o.textContent = label(v);
    if (v.lang) o.lang = v.lang;
    sel.append(o);
  }
  sel.value = keep;
}

function fillAll() {
  fillSelect($('#b-kind'), Object.keys(KINDS).map((k) => ({ value: k })), (v) => t(`kind.${v.value}`));
  fillSelect($('#b-level'), LEVELS.map((k) => ({ value: k })), (v) => t(`level.${v.value}`));
  fillSelect($('#b-ownership'), OWNERSHIPS.map((k) => ({ value: k })), (v) => t(`ownership.${v.value}`));
  fillSelect($('#b-occupation'), occupations.map((o) => ({ value: o.code, lang: nameOf(o).lang, o })), (v) => `${nameOf(v.o).text} (${v.value})`);
}

export function embedUrl(data) {
  const u = new URL('/embed', location.origin);
  u.searchParams.set('lang', data.get('lang'));
  const controls = data.getAll('controls');
  u.searchParams.set('controls', controls.join(','));
  for (const k of ['kind', 'level', 'ownership', 'occupation']) if (data.get(k)) u.searchParams.set(k, data.get(k));
  const c = String(data.get('center') || '').split(',').map((s) => Number(s.trim()));
  if (c.length === 2 && c.every(Number.isFinite)) u.searchParams.set('center', c.join(','));
  if (data.get('zoom')) u.searchParams.set('zoom', data.get('zoom'));
  return u.href;
}

let previewTimer = null;
function update() {
  const data = new FormData(form);
  const url = embedUrl(data);
  const width = String(data.get('width') || '100%').replace(/[^\d%.px]/g, '') || '100%';
  const height = Number(data.get('height')) || 480;
  const attr = (s) => s.replace(/&/g, '&amp;').replace(/"/g, '&quot;');
  const title = tIn(data.get('lang'), 'builder.iframe_title');
  $('#b-snippet').value = `<iframe src="${attr(url)}" title="${attr(title)}" width="${width}" height="${height}" style="border:0" loading="lazy" allow="geolocation"></iframe>`;
  clearTimeout(previewTimer);
  // The preview is the snippet built with the DOM: a `style` attribute written as
  // markup would be refused by the Content-Security-Policy (no inline style), while
  // `style.border` is the CSSOM, which it allows.
  previewTimer = setTimeout(() => {
    const frame = document.createElement('iframe');
    Object.assign(frame, { src: url, title, width, height, loading: 'lazy', allow: 'geolocation' });
    frame.style.border = '0';
    $('#b-preview').replaceChildren(frame);
  }, 300);
}

form.addEventListener('input', update);
form.addEventListener('change', update);
$('#b-copy').addEventListener('click', async () => {
  const area = $('#b-snippet');
  try { await navigator.clipboard.writeText(area.value); } catch { area.select(); document.execCommand('copy'); }
  $('#b-status').textContent = t('builder.copied');
});
const sw = $('#lang-switch');
const mark = () => { sw.lang = lang() === 'vi' ? 'en' : 'vi'; };
sw.addEventListener('click', () => setLang(lang() === 'vi' ? 'en' : 'vi'));
onLangChange(mark);
mark();
onLangChange(() => { fillAll(); update(); });

apply(document);
fillAll();
$('#b-lang').value = lang();
update();
document.body.dataset.ready = 'true';
getJSON('/api/v1/occupations').then((res) => {
  occupations = (res.occupations || []).filter((o) => o.institutions !== 0);
  fillAll();
}).catch(() => {});

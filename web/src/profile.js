// The profile panel: what the institution's own HTML page (/institutions/{id}) says,
// in the panel beside the map: programmes, credentials issued (counts only), contacts,
// directions, readiness, sharing.
import { STATIC_MANIFEST } from './api.js';
import { lang, nameOf, t } from './i18n.js';
import { kindSvg } from './kinds.js';

const esc = (s) => String(s ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]));
const READINESS = ['digital_infrastructure', 'connected_national_platform', 'digitised_learning_records',
  'digitised_diplomas', 'teachers_digital_trained_pct', 'high_quality_school', 'digital_school'];

/// The profile's fields, whichever shape (flat or nested) the API gives them in.
export function normalise(p) {
  const contacts = p.contacts || {};
  const readiness = p.readiness || {};
  const loc = p.location || p.geometry?.coordinates || [p.lon, p.lat];
  return {
    ...p,
    location: loc,
    phone: contacts.phone ?? p.phone,
    email: contacts.email ?? p.email,
    website: contacts.website ?? p.website,
    readiness: Object.fromEntries(READINESS.map((k) => [k, readiness[k] ?? p[k]])),
    readiness_source: readiness.source ?? p.readiness_source,
    programmes: p.programmes || [],
    admin: p.admin || {},
  };
}

const CREDENTIAL_LEVELS = ['college', 'intermediate', 'elementary'];

/// Credentials issued per graduation year (newest first) and level, with totals: the
/// profile's `credential_counts` aggregates, never an individual record.
function credentials(counts, { locale, embed }) {
  // null: the server could not read the counts (its database is away).
  if (counts === null) return `<p>${esc(t('profile.credentials_unavailable'))}</p>`;
  const byYear = new Map();
  for (const c of counts || []) {
    const i = CREDENTIAL_LEVELS.indexOf(c.level);
    if (i < 0) continue;
    if (!byYear.has(c.graduation_year)) byYear.set(c.graduation_year, [0, 0, 0]);
    byYear.get(c.graduation_year)[i] += Number(c.count) || 0;
  }
  if (!byYear.size) return `<p>${esc(t('profile.credentials_none'))}</p>`;
  const num = (n) => `<td class="num">${esc(n.toLocaleString(locale))}</td>`;
  const sum = (ns) => ns.reduce((a, b) => a + b, 0);
  const totals = [0, 0, 0];
  const rows = [...byYear].sort(([a], [b]) => b - a).map(([year, ns]) => {
    ns.forEach((n, i) => { totals[i] += n; });
    return `<tr><th scope="row">${esc(year)}</th>${ns.map(num).join('')}${num(sum(ns))}</tr>`;
  }).join('');
  const caption = t('profile.credentials_caption');
  const verify = `/verify.html${lang() === 'en' ? '?lang=en' : ''}`;
  return `<div class="table-wrap" tabindex="0" role="region" aria-label="${esc(caption)}"><table class="programmes credential-counts">
      <caption>${esc(caption)}</caption>
      <thead><tr><th scope="col">${esc(t('profile.graduation_year'))}</th>
      ${CREDENTIAL_LEVELS.map((l) => `<th scope="col" class="num">${esc(t(`level.${l}`))}</th>`).join('')}
      <th scope="col" class="num">${esc(t('profile.total'))}</th></tr></thead>
      <tbody>${rows}</tbody>
      <tfoot><tr><th scope="row">${esc(t('profile.total'))}</th>${totals.map(num).join('')}${num(sum(totals))}</tr></tfoot></table></div>
    <p class="note">${esc(t('profile.credentials_note'))} <a href="${esc(verify)}" data-needs-server ${embed ? 'target="_blank" rel="noopener"' : ''}>${esc(t('profile.credentials_check'))}</a></p>`;
}

function yesNo(v) {
  if (v === true) return `<span class="yes">${esc(t('yes'))}</span>`;
  if (v === false) return `<span class="no">${esc(t('no'))}</span>`;
  return `<span class="unknown">${esc(t('unknown'))}</span>`;
}

function areas(p) {
  // admin_areas: {"pre2025": {province, district, commune}, "2025": {province, commune}},
  // each {code, name} or null; codes alone when the profile has no names.
  const byScheme = (scheme, levels) => {
    const named = p.admin_areas?.[scheme];
    if (named) {
      const names = levels.map((l) => named[l]?.name).filter(Boolean);
      if (names.length) return `<span lang="vi">${esc(names.join(', '))}</span>`;
    }
    const a = p.admin;
    const codes = levels.map((l) => a[`${l}_${scheme}`]).filter(Boolean);
    return esc(codes.join(' · ') || t('unknown'));
  };
  return `<dl class="areas">
    <dt>${esc(t('profile.areas_pre2025'))}</dt><dd>${byScheme('pre2025', ['commune', 'district', 'province'])}</dd>
    <dt>${esc(t('profile.areas_2025'))}</dt><dd>${byScheme('2025', ['commune', 'province'])}</dd></dl>`;
}

/// The URL that opens the map on this institution (what "share" shares).
export function shareUrl(id) {
  // A static site's map is its folder's index.html, wherever the host put the folder.
  const home = !STATIC_MANIFEST ? '/' : location.pathname.endsWith('/') ? './' : 'index.html';
  const u = new URL(home, location.href);
  u.searchParams.set('institution', id);
  return u.href;
}

export function renderProfile(panel, raw, { embed, onClose, occupationName }) {
  const p = normalise(raw);
  const n = nameOf(p);
  const [lon, lat] = p.location;
  const locale = lang() === 'vi' ? 'vi-VN' : 'en-GB';
  const contacts = [
    p.phone && `<li><a class="btn" href="tel:${esc(p.phone.replace(/[^+\d]/g, ''))}">${esc(t('profile.call', { v: p.phone }))}</a></li>`,
    p.email && `<li><a class="btn" href="mailto:${esc(p.email)}">${esc(t('profile.email', { v: p.email }))}</a></li>`,
    p.website && `<li><a class="btn" href="${esc(p.website)}" rel="noopener" target="_blank">${esc(t('profile.website'))}</a></li>`,
  ].filter(Boolean);
  const programmes = p.programmes.map((g) => {
    const en = lang() === 'en' && occupationName(g.occupation_code);
    const occ = en
      ? `<span lang="en">${esc(en)}</span>`
      : `<span lang="vi">${esc(g.occupation_name)}</span>`;
    return `<tr><td>${occ}</td><td>${esc(g.occupation_code)}</td><td>${esc(t(`level.${g.level}`))}</td>
      <td class="num">${g.annual_quota == null ? esc(t('unknown')) : esc(g.annual_quota.toLocaleString(locale))}</td></tr>`;
  }).join('');
  const readiness = READINESS.map((k) => {
    const v = p.readiness[k];
    const shown = k === 'teachers_digital_trained_pct'
      ? (v == null ? yesNo(null) : `${esc(Number(v).toLocaleString(locale))} %`)
      : yesNo(v);
    return `<dt>${esc(t(`readiness.${k}`))}</dt><dd>${shown}</dd>`;
  }).join('');
  const directions = `https://www.google.com/maps/dir/?api=1&destination=${lat},${lon}`;
  panel.innerHTML = `
    <div class="profile-bar">
      <button type="button" id="profile-back" class="btn" data-i18n="${embed ? 'profile.close' : 'profile.back'}">${esc(t(embed ? 'profile.close' : 'profile.back'))}</button>
    </div>
    <h2 id="profile-title" tabindex="-1" lang="${n.lang}">${kindSvg(p.kind, 22)} ${esc(n.text)}</h2>
    ${n.lang === 'en' ? `<p class="alt-name" lang="vi">${esc(p.name_vi)}</p>` : ''}
    <dl class="facts">
      <dt>${esc(t('profile.kind'))}</dt><dd>${esc(t(`kind.${p.kind}`))}</dd>
      <dt>${esc(t('profile.ownership'))}</dt><dd>${esc(t(`ownership.${p.ownership}`))}</dd>
      ${p.address ? `<dt>${esc(t('profile.address'))}</dt><dd lang="vi">${esc(p.address)}</dd>` : ''}
      <dt>${esc(t('profile.position'))}</dt><dd>${esc(t(`accuracy.${p.position_accuracy}`))}</dd>
    </dl>
    <ul class="actions">
      <li><a class="btn primary" href="${esc(directions)}" rel="noopener" target="_blank">${esc(t('profile.directions'))}</a></li>
      <li><button type="button" id="profile-share" class="btn">${esc(t('profile.share'))}</button></li>
      <li data-needs-server><a class="btn" href="/institutions/${encodeURIComponent(p.id)}${lang() === 'en' ? '?lang=en' : ''}" ${embed ? 'target="_blank" rel="noopener"' : ''}>${esc(t('profile.page'))}</a></li>
      ${embed ? `<li><a class="btn" href="${esc(shareUrl(p.id))}" target="_blank" rel="noopener">${esc(t('profile.open_full'))}</a></li>` : ''}
    </ul>
    <p id="share-status" class="status" role="status" aria-live="polite"></p>
    <h3>${esc(t('profile.contacts'))}</h3>
    ${contacts.length ? `<ul class="actions">${contacts.join('')}</ul>` : `<p>${esc(t('profile.no_contacts'))}</p>`}
    <h3>${esc(t('profile.programmes'))}</h3>
    ${programmes ? `<div class="table-wrap" tabindex="0" role="region" aria-label="${esc(t('profile.programmes'))}"><table class="programmes">
      <thead><tr><th scope="col">${esc(t('profile.occupation'))}</th><th scope="col">${esc(t('profile.code'))}</th>
      <th scope="col">${esc(t('profile.level'))}</th><th scope="col" class="num">${esc(t('profile.quota'))}</th></tr></thead>
      <tbody>${programmes}</tbody></table></div>` : `<p>${esc(t('profile.no_programmes'))}</p>`}
    <h3>${esc(t('profile.credentials'))}</h3>
    ${credentials(p.credential_counts, { locale, embed })}
    <h3>${esc(t('profile.areas'))}</h3>
    ${areas(p)}
    <h3>${esc(t('profile.readiness'))}</h3>
    <dl class="readiness">${readiness}</dl>
    ${p.readiness_source ? `<p class="note data" lang="en">${esc(p.readiness_source)}</p>` : ''}
    <h3>${esc(t('profile.source'))}</h3>
    <p class="note data" lang="en">${esc(p.source)}</p>
    ${p.updated_at ? `<p class="note">${esc(t('profile.updated'))}: ${esc(new Date(p.updated_at).toLocaleDateString(locale))}</p>` : ''}`;
  panel.querySelector('#profile-back').addEventListener('click', onClose);
  panel.querySelector('#profile-share').addEventListener('click', async () => {
    const url = shareUrl(p.id);
    const status = panel.querySelector('#share-status');
    try {
      if (navigator.share) await navigator.share({ title: n.text, url });
      else { await navigator.clipboard.writeText(url); status.textContent = t('profile.copied'); }
    } catch {
      status.textContent = url;
    }
  });
}

// The officials' pages (/admin.html): one page, routes in the location's hash
// (#/institutions/{id}, #/accounts, ...). Signing in keeps the session's CSRF token in
// memory; the navigation shows what the account may use (the server refuses the rest
// anyway).
import { addStrings, apply, initLang, lang, onLangChange, setLang, t } from '../i18n.js';
import { fill, focusHeading, h, live } from './dom.js';
import { whenSignedOut } from './http.js';
import { clear, mayReport, resume, session, signOut } from './session.js';
import { STRINGS } from './strings.js';
import { accountsPage } from './accounts.js';
import { auditPage } from './audit.js';
import { editorPage } from './editor.js';
import { historyPage } from './history.js';
import { listPage } from './list.js';
import { mePage } from './me.js';
import { reportsPage } from './reports.js';
import { reviewPage } from './review.js';
import { signinPage } from './signin.js';
import { current, go, onRoute } from './router.js';

addStrings(STRINGS);
initLang(new URLSearchParams(location.search).get('lang'));
apply(document);

const main = document.getElementById('main');
const nav = document.getElementById('admin-nav');
let leaving = null; // the open page's clean-up (a map to remove, a guard to drop)

// [pattern, page, nav entry it belongs to]; pages get (main, ...captures, query).
const ROUTES = [
  [/^\/signin$/, signinPage, null],
  [/^\/(?:institutions)?$/, listPage, 'institutions'],
  [/^\/institutions\/([^/]+)$/, editorPage, 'institutions'],
  [/^\/institutions\/([^/]+)\/history$/, historyPage, 'institutions'],
  [/^\/institutions\/([^/]+)\/reports$/, reportsPage, 'reports'],
  [/^\/reports$/, (m, q) => listPage(m, q, { mode: 'reports' }), 'reports'],
  [/^\/review$/, reviewPage, 'review'],
  [/^\/accounts$/, accountsPage, 'accounts'],
  [/^\/me$/, mePage, 'me'],
  [/^\/audit$/, auditPage, 'audit'],
];

function entries() {
  const may = session.may || {};
  return [
    ['institutions', '#/institutions', 'nav.institutions', true],
    ['reports', '#/reports', 'nav.reports', mayReport()],
    ['review', '#/review', 'nav.review', Boolean(may.review_reports)],
    ['audit', '#/audit', 'nav.audit', Boolean(may.read_audit_log)],
    ['accounts', '#/accounts', 'nav.accounts', Boolean(may.manage_accounts)],
    ['me', '#/me', 'nav.me', true],
  ].filter((e) => e[3]);
}

/// Who is signed in, in the header.
function describeWho(el) {
  const a = session.account;
  el.textContent = a ? `${a.display_name} (${a.login}, ${t(`role.${a.role}`)})` : '';
}

function drawNav(current) {
  const who = document.getElementById('who');
  const out = document.getElementById('sign-out');
  if (!session.account) {
    fill(nav);
    who.hidden = true;
    out.hidden = true;
    return;
  }
  fill(nav, h('ul', {}, entries().map(([key, href, label]) => h('li', {},
    h('a', { href, t: label, 'aria-current': key === current ? 'page' : null })))));
  who.hidden = false;
  describeWho(who);
  out.hidden = false;
}

let shown = 0; // counts pages drawn: a slow page that finishes after the next began is dropped

async function show() {
  // In-page anchors (the skip link, an error summary's links) are not routes.
  if (location.hash && !location.hash.startsWith('#/')) return;
  const { path, query } = current();
  const mine = ++shown;
  if (leaving) { leaving(); leaving = null; }
  if (!session.account && path !== '/signin') {
    const next = path + (query.toString() ? `?${query}` : '');
    go(`/signin?next=${encodeURIComponent(next)}`, { replace: true });
    return;
  }
  const route = ROUTES.find(([re]) => re.test(path));
  drawNav(route ? route[2] : null);
  // Each page draws into its own box, so one left half-drawn is simply dropped.
  const box = h('div', { class: 'page' });
  main.replaceChildren(box);
  if (!route) {
    fill(box, h('h2', { t: 'err.no_page' }), h('p', {}, h('a', { href: '#/', t: 'nav.institutions' })));
    focusHeading(box.querySelector('h2'));
  } else {
    const captures = route[0].exec(path).slice(1).map(decodeURIComponent);
    let done = null;
    try {
      done = await route[1](box, ...captures, query);
    } catch (e) {
      console.warn('page failed', e);
      fill(box, h('h2', { t: 'err.page' }));
    }
    if (mine !== shown) { if (done) done(); return; }
    leaving = done || null;
  }
  document.body.dataset.route = path;
  document.body.dataset.ready = 'true';
}

function wireHeader() {
  live(document.getElementById('who'), describeWho);
  const sw = document.getElementById('lang-switch');
  const mark = () => { sw.lang = lang() === 'vi' ? 'en' : 'vi'; };
  sw.addEventListener('click', () => setLang(lang() === 'vi' ? 'en' : 'vi'));
  onLangChange(mark);
  mark();
  document.getElementById('sign-out').addEventListener('click', async () => {
    try { await signOut(); } catch { /* signed out here whatever the server says */ }
    go('/signin?out=1');
  });
}

whenSignedOut(() => {
  if (!session.account) return;
  clear();
  go(`/signin?expired=1&next=${encodeURIComponent(current().path)}`);
});

async function start() {
  wireHeader();
  try {
    await resume();
  } catch {
    // The server is unreachable or has no database: the sign-in page says so when used.
  }
  onRoute(show);
  window.addEventListener('hashchange', show);
  if (session.account && current().path === '/signin') go('/', { replace: true });
  else show();
}

start();

// Accounts (administrators): the list, a new account, and per account its name, role
// and scope, disabling, a new password, and ending its sessions. The server checks
// every rule (a district needs areas, an administrator cannot demote themself...); its
// refusals are shown beside the field they name.
import { t } from '../i18n.js';
import { field, fill, focusHeading, h, live, select, setFieldError } from './dom.js';
import { errorMessage, fieldErrors, translatedField } from './errors.js';
import { call } from './http.js';
import { session } from './session.js';

const ROLES = ['admin', 'province', 'district', 'institution'];

/// "846, 2025:29254" → [{scheme: 'pre2025', code: '846'}, {scheme: '2025', code: '29254'}].
export function parseAreas(text) {
  return text.split(/[\s,;]+/).filter(Boolean).map((item) => {
    const [scheme, code] = item.includes(':') ? item.split(':', 2) : ['pre2025', item];
    return { scheme, code };
  });
}

const areasText = (areas) => (areas || []).map((a) => `${a.scheme}:${a.code}`).join(', ');
const idsText = (ids) => (ids || []).join(', ');
const parseIds = (text) => text.split(/[\s,;]+/).filter(Boolean);

function scopeText(a) {
  if (a.role === 'district') return t('accounts.scope_areas', { list: areasText(a.areas) });
  if (a.role === 'institution') return t('accounts.scope_institutions', { list: idsText(a.institutions) });
  return t('accounts.scope_all');
}

/// Shows a refusal beside the control its parameter names (`areas[0].code` → areas).
function showRefusal(err, controls, status) {
  const errors = fieldErrors(err);
  let placed = false;
  for (const e of errors) {
    const name = e.field.split(/[[.]/)[0];
    const control = controls[name];
    if (control) {
      setFieldError(control, translatedField(e.message));
      if (!placed) control.focus();
      placed = true;
    }
  }
  if (!placed) fill(status, errorMessage(err));
}

function clearRefusals(controls, status) {
  for (const c of Object.values(controls)) setFieldError(c, null);
  fill(status);
}

/// The role's choice with the scope fields it needs (areas for district accounts,
/// institutions for institution accounts) shown beside it.
function roleAndScope(prefix, account = {}) {
  const role = select('role', ROLES, (r) => `role.${r}`, { id: `${prefix}-role` });
  role.value = account.role || 'institution';
  const areas = h('input', { name: 'areas', id: `${prefix}-areas`, value: areasText(account.areas), autocomplete: 'off' });
  const institutions = h('input', { name: 'institutions', id: `${prefix}-institutions`, value: idsText(account.institutions), autocomplete: 'off' });
  const areasField = field('accounts.areas', areas, { hint: 'accounts.areas_hint', wide: true });
  const institutionsField = field('accounts.institutions', institutions, { hint: 'accounts.institutions_hint', wide: true });
  const sync = () => {
    areasField.hidden = role.value !== 'district';
    institutionsField.hidden = role.value !== 'institution';
  };
  role.addEventListener('change', sync);
  sync();
  const scope = () => ({
    areas: role.value === 'district' ? parseAreas(areas.value) : [],
    institutions: role.value === 'institution' ? parseIds(institutions.value) : [],
  });
  return { role, areas, institutions, fields: [field('accounts.role', role), areasField, institutionsField], scope };
}

function newAccountForm(reload) {
  const login = h('input', { name: 'login', id: 'new-login', autocomplete: 'off', autocapitalize: 'none', spellcheck: 'false' });
  const name = h('input', { name: 'display_name', id: 'new-name', autocomplete: 'off' });
  const password = h('input', { name: 'password', id: 'new-password', type: 'password', autocomplete: 'new-password' });
  const rs = roleAndScope('new');
  const controls = { login, display_name: name, password, role: rs.role, areas: rs.areas, institutions: rs.institutions };
  const status = h('div', { role: 'status' });
  const form = h('form', { id: 'new-account', class: 'grid', novalidate: true },
    field('accounts.login', login, { hint: 'accounts.login_hint' }),
    field('accounts.name', name),
    ...rs.fields,
    field('accounts.password', password, { hint: 'accounts.password_hint' }),
    h('div', { class: 'actions wide' }, h('button', { type: 'submit', class: 'btn primary', t: 'accounts.create' })),
    h('div', { class: 'wide' }, status));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearRefusals(controls, status);
    try {
      await call('POST', '/api/v1/accounts', {
        body: { login: login.value.trim(), display_name: name.value.trim(), role: rs.role.value, password: password.value, ...rs.scope() },
      });
      const made = login.value.trim();
      form.reset();
      rs.role.dispatchEvent(new Event('change'));
      await reload();
      fill(status, h('p', { class: 'saved', t: ['accounts.created', { login: made }] }));
    } catch (err) {
      showRefusal(err, controls, status);
    }
  });
  return h('details', { class: 'card', id: 'new-account-box' }, h('summary', { t: 'accounts.new' }), form);
}

function accountCard(a, reload) {
  const status = h('div', { role: 'status', class: 'card-status' });
  const me = a.id === session.account.id;
  const act = async (what, body, doneKey) => {
    fill(status);
    try {
      await call(what, `/api/v1/accounts/${a.id}${body === 'sessions' ? '/sessions' : ''}`, body === 'sessions' ? {} : { body });
      if (body !== 'sessions') await reload(a.id, doneKey);
      else fill(status, h('p', { class: 'saved', t: doneKey }));
    } catch (err) {
      fill(status, errorMessage(err));
    }
  };

  // Name, role and scope.
  const name = h('input', { name: 'display_name', id: `acc-${a.id}-name`, value: a.display_name });
  const rs = roleAndScope(`acc-${a.id}`, a);
  const controls = { display_name: name, role: rs.role, areas: rs.areas, institutions: rs.institutions };
  const editStatus = h('div', { role: 'status' });
  const edit = h('form', { class: 'grid', novalidate: true },
    field('accounts.name', name), ...rs.fields,
    h('div', { class: 'actions wide' }, h('button', { type: 'submit', class: 'btn primary', t: 'accounts.save' })),
    h('div', { class: 'wide' }, editStatus));
  edit.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearRefusals(controls, editStatus);
    try {
      await call('PATCH', `/api/v1/accounts/${a.id}`, { body: { display_name: name.value.trim(), role: rs.role.value, ...rs.scope() } });
      await reload(a.id, 'accounts.saved');
    } catch (err) {
      showRefusal(err, controls, editStatus);
    }
  });

  // A new password, for someone who forgot theirs.
  const password = h('input', { name: 'password', id: `acc-${a.id}-password`, type: 'password', autocomplete: 'new-password' });
  const pwStatus = h('div', { role: 'status' });
  const reset = h('form', { novalidate: true },
    field('accounts.new_password', password, { hint: 'accounts.password_hint' }),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'btn primary', t: 'accounts.reset' })), pwStatus);
  reset.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearRefusals({ password }, pwStatus);
    try {
      await call('PATCH', `/api/v1/accounts/${a.id}`, { body: { password: password.value } });
      password.value = '';
      fill(pwStatus, h('p', { class: 'saved', t: 'accounts.password_reset' }));
    } catch (err) {
      showRefusal(err, { password }, pwStatus);
    }
  });

  const toggle = h('button', { type: 'button', class: 'btn toggle-disabled', t: a.disabled ? 'accounts.enable' : 'accounts.disable', disabled: me });
  toggle.addEventListener('click', () => act('PATCH', { disabled: !a.disabled }, a.disabled ? 'accounts.enabled' : 'accounts.disabled_done'));
  const end = h('button', { type: 'button', class: 'btn end-sessions', t: 'accounts.end_sessions' });
  end.addEventListener('click', () => act('DELETE', 'sessions', 'accounts.sessions_ended'));

  const meta = live(h('p', { class: 'meta' }), (el) => {
    el.textContent = [t(`role.${a.role}`), scopeText(a), a.disabled ? t('accounts.is_disabled') : null].filter(Boolean).join(' · ');
  });
  return h('li', { class: a.disabled ? 'card disabled' : 'card', 'data-login': a.login },
    h('h3', {}, h('span', { text: a.display_name }), ' ', h('span', { class: 'login', text: `(${a.login})` })),
    meta,
    h('details', {}, h('summary', { t: 'accounts.edit' }), edit),
    h('details', {}, h('summary', { t: 'accounts.reset_password' }), reset),
    h('div', { class: 'actions card-actions' }, toggle, end),
    status);
}

export async function accountsPage(box) {
  const heading = h('h2', { t: 'accounts.title' });
  const list = h('ul', { class: 'cards', id: 'accounts' });
  const problem = h('div');
  async function reload(focusId, doneKey) {
    try {
      const { body } = await call('GET', '/api/v1/accounts');
      fill(list, (body.accounts || []).map((a) => accountCard(a, reload)));
      fill(problem);
      if (focusId) {
        const card = [...list.children].find((li) => li.querySelector(`#acc-${focusId}-name`));
        if (card && doneKey) fill(card.querySelector('.card-status'), h('p', { class: 'saved', t: doneKey }));
        card?.querySelector('h3')?.setAttribute('tabindex', '-1');
        card?.querySelector('h3')?.focus();
      }
    } catch (err) {
      fill(problem, errorMessage(err));
    }
  }
  fill(box, heading, h('p', { class: 'note', t: 'accounts.intro' }), newAccountForm(() => reload()), problem, list);
  await reload();
  focusHeading(heading);
  return null;
}

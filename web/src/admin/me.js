// My account: personal API tokens for scripts (made and revoked here; a token is shown
// once, when it is made) and changing my password (which ends every session, this
// one included: the page goes back to signing in).
import { lang, t } from '../i18n.js';
import { field, fill, focusHeading, h, live, setFieldError, when } from './dom.js';
import { errorMessage, fieldErrors, translatedField } from './errors.js';
import { call } from './http.js';
import { go } from './router.js';
import { clear, session } from './session.js';

function tokenItem(tk, reload, status) {
  const live_ = !tk.revoked_at && new Date(tk.expires_at) > new Date();
  const revoke = live_ ? h('button', { type: 'button', class: 'btn', t: 'me.revoke' }) : null;
  revoke?.addEventListener('click', async () => {
    try {
      await call('DELETE', `/api/v1/tokens/${tk.id}`);
      await reload();
      fill(status, h('p', { class: 'saved', t: ['me.revoked', { name: tk.name }] }));
    } catch (err) {
      fill(status, errorMessage(err));
    }
  });
  const meta = live(h('p', { class: 'meta' }), (el) => {
    const l = lang();
    el.textContent = [
      t('me.created_at', { at: when(tk.created_at, l) }),
      tk.revoked_at ? t('me.revoked_at', { at: when(tk.revoked_at, l) }) : t('me.expires_at', { at: when(tk.expires_at, l) }),
      tk.last_used_at ? t('me.last_used', { at: when(tk.last_used_at, l) }) : t('me.never_used'),
    ].join(' · ');
  });
  return h('li', { class: live_ ? 'card' : 'card disabled' }, h('h4', { text: tk.name }), meta, revoke);
}

/// The new token, shown once, with a button that copies it.
function shownOnce(token) {
  const code = h('code', { id: 'new-token', text: token });
  const copied = h('span', { role: 'status' });
  const copy = h('button', { type: 'button', class: 'btn primary', id: 'copy-token', t: 'me.copy' });
  copy.addEventListener('click', async () => {
    try {
      await navigator.clipboard.writeText(token);
      fill(copied, h('span', { t: 'me.copied' }));
    } catch {
      // No clipboard (an http page, a refusal): select the text for Ctrl+C instead.
      const range = document.createRange();
      range.selectNodeContents(code);
      getSelection().removeAllRanges();
      getSelection().addRange(range);
      fill(copied, h('span', { t: 'me.copy_by_hand' }));
    }
  });
  return h('div', { class: 'notice token-once', role: 'alert' },
    h('p', { t: 'me.shown_once' }), h('p', {}, code), h('div', { class: 'actions' }, copy, copied));
}

function tokensSection() {
  const list = h('ul', { class: 'cards', id: 'tokens' });
  const status = h('div', { role: 'status' });
  const once = h('div');
  const name = h('input', { name: 'name', id: 'token-name', autocomplete: 'off' });
  const days = h('input', { name: 'expires_in_days', id: 'token-days', inputmode: 'numeric', value: '90' });
  async function reload() {
    try {
      const { body } = await call('GET', '/api/v1/tokens');
      const tokens = body.tokens || [];
      fill(list, tokens.length ? tokens.map((tk) => tokenItem(tk, reload, status)) : h('li', { class: 'note', t: 'me.no_tokens' }));
    } catch (err) {
      fill(status, errorMessage(err));
    }
  }
  const form = h('form', { id: 'token-form', class: 'grid', novalidate: true },
    field('me.token_name', name, { hint: 'me.token_name_hint' }),
    field('me.token_days', days),
    h('div', { class: 'actions wide' }, h('button', { type: 'submit', class: 'btn primary', t: 'me.create_token' })));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    setFieldError(name, null);
    setFieldError(days, null);
    fill(status);
    try {
      const { body } = await call('POST', '/api/v1/tokens', {
        body: { name: name.value.trim(), expires_in_days: /^\d+$/.test(days.value.trim()) ? Number(days.value.trim()) : 0 },
      });
      fill(once, shownOnce(body.token));
      name.value = '';
      once.querySelector('#copy-token').focus();
      await reload();
    } catch (err) {
      const fe = fieldErrors(err)[0];
      const control = fe && { name, expires_in_days: days }[fe.field];
      if (control) { setFieldError(control, translatedField(fe.message)); control.focus(); } else fill(status, errorMessage(err));
    }
  });
  return {
    element: h('section', { 'aria-labelledby': 'tokens-title' },
      h('h3', { id: 'tokens-title', t: 'me.tokens' }), h('p', { class: 'note', t: 'me.tokens_intro' }),
      form, once, status, list),
    reload,
  };
}

function passwordSection() {
  const current = h('input', { name: 'current_password', id: 'pw-current', type: 'password', autocomplete: 'current-password' });
  const next = h('input', { name: 'new_password', id: 'pw-new', type: 'password', autocomplete: 'new-password' });
  const again = h('input', { name: 'again', id: 'pw-again', type: 'password', autocomplete: 'new-password' });
  const status = h('div', { role: 'status' });
  const form = h('form', { id: 'password-form', novalidate: true },
    field('me.current_password', current), field('me.new_password', next, { hint: 'accounts.password_hint' }),
    field('me.again', again), status,
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'btn primary', t: 'me.change_password' })));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    for (const c of [current, next, again]) setFieldError(c, null);
    fill(status);
    if (next.value !== again.value) {
      setFieldError(again, t('me.mismatch'));
      again.focus();
      return;
    }
    try {
      await call('POST', '/api/v1/session/password', { body: { current_password: current.value, new_password: next.value } });
      clear();
      go('/signin?password=1', { replace: true });
    } catch (err) {
      const fe = fieldErrors(err)[0];
      const control = fe && { current_password: current, new_password: next }[fe.field];
      if (control) { setFieldError(control, translatedField(fe.message)); control.focus(); } else fill(status, errorMessage(err));
    }
  });
  return h('section', { 'aria-labelledby': 'password-title' }, h('h3', { id: 'password-title', t: 'me.password' }), form);
}

export async function mePage(box) {
  const a = session.account;
  const heading = h('h2', { t: 'me.title' });
  const tokens = tokensSection();
  fill(box, heading,
    live(h('p', { class: 'note' }), (el) => { el.textContent = t('me.who', { name: a.display_name, login: a.login, role: t(`role.${a.role}`) }); }),
    tokens.element, passwordSection());
  await tokens.reload();
  focusHeading(heading);
  return null;
}

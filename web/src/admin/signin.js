// Signing in: login and password, the server's refusal said in the page's language.
import { errorMessage } from './errors.js';
import { field, fill, h } from './dom.js';
import { go } from './router.js';
import { signIn } from './session.js';

export async function signinPage(box, query) {
  const login = h('input', {
    id: 'login', name: 'login', autocomplete: 'username', required: true,
    autocapitalize: 'none', spellcheck: 'false',
  });
  const password = h('input', { id: 'password', name: 'password', type: 'password', autocomplete: 'current-password', required: true });
  const status = h('div', { id: 'signin-status' });
  const submit = h('button', { type: 'submit', class: 'btn primary', t: 'signin.submit' });
  const notice = query.get('expired') ? 'signin.expired' : query.get('out') ? 'signin.signed_out'
    : query.get('password') ? 'signin.password_changed' : null;
  const form = h('form', { id: 'signin-form', class: 'card narrow', novalidate: true },
    h('h2', { t: 'signin.title' }),
    notice ? h('p', { class: 'notice', role: 'status', t: notice }) : null,
    h('p', { class: 'note', t: 'signin.intro' }),
    field('signin.login', login),
    field('signin.password', password),
    status,
    h('div', { class: 'actions' }, submit),
    h('p', { class: 'note', t: 'signin.forgot' }));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    fill(status);
    if (!login.value.trim() || !password.value) {
      fill(status, h('p', { class: 'error', role: 'alert', t: 'signin.both' }));
      (login.value.trim() ? password : login).focus();
      return;
    }
    submit.disabled = true;
    try {
      await signIn(login.value.trim().toLowerCase(), password.value);
      password.value = '';
      const next = query.get('next');
      go(next && next.startsWith('/') && !next.startsWith('/signin') ? next : '/', { replace: true });
    } catch (err) {
      fill(status, errorMessage(err, 'signin'));
      password.select();
      password.focus();
    } finally {
      submit.disabled = false;
    }
  });
  fill(box, form);
  login.focus();
}

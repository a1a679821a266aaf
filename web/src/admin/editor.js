// The institution editor: the writable record (`GET …/record`, its version as the ETag)
// in a form with a map whose marker sets the position; saving is a `PUT` with
// `If-Match`, so a save made after someone else's is refused (412) and explained
// rather than overwriting theirs.
import { lang, nameOf, t } from '../i18n.js';
import { explainConflict, newest, yoursList } from './conflict.js';
import { fill, focusHeading, h, live, when } from './dom.js';
import { errorMessage, fieldErrors } from './errors.js';
import { differences } from './fields.js';
import { call, institutionPath } from './http.js';
import { MarkerMap } from './marker-map.js';
import { RecordForm } from './record-form.js';
import { mayEdit, mayReportFor } from './session.js';

let occupations = null;
async function catalogue() {
  if (!occupations) {
    try { occupations = (await call('GET', '/api/v1/occupations')).body.occupations || []; } catch { return []; }
  }
  return occupations;
}

function links(id) {
  const e = encodeURIComponent(id);
  return h('p', { class: 'links' },
    h('a', { href: `#/institutions/${e}/history`, t: 'list.history' }),
    mayReportFor(id) ? [' · ', h('a', { href: `#/institutions/${e}/reports`, t: 'list.report' })] : null,
    ' · ', h('a', { href: `/?institution=${e}`, t: 'list.on_map' }));
}

export async function editorPage(box, id) {
  const heading = h('h2', { t: 'editor.loading' });
  fill(box, heading);
  let loaded;
  try {
    loaded = await call('GET', institutionPath(id, '/record'));
  } catch (err) {
    fill(box, h('h2', { t: 'editor.title_plain' }), errorMessage(err), h('p', {}, h('a', { href: '#/institutions', t: 'nav.institutions' })));
    focusHeading(box.querySelector('h2'));
    return null;
  }
  let base = loaded.body.record;
  let etag = loaded.headers.get('etag');
  const title = () => nameOf(base).text;
  live(heading, (el) => { el.textContent = mayEdit(base) ? t('editor.title', { name: title() }) : title(); });
  if (!mayEdit(base)) {
    fill(box, heading,
      h('p', { class: 'error', id: 'not-permitted', role: 'alert', t: 'editor.not_permitted' }),
      h('p', {}, h('a', { href: `/?institution=${encodeURIComponent(id)}`, t: 'list.on_map' }), ' · ',
        h('a', { href: '#/institutions', t: 'nav.institutions' })));
    focusHeading(heading);
    return null;
  }

  let map = null;
  const form = new RecordForm({
    occupations: await catalogue(),
    onPositionTyped: (ll) => map?.setPosition(ll),
  });
  form.set(base);
  const status = h('div', { class: 'save-status', id: 'save-status', role: 'status' });
  const problem = h('div', { id: 'save-problem' });
  const conflict = h('section', { class: 'conflict', id: 'conflict', hidden: true, 'aria-labelledby': 'conflict-title' });
  const unsaved = h('div', { id: 'unsaved' });
  const save = h('button', { type: 'submit', class: 'btn primary', id: 'save', form: 'record-form', t: 'editor.save' });
  fill(box, heading, links(id), conflict, unsaved, form.element,
    h('div', { class: 'savebar' }, save, status, problem));
  focusHeading(heading);

  MarkerMap.create(form.mapSlot, [base.lon, base.lat], { onMove: (ll) => form.setPosition(ll) })
    .then((m) => { if (box.isConnected) map = m; else m.remove(); })
    .catch((e) => {
      console.warn('map unavailable:', e);
      fill(form.mapSlot, h('p', { class: 'note', t: 'editor.no_map' }));
    });

  const dirty = () => differences(base, form.value()).some((n) => n !== 'updated_at');
  const guard = (e) => { if (dirty()) { e.preventDefault(); e.returnValue = ''; } };
  window.addEventListener('beforeunload', guard);

  async function reloadNewest(server, yours, mine) {
    base = server.record;
    etag = server.etag;
    form.set(base);
    map?.setPosition([base.lon, base.lat]);
    conflict.hidden = true;
    fill(unsaved, yours.length ? yoursList(yours, mine) : null);
    fill(status, h('p', { t: 'conflict.reloaded' }));
    focusHeading(heading);
  }

  form.element.addEventListener('submit', async (e) => {
    e.preventDefault();
    fill(problem);
    fill(status, h('p', { t: 'editor.saving' }));
    save.disabled = true;
    const mine = form.value();
    try {
      // A lost session is explained here, not by leaving the page and its unsaved values.
      await call('PUT', institutionPath(id), { body: mine, etag, quiet401: true });
      const fresh = await call('GET', institutionPath(id, '/record'));
      base = fresh.body.record;
      etag = fresh.headers.get('etag');
      form.set(base);
      fill(unsaved);
      conflict.hidden = true;
      const at = new Date().toISOString();
      fill(status, h('p', { class: 'saved', id: 'saved' },
        h('span', { t: ['editor.saved', () => ({ at: when(at, lang()) })] }), ' ',
        h('a', { href: `/?institution=${encodeURIComponent(id)}`, id: 'saved-map-link', t: 'editor.see_on_map' })));
    } catch (err) {
      fill(status);
      if (err.status === 400 && fieldErrors(err).length) {
        form.showErrors(fieldErrors(err));
      } else if (err.status === 412) {
        try {
          const server = await newest(id);
          const yours = explainConflict(conflict, {
            base, mine, server, onReload: () => reloadNewest(server, yours, mine),
          });
        } catch (again) {
          fill(problem, errorMessage(again));
        }
      } else if (err.status === 401) {
        fill(problem, h('p', { class: 'error', role: 'alert', id: 'save-signed-out' },
          h('span', { t: 'editor.signed_out' }), ' ',
          h('a', { href: '/admin.html#/signin', target: '_blank', rel: 'noopener', t: 'editor.sign_in_again' })));
      } else if (err.status === 403) {
        // Allowed before the edit but not after it: the edit moves it out of the scope.
        const key = mayEdit(mine) ? 'editor.forbidden_save' : 'editor.out_of_scope';
        fill(problem, h('p', { class: 'error', role: 'alert', id: 'save-forbidden', t: key }));
      } else {
        fill(problem, errorMessage(err));
      }
    } finally {
      save.disabled = false;
    }
  });

  return () => {
    window.removeEventListener('beforeunload', guard);
    map?.remove();
  };
}

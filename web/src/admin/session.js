// Who is signed in and what they may do, as the server said at sign-in (or on
// `GET /api/v1/session` after a reload). The client uses it only to choose what to
// show; every write is decided by the server again.
import { call, renewWith, setCsrf } from './http.js';

export const session = { account: null, may: {}, expiresAt: null };

function take(body) {
  session.account = body.account;
  session.may = body.may || {};
  session.expiresAt = body.expires_at || null;
  setCsrf(body.csrf_token);
}

export function clear() {
  session.account = null;
  session.may = {};
  session.expiresAt = null;
  setCsrf(null);
}

/// True when the browser already has a live session.
export async function resume() {
  try {
    take((await call('GET', '/api/v1/session', { quiet401: true })).body);
    return true;
  } catch (e) {
    if (e.status === 401) return false;
    throw e;
  }
}

// A write refused for its CSRF token may come from a session renewed in another tab.
renewWith(async () => {
  if (!session.account) return null;
  const { body } = await call('GET', '/api/v1/session', { quiet401: true });
  return body.account?.id === session.account.id ? body.csrf_token : null;
});

export async function signIn(login, password) {
  take((await call('POST', '/api/v1/session', { body: { login, password }, quiet401: true })).body);
}

export async function signOut() {
  try {
    await call('DELETE', '/api/v1/session', { quiet401: true });
  } finally {
    clear();
  }
}

const role = () => session.account?.role;

export const isProvinceOrAdmin = () => role() === 'admin' || role() === 'province';

// The record's field an area of a district account is matched on, by scheme and code
// length (as `AreaRef::contains`: a province's code has 2 digits, a district's 3, a
// commune's 5).
const AREA_FIELD = {
  'pre2025:2': 'province_pre2025', 'pre2025:3': 'district_pre2025', 'pre2025:5': 'commune_pre2025',
  '2025:2': 'province_2025', '2025:5': 'commune_2025',
};
const areaField = (a) => AREA_FIELD[`${a.scheme}:${a.code.length}`];

function areaHolds(area, r) {
  const field = areaField(area);
  return Boolean(field) && r[field] === area.code;
}

/// Whether the account may edit this institution (its flat record), as the server
/// will judge it.
export function mayEdit(record) {
  switch (role()) {
    case 'admin': case 'province': return true;
    case 'district': return (session.account.areas || []).some((a) => areaHolds(a, record));
    case 'institution': return (session.account.institutions || []).includes(record.id);
    default: return false;
  }
}

/// Whether the account reports the Plan's figures for this institution.
export function mayReportFor(id) {
  switch (role()) {
    case 'admin': case 'province': return true;
    case 'institution': return (session.account.institutions || []).includes(id);
    default: return false;
  }
}

export const mayReport = () => role() !== 'district' && Boolean(role());

/// The CQL2 filter that selects the account's institutions, or '' for everything.
export function scopeFilter() {
  const quote = (s) => `'${String(s).replace(/'/g, "''")}'`;
  switch (role()) {
    case 'district': {
      const parts = (session.account.areas || [])
        .filter(areaField)
        .map((a) => `${areaField(a)} = ${quote(a.code)}`);
      return parts.length ? parts.join(' OR ') : "id = ''";
    }
    case 'institution': {
      const ids = session.account.institutions || [];
      return ids.length ? ids.map((i) => `id = ${quote(i)}`).join(' OR ') : "id = ''";
    }
    default: return '';
  }
}

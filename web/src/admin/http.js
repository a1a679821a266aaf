// The officials' side of the JSON API: same-origin requests with the session cookie, the
// session's CSRF token on every write (kept in memory only, never in storage), and
// refusals turned into `ApiError`s that keep the server's JSON body.
let csrf = null;
let onSignedOut = () => {};
let renew = async () => null;

export function setCsrf(token) { csrf = token || null; }

/// Called when the server says the session is gone (a 401 outside signing in).
export function whenSignedOut(fn) { onSignedOut = fn; }

/// `fn()` gives the CSRF token of the browser's current session when it is the same
/// person's (signed in again in another tab), else null.
export function renewWith(fn) { renew = fn; }

export class ApiError extends Error {
  constructor(status, body, headers) {
    super(body?.description || `HTTP ${status}`);
    this.status = status;
    this.body = body || {};
    this.headers = headers || new Headers();
  }

  get code() { return this.body.code || ''; }
}

const WRITES = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/// One request. `body` is sent as JSON; `etag` as If-Match; `query` as parameters.
/// Resolves to `{status, body, headers}` for a 2xx, rejects with an ApiError otherwise
/// (status 0 when the server could not be reached).
export async function call(method, path, options = {}) {
  try {
    return await send(method, path, options);
  } catch (err) {
    // Signed in again in another tab: the cookie is a new session with a new CSRF token.
    // Take it (same person only) and try the write once more.
    if (WRITES.has(method) && (err.status === 401 || err.status === 403) && !options.renewed) {
      const token = await renew().catch(() => null);
      if (token && token !== csrf) {
        csrf = token;
        return call(method, path, { ...options, renewed: true });
      }
    }
    if (err.status === 401 && !options.quiet401) onSignedOut(err);
    throw err;
  }
}

async function send(method, path, { body, query, etag }) {
  const url = new URL(path, location.origin);
  for (const [k, v] of Object.entries(query || {})) {
    if (v !== undefined && v !== null && v !== '') url.searchParams.set(k, v);
  }
  const headers = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (WRITES.has(method) && csrf) headers['x-csrf-token'] = csrf;
  if (etag) headers['if-match'] = etag;
  let r;
  try {
    r = await fetch(url, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'same-origin',
      cache: 'no-store',
    });
  } catch {
    throw new ApiError(0, { code: 'Network' });
  }
  const text = await r.text();
  let data = null;
  try { data = text ? JSON.parse(text) : null; } catch { data = null; }
  if (!r.ok) throw new ApiError(r.status, data, r.headers);
  return { status: r.status, body: data, headers: r.headers };
}

/// The path of an institution's resources, its id escaped.
export function institutionPath(id, rest = '') {
  return `/api/v1/institutions/${encodeURIComponent(id)}${rest}`;
}

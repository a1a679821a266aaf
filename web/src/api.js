// The server's JSON API, by relative URL (same origin as the page, embeds included):
// the one seam every API call of the map goes through. On a static site (the page's
// <html data-vetmap-static>, written by `vetmap export --site`) the static backend
// (static/main.js, loaded only then) answers the same paths from files instead.

/// The manifest path of a static site's page, or null when a server answers the API.
export const STATIC_MANIFEST = document.documentElement.dataset.vetmapStatic || null;

let backend = null;

/// From now on `getJSON` asks `b.get(path, params)` instead of the server.
export function useBackend(b) {
  backend = b;
}

export async function getJSON(path, params = {}) {
  if (backend) return backend.get(path, params);
  const url = new URL(path, location.origin);
  for (const [k, v] of Object.entries(params)) {
    if (v !== undefined && v !== null && v !== '') url.searchParams.set(k, v);
  }
  const r = await fetch(url, { headers: { accept: 'application/json' } });
  if (!r.ok) {
    const err = new Error(`${r.status} ${url.pathname}`);
    err.status = r.status;
    throw err;
  }
  return r.json();
}

/// The filters as query parameters (only those set).
export function filterParams(filters) {
  const p = {};
  for (const k of ['occupation', 'level', 'kind', 'ownership']) if (filters[k]) p[k] = filters[k];
  return p;
}

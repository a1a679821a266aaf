// The server's JSON API, by relative URL (same origin as the page, embeds included).
export async function getJSON(path, params = {}) {
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

// Routes live in the location's hash (#/institutions/{id}); pages move with `go`.
let render = () => {};

/// The function that draws the page for the current hash (main.js sets it).
export function onRoute(fn) { render = fn; }

/// The current route: its path and query.
export function current() {
  const raw = location.hash.replace(/^#/, '') || '/';
  const [path, qs] = raw.split('?');
  return { path: path || '/', query: new URLSearchParams(qs || '') };
}

/// Goes to a route (`/accounts`); `replace` keeps the back button from returning to
/// the page being left (after signing in, say).
export function go(route, { replace = false } = {}) {
  const target = `#${route}`;
  if (location.hash === target) render();
  else if (replace) { history.replaceState(null, '', target); render(); } else location.hash = target;
}

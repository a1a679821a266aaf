// The web map's static mode (its own bundle, dist/static.js, imported by the map only on
// a page the exporter marked `<html data-vetmap-static="static/manifest.json">`; the
// service's visitors never download it). It reads the manifest the exporter wrote, then
// answers the API paths the map asks through api.js's getJSON from the site's files:
// search, autocomplete and nearby from the compact index (finder.js), a profile and the
// occupation catalogue from their JSON files (the service's own bodies). Tiles come from
// the site's PMTiles archive through the `pmtiles` package's MapLibre protocol, which
// reads it by HTTP range requests. Every URL is relative to the page, so the folder
// works under any path of any host.
import { Protocol } from 'pmtiles';
import { Finder, Refusal } from './finder.js';

const SLUG = /^[a-z0-9]+(-[a-z0-9]+)*$/;

async function fetchJSON(url) {
  const r = await fetch(url, { headers: { accept: 'application/json' } });
  if (!r.ok) throw new Refusal(r.status, `${r.status} ${url}`);
  return r.json();
}

/// The site of the page at `base` whose manifest is at `manifestPath` (both relative to
/// the page, as are the manifest's paths): `{ manifest, archiveUrl, protocol, backend }`,
/// where `backend.get(path, params)` answers like the service.
export async function openSite(manifestPath, base) {
  const root = new URL('.', base);
  const manifest = await fetchJSON(new URL(manifestPath, root).href);
  if (manifest.format !== 1) throw new Error(`static site format ${manifest.format} is not 1`);
  const at = (p) => new URL(p, root).href;
  let finder = null;
  const index = () => {
    finder ??= fetchJSON(at(manifest.index)).then((ix) => new Finder(ix));
    return finder;
  };
  let occupations = null;
  const backend = {
    async get(path, params = {}) {
      if (path === '/api/v1/search') return (await index()).search(params, false);
      if (path === '/api/v1/search/autocomplete') return (await index()).search(params, true);
      if (path === '/api/v1/nearby') return (await index()).nearby(params);
      if (path === '/api/v1/occupations') {
        occupations ??= fetchJSON(at(manifest.occupations));
        return occupations;
      }
      const m = /^\/api\/v1\/institutions\/([^/]+)$/.exec(path);
      if (m) {
        const id = decodeURIComponent(m[1]);
        if (!SLUG.test(id) || id.length > 80) throw new Refusal(400, `${JSON.stringify(id)} is not an institution id`);
        return fetchJSON(at(`${manifest.profiles}${id}.json`));
      }
      throw new Refusal(404, `${path} needs the online service`);
    },
  };
  return { manifest, archiveUrl: at(manifest.archive), protocol: new Protocol(), backend };
}

// Search and nearby over the static site's index (static/index.json, written by
// src/export/site/search_index.rs: one array per field, position i is institution i),
// answering in the shapes of GET /api/v1/search[/autocomplete] and /api/v1/nearby, so
// the map's code cannot tell which answered. Pure: no DOM, no fetch (unit tested in
// web/tests/static.test.mjs).
//
// Search: every typed word must start a word of the institution's names or address
// (diacritics and case ignored); names weigh more than the address, a whole word more
// than a prefix; ties nearest first when a point is given. Unlike the service there is
// no typo tolerance and no occupation result (choosing one would filter tiles, which a
// static archive cannot).
// Nearby: geodesic distance on WGS84 (Karney's algorithm, geographiclib), exact: the
// spherical distance only picks the candidates, with a margin that cannot drop one.
import geodesic from 'geographiclib-geodesic';
import { words } from './fold.js';

const WGS84 = geodesic.Geodesic.WGS84;
const DISTANCE = geodesic.Geodesic.DISTANCE;
export const FORMAT = 1;
const EARTH_MEAN_RADIUS = 6371008.8;
// The spherical distance (mean radius) is within 0.6 % of the geodesic one on WGS84;
// 1 % each way, squared, is a safe candidate margin.
const MARGIN = 1.01 * 1.01;

/// Metres between two points on WGS84 (geodesic, to well under a millimetre).
export function geodesicDistance(lon1, lat1, lon2, lat2) {
  return WGS84.Inverse(lat1, lon1, lat2, lon2, DISTANCE).s12;
}

function haversine(lon1, lat1, lon2, lat2) {
  const rad = Math.PI / 180;
  const a = Math.sin(((lat2 - lat1) * rad) / 2) ** 2
    + Math.cos(lat1 * rad) * Math.cos(lat2 * rad) * Math.sin(((lon2 - lon1) * rad) / 2) ** 2;
  return 2 * EARTH_MEAN_RADIUS * Math.asin(Math.min(1, Math.sqrt(a)));
}

const round1 = (x) => Math.round(x * 10) / 10;
const links = (id) => ({
  profile: `/api/v1/institutions/${id}`,
  html: `/institutions/${id}`,
  geojson: `/collections/institutions/items/${id}`,
});

/// A refusal shaped like the service's (status, message).
export class Refusal extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

export class Finder {
  constructor(ix) {
    if (ix?.format !== FORMAT) throw new Refusal(500, `index format ${ix?.format}, expected ${FORMAT}`);
    this.ix = ix;
    this.n = ix.count;
    this.nameWords = ix.name_fold.map((s) => s.split(/[^\p{L}\p{N}]+/u).filter(Boolean));
    this.addressWords = ix.address_fold.map((s) => s.split(/[^\p{L}\p{N}]+/u).filter(Boolean));
  }

  get version() { return this.ix.version; }

  kind(i) { return this.ix.kinds[this.ix.kind[i]]; }

  /// GET /api/v1/search (short = false) and /autocomplete (short = true).
  search({ q, lon, lat, limit }, short) {
    const text = String(q ?? '').trim().replace(/\s+/g, ' ');
    if (!text) throw new Refusal(400, 'q is required: the text to search for');
    if ([...text].length > 200) throw new Refusal(400, 'q is at most 200 characters');
    const max = short ? 10 : 50;
    const n = limit == null ? (short ? 5 : 10) : Number(limit);
    if (!Number.isInteger(n) || n < 1 || n > max) throw new Refusal(400, `limit must be 1 to ${max}`);
    const near = point(lon, lat, false);
    const typed = words(text);
    const hits = [];
    for (let i = 0; i < this.n; i++) {
      const s = this.score(i, typed);
      if (s > 0) hits.push({ i, score: s, d: near ? geodesicDistance(near[0], near[1], this.ix.lon[i], this.ix.lat[i]) : null });
    }
    hits.sort((a, b) => b.score - a.score || (a.d ?? 0) - (b.d ?? 0) || (this.ix.id[a.i] < this.ix.id[b.i] ? -1 : 1));
    const results = hits.slice(0, n).map(({ i, score, d }) => {
      const r = {
        type: 'institution',
        id: this.ix.id[i],
        name_vi: this.ix.name_vi[i],
        name_en: this.ix.name_en[i],
        location: [this.ix.lon[i], this.ix.lat[i]],
        links: links(this.ix.id[i]),
      };
      if (d != null) r.distance_m = round1(d);
      if (!short) Object.assign(r, { score: Math.round(score * 1000) / 1000, kind: this.kind(i), address: this.ix.address[i] });
      return r;
    });
    return { query: text, count: results.length, data_version: this.version, results };
  }

  /// How well institution i matches the typed words: 0 unless every word starts a word
  /// of its names or address; at most 1.
  score(i, typed) {
    if (!typed.length) return 0;
    let sum = 0;
    for (const w of typed) {
      const best = Math.max(weigh(this.nameWords[i], w, 3, 2), weigh(this.addressWords[i], w, 1.5, 1));
      if (!best) return 0;
      sum += best;
    }
    return sum / (3 * typed.length);
  }

  /// GET /api/v1/nearby: kind and ownership filter here; occupation and level need the
  /// programmes, which the index does not carry (the static map hides the filters).
  nearby({ lon, lat, limit, radius_km: radiusKm, kind, ownership, occupation, level }) {
    const p = point(lon, lat, true);
    const n = limit == null ? 10 : Number(limit);
    if (!Number.isInteger(n) || n < 1 || n > 100) throw new Refusal(400, 'limit must be 1 to 100');
    const radius = radiusKm == null ? null : Number(radiusKm);
    if (radius != null && !(radius > 0 && radius <= 20040)) throw new Refusal(400, 'radius_km must be more than 0 and at most 20040');
    if (occupation || level) throw new Refusal(400, 'occupation and level filters need the online service');
    const ix = this.ix;
    const candidates = [];
    for (let i = 0; i < this.n; i++) {
      if (kind && this.kind(i) !== kind) continue;
      if (ownership && ix.ownerships[ix.ownership[i]] !== ownership) continue;
      candidates.push({ i, h: haversine(p[0], p[1], ix.lon[i], ix.lat[i]) });
    }
    candidates.sort((a, b) => a.h - b.h);
    const kth = candidates[Math.min(n, candidates.length) - 1]?.h ?? 0;
    const exact = [];
    for (const c of candidates) {
      if (c.h > kth * MARGIN + 1) break;
      const d = geodesicDistance(p[0], p[1], ix.lon[c.i], ix.lat[c.i]);
      if (radius == null || d <= radius * 1000) exact.push({ i: c.i, d });
    }
    exact.sort((a, b) => a.d - b.d || (ix.id[a.i] < ix.id[b.i] ? -1 : 1));
    const results = exact.slice(0, n).map(({ i, d }) => ({
      id: ix.id[i],
      name_vi: ix.name_vi[i],
      name_en: ix.name_en[i],
      kind: this.kind(i),
      ownership: ix.ownerships[ix.ownership[i]],
      location: [ix.lon[i], ix.lat[i]],
      position_accuracy: ix.accuracies[ix.accuracy[i]],
      distance_m: round1(d),
      matched_programmes: [],
      links: links(ix.id[i]),
    }));
    return {
      query: { lon: p[0], lat: p[1], limit: n, radius_km: radius, occupation: null, level: null, kind: kind || null, ownership: ownership || null },
      count: results.length,
      data_version: this.version,
      results,
    };
  }
}

/// The best weight of `w` among `list`: `whole` when a word equals it, `prefix` when one
/// starts with it, else 0.
function weigh(list, w, whole, prefix) {
  let best = 0;
  for (const x of list) {
    if (x === w) return whole;
    if (x.startsWith(w)) best = prefix;
  }
  return best;
}

/// lon and lat together, in range, or (when not required) neither.
function point(lon, lat, required) {
  const given = (v) => v !== undefined && v !== null && v !== '';
  if (!given(lon) && !given(lat)) {
    if (required) throw new Refusal(400, 'lon and lat are required');
    return null;
  }
  const x = Number(lon);
  const y = Number(lat);
  if (!given(lon) || !given(lat) || !Number.isFinite(x) || !Number.isFinite(y) || Math.abs(x) > 180 || Math.abs(y) > 90) {
    throw new Refusal(400, 'lon and lat must come together, within -180..180 and -90..90');
  }
  return [x, y];
}

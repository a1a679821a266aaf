// The base map both map pages draw (the public map and the officials' editor): our
// `base` and `admin-areas` tiles under the `institutions` tiles, all from this server
// (TileJSON → absolute tile URLs, filters as query parameters); under them the
// OpenStreetMap base map instead of our `base` when the server has a PMTiles archive
// (protomaps.js). Text is drawn with our own glyphs (Noto Sans, /fonts/, no font host);
// symbols are drawn on a canvas. MapLibre's worker is served beside the bundles (copied
// there by the build). Place names come from the base tiles' `places` layer, in
// Vietnamese or English; MapLibre drops the labels that would collide, most important
// (`rank`) kept first.
import * as maplibregl from 'maplibre-gl';
import { KINDS, kindImage } from './kinds.js';

maplibregl.setWorkerUrl(new URL('maplibre-gl-worker.mjs', import.meta.url).href);

// Trà Vinh, as far as the whole former province fits a phone screen.
export const HOME = { center: [106.3, 9.8], zoom: 8.6 };
const FONT = ['Noto Sans Regular'];
/// The style's glyph URL (absolute, as MapLibre wants): served by us, never a font CDN.
export const GLYPHS = () => `${location.origin}/fonts/{fontstack}/{range}.pbf`;
/// The symbol layers that show place names (tests query them).
export const PLACE_LAYERS = ['place-communes', 'place-names'];

/// A place's label in `lang`: its Vietnamese name, or its English one where known.
export function placeName(lang) {
  return lang === 'en' ? ['coalesce', ['get', 'name_en'], ['get', 'name']] : ['get', 'name'];
}

/// A commune's label: its name, and for a pre-2025 commune (before 1 July 2025) a note
/// that it is the former unit.
export function communeName(lang) {
  const before = lang === 'en' ? '(former)' : '(cũ)';
  return ['case', ['==', ['get', 'scheme'], 'pre2025'], ['concat', placeName(lang), ' ', before], placeName(lang)];
}

const HALO = { 'text-halo-color': 'rgba(255,255,255,0.92)', 'text-halo-width': 1.6, 'text-halo-blur': 0.3 };

/// The names of places, communes below the rest: MapLibre places the top layer's labels
/// first, so a commune's name gives way to a town's or a district's.
function placeLayers(lang) {
  return [
    {
      id: 'place-communes', type: 'symbol', source: 'base', 'source-layer': 'places',
      filter: ['==', ['get', 'kind'], 'commune'], minzoom: 11,
      layout: {
        'text-field': communeName(lang), 'text-font': FONT, 'text-size': 12, 'text-max-width': 30,
        'text-variable-anchor': ['bottom', 'left', 'right', 'top'], 'text-radial-offset': 1.3,
        'text-justify': 'auto', 'symbol-sort-key': ['get', 'rank'],
      },
      paint: { 'text-color': '#5d5850', ...HALO },
    },
    {
      // Cities, pre-2025 districts (until zoom 12) and towns in one layer, so that the
      // rank decides which of two colliding names stays: city, district, town. Names
      // may move around their point, off the institutions' symbols.
      id: 'place-names', type: 'symbol', source: 'base', 'source-layer': 'places',
      filter: ['any',
        ['match', ['get', 'kind'], ['city', 'town'], true, false],
        ['all', ['==', ['get', 'kind'], 'district'], ['<', ['zoom'], 12]]],
      minzoom: 6,
      layout: {
        'text-field': placeName(lang), 'text-font': FONT,
        'text-size': ['interpolate', ['linear'], ['zoom'],
          6, ['match', ['get', 'kind'], 'city', 12, 'district', 10.5, 11],
          12, ['match', ['get', 'kind'], 'city', 17, 'district', 13, 14]],
        'text-max-width': 8, 'text-padding': 1,
        'text-letter-spacing': ['match', ['get', 'kind'], 'district', 0.04, 0],
        'text-variable-anchor': ['center', 'top', 'bottom', 'left', 'right'],
        'text-radial-offset': 1.1,
        'text-justify': 'auto',
        'symbol-sort-key': ['get', 'rank'],
      },
      paint: { 'text-color': ['match', ['get', 'kind'], 'district', '#6f6354', '#2b2925'], ...HALO },
    },
  ];
}

export async function tileSource(name, query = '') {
  const fallback = { tiles: [`/tiles/${name}/{z}/{x}/{y}.mvt`], minzoom: 0, maxzoom: 16 };
  let tj = fallback;
  try {
    const r = await fetch(`/tiles/${name}.json`);
    if (r.ok) tj = await r.json();
  } catch { /* the fallback follows the documented URL template */ }
  const abs = (u) => {
    const url = new URL(u, location.origin);
    if (query) for (const [k, v] of new URLSearchParams(query)) url.searchParams.set(k, v);
    return decodeURI(url.href);
  };
  return {
    type: 'vector',
    tiles: (tj.tiles || fallback.tiles).map(abs),
    minzoom: tj.minzoom ?? 0,
    maxzoom: tj.maxzoom ?? 16,
    ...(tj.bounds ? { bounds: tj.bounds } : {}),
    // Only the OpenStreetMap base map's attribution goes to MapLibre's control; the
    // page says where our own data comes from.
    ...(name === 'basemap' && tj.attribution ? { attribution: tj.attribution } : {}),
  };
}

// Whether the server has a PMTiles base map archive: the `/tiles` catalogue lists it as
// `basemap` only then.
async function hasArchive() {
  try {
    const r = await fetch('/tiles');
    if (!r.ok) return false;
    const catalogue = await r.json();
    return (catalogue.tilesets || []).some((t) => t.id === 'basemap');
  } catch {
    return false;
  }
}

// Our own base: sea, Natural Earth land and outlines from the `base` tileset.
const BUNDLED_BASE = [
  { id: 'sea', type: 'background', paint: { 'background-color': '#c9dff0' } },
  { id: 'land', type: 'fill', source: 'base', 'source-layer': 'land', paint: { 'fill-color': '#f3f0e8' } },
  { id: 'water', type: 'fill', source: 'base', 'source-layer': 'water', paint: { 'fill-color': '#a9cde6' } },
];

/// The style: `baseLayers` (the OpenStreetMap base map's, when there is an archive) or
/// our bundled base with its place names in `lang`, then areas and institutions.
/// `glyphs` defaults to the server's; a static site's are beside the bundle.
export function style(sources, baseLayers = BUNDLED_BASE, lang = 'vi', glyphs = GLYPHS()) {
  return {
    version: 8,
    glyphs,
    sources,
    layers: [
      ...baseLayers,
      {
        id: 'districts', type: 'line', source: 'admin-areas', 'source-layer': 'areas_pre2025',
        filter: ['==', ['get', 'level'], 'district'],
        paint: { 'line-color': '#8c8577', 'line-width': 1, 'line-dasharray': [3, 2] },
      },
      {
        id: 'provinces', type: 'line', source: 'admin-areas', 'source-layer': 'areas_2025',
        filter: ['==', ['get', 'level'], 'province'],
        paint: { 'line-color': '#6b6459', 'line-width': 2 },
      },
      ...(baseLayers === BUNDLED_BASE ? [{
        id: 'boundaries', type: 'line', source: 'base', 'source-layer': 'boundaries',
        paint: { 'line-color': '#9a9386', 'line-width': 0.8 },
      }] : []),
      ...(baseLayers === BUNDLED_BASE ? placeLayers(lang) : []),
      {
        id: 'clusters', type: 'circle', source: 'institutions', 'source-layer': 'institutions',
        filter: ['==', ['get', 'cluster'], true],
        paint: {
          'circle-color': '#1d4f91',
          'circle-radius': ['step', ['get', 'point_count'], 14, 5, 18, 20, 24],
          'circle-stroke-color': '#ffffff',
          'circle-stroke-width': 2,
        },
      },
      {
        id: 'cluster-count', type: 'symbol', source: 'institutions', 'source-layer': 'institutions',
        filter: ['==', ['get', 'cluster'], true],
        layout: {
          'text-field': ['to-string', ['get', 'point_count']],
          'text-font': FONT, 'text-size': 13, 'text-allow-overlap': true,
        },
        paint: { 'text-color': '#ffffff' },
      },
      {
        id: 'selected', type: 'circle', source: 'institutions', 'source-layer': 'institutions',
        filter: ['==', ['get', 'id'], ''],
        paint: { 'circle-radius': 19, 'circle-color': 'rgba(255,191,71,0.35)', 'circle-stroke-color': '#b35c00', 'circle-stroke-width': 3 },
      },
      {
        id: 'institutions', type: 'symbol', source: 'institutions', 'source-layer': 'institutions',
        filter: ['!=', ['get', 'cluster'], true],
        layout: {
          'icon-image': ['match', ['get', 'kind'], Object.keys(KINDS), ['concat', 'kind-', ['get', 'kind']], 'kind-other'],
          'icon-allow-overlap': true,
          'icon-size': 1,
        },
      },
      {
        id: 'institution-names', type: 'symbol', source: 'institutions', 'source-layer': 'institutions',
        filter: ['!=', ['get', 'cluster'], true],
        minzoom: 11,
        layout: {
          'text-field': ['get', 'name_vi'], 'text-font': FONT, 'text-size': 12,
          'text-offset': [0, 1.4], 'text-anchor': 'top', 'text-max-width': 10, 'text-optional': true,
        },
        paint: { 'text-color': '#222222', 'text-halo-color': '#ffffff', 'text-halo-width': 1.5 },
      },
    ],
  };
}

/// A MapLibre map with the base map's style, the kinds' symbols and the options both
/// pages share (no rotation); resolves once the style is loaded. `query` filters the
/// institutions' tiles; `lang` (vi, en) picks the names drawn.
const protomapsStyle = () => import(new URL('protomaps.js', import.meta.url).href);

/// Names on the OpenStreetMap base map in `lang` (`vi`, `en`), when the map draws it.
export async function setBasemapLanguage(map, lang) {
  if (!map.getSource('protomaps')) return;
  const { basemapLayers } = await protomapsStyle();
  for (const layer of basemapLayers('protomaps', lang)) {
    const field = layer.layout?.['text-field'];
    if (field && map.getLayer(layer.id)) map.setLayoutProperty(layer.id, 'text-field', field);
  }
}

/// `ownAttribution`: the caller adds its own attribution control (the public map does);
/// otherwise the OpenStreetMap base map, when drawn, brings a compact one.
/// `site`: a static site (static/main.js's `openSite`), whose one PMTiles archive holds
/// the layers of every tileset: one source for all of them, read through the `pmtiles`
/// protocol, and the glyphs beside the bundle (dist/fonts/), all relative to the page.
export async function createMap(container, { center, zoom, query = '', lang, site = null, ownAttribution = false } = {}) {
  if (site) return createStaticMap(container, { center, zoom, lang, site });
  const [base, areas, institutions, archive] = await Promise.all([
    tileSource('base'), tileSource('admin-areas'), tileSource('institutions', query), hasArchive(),
  ]);
  const sources = { base, 'admin-areas': areas, institutions };
  let baseLayers;
  if (archive) {
    // The OpenStreetMap base map (its attribution shown): its style is a bundle of its own.
    const [osm, { basemapLayers }] = await Promise.all([
      tileSource('basemap'),
      protomapsStyle(),
    ]);
    sources.protomaps = osm;
    delete sources.base; // no layer draws it under the archive: its tiles are not fetched
    baseLayers = basemapLayers('protomaps', lang || document.documentElement.lang || 'vi');
  }
  return finishMap(container, {
    center, zoom, style: style(sources, baseLayers, lang || 'vi'),
    attribution: archive && !ownAttribution ? { compact: true } : false,
  }, institutions.tiles[0]);
}

/// The map both kinds of page draw: no rotation, the kinds' symbols; resolves once the
/// style is loaded.
async function finishMap(container, { center, zoom, style: mapStyle, attribution }, institutionsTemplate) {
  const map = new maplibregl.Map({
    container,
    style: mapStyle,
    center: center || HOME.center,
    zoom: zoom ?? HOME.zoom,
    attributionControl: attribution,
    maxZoom: 18,
    dragRotate: false,
    pitchWithRotate: false,
    cooperativeGestures: false,
  });
  map.touchZoomRotate.disableRotation();
  for (const kind of Object.keys(KINDS)) {
    const { image, pixelRatio } = kindImage(kind, 2);
    map.addImage(`kind-${kind}`, image, { pixelRatio });
  }
  await new Promise((resolve) => (map.loaded() ? resolve() : map.once('load', resolve)));
  return { map, institutionsTemplate };
}

let protocolAdded = false;

async function createStaticMap(container, { center, zoom, lang, site }) {
  if (!protocolAdded) {
    maplibregl.addProtocol('pmtiles', site.protocol.tile);
    protocolAdded = true;
  }
  const sources = { vetmap: { type: 'vector', url: `pmtiles://${site.archiveUrl}` } };
  // MapLibre leaves {fontstack} and {range} alone only when they are not URL-escaped.
  const glyphs = `${new URL('fonts/', import.meta.url).href}{fontstack}/{range}.pbf`;
  const s = style(sources, BUNDLED_BASE, lang || 'vi', glyphs);
  s.layers = s.layers.map((l) => (l.source ? { ...l, source: 'vetmap' } : l));
  return finishMap(container, { center, zoom, style: s, attribution: false }, null);
}

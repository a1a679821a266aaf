// The map: our `base` and `admin-areas` tiles under the `institutions` tiles, all from
// this server (TileJSON → absolute tile URLs, filters as query parameters). Text is drawn
// with the device's own fonts (no glyph server); symbols are drawn on a canvas.
import * as maplibregl from 'maplibre-gl';
import { KINDS, kindImage } from './kinds.js';
import { t } from './i18n.js';

// Trà Vinh, as far as the whole former province fits a phone screen.
export const HOME = { center: [106.3, 9.8], zoom: 8.6 };
const FONT = ['Noto Sans', 'DejaVu Sans', 'Arial', 'sans-serif'];

async function tileSource(name, query = '') {
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
  };
}

function style(sources) {
  return {
    version: 8,
    sources,
    layers: [
      { id: 'sea', type: 'background', paint: { 'background-color': '#c9dff0' } },
      { id: 'land', type: 'fill', source: 'base', 'source-layer': 'land', paint: { 'fill-color': '#f3f0e8' } },
      { id: 'water', type: 'fill', source: 'base', 'source-layer': 'water', paint: { 'fill-color': '#a9cde6' } },
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
      {
        id: 'boundaries', type: 'line', source: 'base', 'source-layer': 'boundaries',
        paint: { 'line-color': '#9a9386', 'line-width': 0.8 },
      },
      {
        id: 'area-labels', type: 'symbol', source: 'admin-areas', 'source-layer': 'area_labels',
        filter: ['all', ['==', ['get', 'scheme'], 'pre2025'], ['==', ['get', 'level'], 'district']],
        minzoom: 8,
        layout: { 'text-field': ['get', 'name'], 'text-font': FONT, 'text-size': 12, 'text-max-width': 8 },
        paint: { 'text-color': '#4a463f', 'text-halo-color': '#ffffff', 'text-halo-width': 1.5 },
      },
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

export class MapView {
  /// Resolves once the style is loaded; `onSelect(id, feature)` on a click on a point.
  static async create(container, { center, zoom, lang, showZoom, filters, onSelect, onClick, onMoveEnd }) {
    const query = new URLSearchParams(filters).toString();
    const [base, areas, institutions] = await Promise.all([
      tileSource('base'), tileSource('admin-areas'), tileSource('institutions', query),
    ]);
    const map = new maplibregl.Map({
      container,
      style: style({ base, 'admin-areas': areas, institutions }),
      center: center || HOME.center,
      zoom: zoom ?? HOME.zoom,
      attributionControl: false,
      maxZoom: 18,
      dragRotate: false,
      pitchWithRotate: false,
      cooperativeGestures: false,
    });
    const view = new MapView(map, lang, institutions.tiles[0]);
    map.touchZoomRotate.disableRotation();
    if (showZoom) {
      view.nav = new maplibregl.NavigationControl({ showCompass: false });
      map.addControl(view.nav, 'top-right');
    }
    view.setAttribution();
    for (const kind of Object.keys(KINDS)) {
      const { image, pixelRatio } = kindImage(kind, 2);
      map.addImage(`kind-${kind}`, image, { pixelRatio });
    }
    map.on('click', 'clusters', (e) => {
      const f = e.features[0];
      const zoomTo = Number(f.properties.expansion_zoom) || map.getZoom() + 2;
      map.easeTo({ center: f.geometry.coordinates, zoom: zoomTo });
    });
    map.on('click', 'institutions', (e) => {
      const f = e.features[0];
      e.preventDefault();
      onSelect(f.properties.id, f);
    });
    map.on('click', (e) => { if (!e.defaultPrevented && onClick) onClick(e.lngLat); });
    for (const layer of ['clusters', 'institutions']) {
      map.on('mouseenter', layer, () => { map.getCanvas().style.cursor = 'pointer'; });
      map.on('mouseleave', layer, () => { map.getCanvas().style.cursor = ''; });
    }
    if (onMoveEnd) map.on('moveend', () => onMoveEnd(map.getCenter()));
    await new Promise((resolve) => (map.loaded() ? resolve() : map.once('load', resolve)));
    window.__vetmap = map; // for tests and the console: the MapLibre map
    return view;
  }

  constructor(map, lang, institutionsTemplate) {
    this.map = map;
    this.lang = lang;
    this.template = institutionsTemplate;
    this.marker = null;
  }

  /// Shows only institutions matching the filters (tile URLs carry them).
  setFilters(filters) {
    const url = new URL(this.template.replace('{z}/{x}/{y}', '0/0/0'));
    for (const k of ['occupation', 'level', 'kind', 'ownership']) {
      if (filters[k]) url.searchParams.set(k, filters[k]); else url.searchParams.delete(k);
    }
    const tiles = decodeURI(url.href).replace('0/0/0', '{z}/{x}/{y}');
    this.map.getSource('institutions').setTiles([tiles]);
  }

  select(id) {
    this.map.setFilter('selected', ['==', ['get', 'id'], id || '']);
  }

  flyTo(lonlat, zoom = 13) {
    this.map.flyTo({ center: lonlat, zoom: Math.max(zoom, this.map.getZoom()), speed: 1.6 });
  }

  setLanguage(lang) {
    this.lang = lang;
    this.setAttribution();
    const nameField = lang === 'en' ? ['coalesce', ['get', 'name_en'], ['get', 'name_vi']] : ['get', 'name_vi'];
    this.map.setLayoutProperty('institution-names', 'text-field', nameField);
    const c = this.map.getContainer();
    const label = (sel, key) => c.querySelectorAll(sel).forEach((b) => { b.title = t(key); b.setAttribute('aria-label', t(key)); });
    label('.maplibregl-ctrl-zoom-in', 'map.zoom_in');
    label('.maplibregl-ctrl-zoom-out', 'map.zoom_out');
    const canvas = this.map.getCanvas();
    canvas.setAttribute('aria-label', t('map.label'));
    if (this.marker) this.marker.getElement().setAttribute('aria-label', t('near.your_point'));
  }

  setAttribution() {
    if (this.attribution) this.map.removeControl(this.attribution);
    this.attribution = new maplibregl.AttributionControl({ compact: false, customAttribution: t('map.attribution') });
    this.map.addControl(this.attribution, 'bottom-right');
  }

  setReferencePoint(lonlat) {
    if (!lonlat) {
      this.marker?.remove();
      this.marker = null;
      return;
    }
    if (!this.marker) {
      const el = document.createElement('div');
      el.className = 'ref-point';
      el.setAttribute('role', 'img');
      el.setAttribute('aria-label', t('near.your_point'));
      this.marker = new maplibregl.Marker({ element: el });
    }
    this.marker.setLngLat(lonlat).addTo(this.map);
  }
}

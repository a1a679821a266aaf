// The public map's view: the base map (basemap.js) with selection, clusters that zoom
// in on a click, the person's reference point, filters and language.
import * as maplibregl from 'maplibre-gl';
import { communeName, createMap, placeName, setBasemapLanguage } from './basemap.js';
import { t } from './i18n.js';

export class MapView {
  /// Resolves once the style is loaded; `onSelect(id, feature)` on a click on a point.
  static async create(container, { center, zoom, lang, showZoom, filters, site, onSelect, onClick, onMoveEnd }) {
    const query = new URLSearchParams(filters).toString();
    const { map, institutionsTemplate } = await createMap(container, { center, zoom, query, lang, site, ownAttribution: true });
    const view = new MapView(map, lang, institutionsTemplate);
    if (showZoom) {
      view.nav = new maplibregl.NavigationControl({ showCompass: false });
      map.addControl(view.nav, 'top-right');
    }
    view.setAttribution();
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
    setBasemapLanguage(this.map, lang);
    // Our own place names exist only under the bundled base (not under an archive's).
    if (this.map.getLayer('place-names')) {
      this.map.setLayoutProperty('place-names', 'text-field', placeName(lang));
      this.map.setLayoutProperty('place-communes', 'text-field', communeName(lang));
    }
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

// The editor's map: the public base map with one marker for the institution's position.
// The marker is dragged with a mouse or finger, or focused (Tab) and nudged with the
// arrow keys: 10 screen pixels a press, 1 with Shift, so the step follows the zoom.
import * as maplibregl from 'maplibre-gl';
import { onLangChange, t } from '../i18n.js';
import { createMap } from '../basemap.js';

const STEP_PX = 10;
const FINE_STEP_PX = 1;
const ARROWS = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1] };

export class MarkerMap {
  /// `onMove([lon, lat])` after a drag or a key press moved the marker.
  static async create(container, lonlat, { onMove }) {
    const { map } = await createMap(container, { center: lonlat, zoom: 13 });
    const m = new MarkerMap(map, lonlat, onMove);
    window.__vetmap = map; // for tests and the console, as on the public map
    return m;
  }

  constructor(map, lonlat, onMove) {
    this.map = map;
    this.onMove = onMove;
    map.addControl(new maplibregl.NavigationControl({ showCompass: false }), 'top-right');
    this.marker = new maplibregl.Marker({ draggable: true, color: '#b3261e' }).setLngLat(lonlat).addTo(map);
    const el = this.marker.getElement();
    el.id = 'position-marker';
    el.tabIndex = 0;
    el.setAttribute('role', 'button');
    el.setAttribute('aria-roledescription', 'marker');
    el.setAttribute('aria-describedby', 'map-help');
    this.marker.on('dragend', () => this.moved());
    el.addEventListener('keydown', (e) => this.key(e));
    this.label();
    this.setAttribution();
    onLangChange(() => { if (!this.removed) { this.label(); this.setAttribution(); } });
  }

  key(e) {
    const dir = ARROWS[e.key];
    if (!dir) return;
    // The map's own keyboard handler would pan it: the arrows are the marker's here.
    e.preventDefault();
    e.stopPropagation();
    const step = e.shiftKey ? FINE_STEP_PX : STEP_PX;
    const p = this.map.project(this.marker.getLngLat());
    const ll = this.map.unproject([p.x + dir[0] * step, p.y + dir[1] * step]);
    this.marker.setLngLat(ll);
    if (!this.map.getBounds().contains(ll)) this.map.panTo(ll);
    this.moved();
  }

  moved() {
    const ll = this.marker.getLngLat();
    this.label();
    this.onMove([ll.lng, ll.lat]);
  }

  label() {
    const ll = this.marker.getLngLat();
    this.marker.getElement().setAttribute('aria-label',
      t('editor.marker_label', { lat: ll.lat.toFixed(6), lon: ll.lng.toFixed(6) }));
    this.map.getCanvas().setAttribute('aria-label', t('editor.map_label'));
  }

  setAttribution() {
    if (this.attribution) this.map.removeControl(this.attribution);
    this.attribution = new maplibregl.AttributionControl({ compact: true, customAttribution: t('map.attribution') });
    this.map.addControl(this.attribution, 'bottom-right');
    // Folded to its (i) button: open, it covers the marker on a phone.
    const box = this.map.getContainer().querySelector('.maplibregl-ctrl-attrib');
    box?.classList.remove('maplibregl-compact-show');
    box?.removeAttribute('open');
    const button = box?.querySelector('.maplibregl-ctrl-attrib-button');
    if (button) {
      button.title = t('editor.attribution');
      button.setAttribute('aria-label', t('editor.attribution'));
    }
  }

  /// Puts the marker at a typed position (and the map around it) without calling onMove.
  setPosition(lonlat) {
    this.marker.setLngLat(lonlat);
    this.label();
    if (!this.map.getBounds().contains(lonlat)) this.map.panTo(lonlat);
  }

  remove() {
    this.removed = true;
    this.map.remove();
  }
}

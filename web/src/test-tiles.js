// The tile test page (test-tiles.html): MapLibre's own distribution, unbundled, draws
// the three tilesets from our TileJSON. Copied as it is into dist/ by build.mjs (a file,
// not inline: the Content-Security-Policy allows scripts from files only).
import * as maplibregl from '/node_modules/maplibre-gl/dist/maplibre-gl.mjs';

const params = new URLSearchParams(location.search);
const center = (params.get('center') || '106.3,9.85').split(',').map(Number);
const zoom = Number(params.get('zoom') || 9);
const tj = (id) => `${location.origin}/tiles/${id}.json`;

const map = new maplibregl.Map({
  container: 'map',
  center,
  zoom,
  attributionControl: { compact: false },
  style: {
    version: 8,
    sources: {
      base: { type: 'vector', url: tj('base') },
      areas: { type: 'vector', url: tj('admin-areas') },
      institutions: { type: 'vector', url: tj('institutions') },
    },
    layers: [
      { id: 'sea', type: 'background', paint: { 'background-color': '#cfe3f0' } },
      { id: 'land', type: 'fill', source: 'base', 'source-layer': 'land', paint: { 'fill-color': '#f4f1e8' } },
      { id: 'areas-2025', type: 'fill', source: 'areas', 'source-layer': 'areas_2025',
        paint: { 'fill-color': '#7aa6c2', 'fill-opacity': 0.15 } },
      { id: 'areas-pre2025', type: 'line', source: 'areas', 'source-layer': 'areas_pre2025',
        paint: { 'line-color': '#b07a3b', 'line-width': 0.6, 'line-dasharray': [2, 2] } },
      { id: 'boundaries', type: 'line', source: 'base', 'source-layer': 'boundaries',
        paint: { 'line-color': '#55606b', 'line-width': ['match', ['get', 'level'], 'province', 2, 1] } },
      { id: 'area-labels', type: 'circle', source: 'areas', 'source-layer': 'area_labels',
        paint: { 'circle-radius': 2, 'circle-color': '#55606b' } },
      { id: 'clusters', type: 'circle', source: 'institutions', 'source-layer': 'institutions',
        filter: ['==', ['get', 'cluster'], true],
        paint: { 'circle-color': '#d9480f', 'circle-opacity': 0.85,
                  'circle-radius': ['interpolate', ['linear'], ['get', 'point_count'], 2, 10, 100, 24] } },
      { id: 'institutions', type: 'circle', source: 'institutions', 'source-layer': 'institutions',
        filter: ['==', ['get', 'cluster'], false],
        paint: { 'circle-color': '#1864ab', 'circle-radius': 6, 'circle-stroke-width': 1.5, 'circle-stroke-color': '#fff' } },
    ],
  },
});

const layerIds = ['land', 'areas-2025', 'areas-pre2025', 'boundaries', 'area-labels', 'clusters', 'institutions'];
window.tilesTest = {
  map,
  idle: false,
  counts() {
    const out = {};
    for (const id of layerIds) out[id] = map.queryRenderedFeatures({ layers: [id] }).length;
    return out;
  },
};
map.once('idle', () => { window.tilesTest.idle = true; });

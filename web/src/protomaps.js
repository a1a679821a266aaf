// The OpenStreetMap base map's style, drawn when the server has a PMTiles base map
// archive (`--basemap FILE.pmtiles`, listed as `basemap` in `/tiles`): the layers of
// @protomaps/basemaps (pinned in package.json, bundled here: no CDN), light flavour,
// names in the page's language. Its own bundle (dist/protomaps.js), loaded only then, so
// a map without an archive downloads none of it.
//
// No sprite and no glyph server: icons are left out of the layers (their text stays),
// and MapLibre draws the text with the device's fonts, as for our own layers.
import { layers, namedFlavor } from '@protomaps/basemaps';

export function basemapLayers(source, lang) {
  return layers(source, namedFlavor('light'), { lang }).map((layer) => {
    if (!layer.layout || !('icon-image' in layer.layout)) return layer;
    const layout = { ...layer.layout };
    for (const key of Object.keys(layout)) if (key.startsWith('icon-')) delete layout[key];
    return { ...layer, layout };
  });
}

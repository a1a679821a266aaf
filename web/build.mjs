// Builds dist/ from src/: one minified ES module per page (the map, the embed builder,
// the check page, the officials' pages), their stylesheets, MapLibre's worker beside
// them, the labels' glyphs (fonts/), the tile test page's script and style as they
// are, and .br/.gz twins of each file so the server sends precompressed bytes. Pages keep no inline script or style: the
// server's Content-Security-Policy (src/api/edge/headers.rs) allows files of our own only.
// Run by `npm ci` (postinstall) and `npm run build`.
import { build } from 'esbuild';
import { copyFileSync, cpSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

const here = dirname(fileURLToPath(import.meta.url));
const dist = join(here, 'dist');
rmSync(dist, { recursive: true, force: true });
mkdirSync(dist, { recursive: true });

await build({
  absWorkingDir: here,
  entryPoints: [
    { in: 'src/main.js', out: 'map' },
    { in: 'src/builder.js', out: 'builder' },
    // The OpenStreetMap base map's style, imported by the map only when there is one.
    { in: 'src/protomaps.js', out: 'protomaps' },
    // A static site's backend (vetmap export --site), imported by the map only there.
    { in: 'src/static/main.js', out: 'static' },
    { in: 'src/app.css', out: 'style' },
    { in: 'src/verify.js', out: 'verify' },
    { in: 'src/verify.css', out: 'verify' },
    // The officials' pages: their own bundle, never loaded by the public map.
    { in: 'src/admin/main.js', out: 'admin' },
    { in: 'src/admin/admin.css', out: 'admin-style' },
  ],
  outdir: dist,
  bundle: true,
  minify: true,
  format: 'esm',
  target: ['es2022'],
  sourcemap: false,
  legalComments: 'eof',
  logLevel: 'warning',
});

copyFileSync(join(here, 'node_modules/maplibre-gl/dist/maplibre-gl-worker.mjs'), join(dist, 'maplibre-gl-worker.mjs'));
// Unbundled on purpose: the tile test page loads MapLibre's own distribution.
for (const name of ['test-tiles.js', 'test-tiles.css']) copyFileSync(join(here, 'src', name), join(dist, name));

// The labels' glyphs (scripts/glyphs.sh writes them), served at /fonts/{fontstack}/{range}.pbf.
cpSync(join(here, 'fonts'), join(dist, 'fonts'), { recursive: true, filter: (src) => !src.endsWith('.txt') });

for (const name of readdirSync(dist, { recursive: true })) {
  const path = join(dist, name);
  if (!statSync(path).isFile()) continue;
  const bytes = readFileSync(path);
  writeFileSync(`${path}.br`, brotliCompressSync(bytes, {
    params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: bytes.length },
  }));
  writeFileSync(`${path}.gz`, gzipSync(bytes, { level: 9 }));
}
console.log(`vetmap web: built ${readdirSync(dist).filter((n) => !/\.(br|gz)$/.test(n)).join(', ')} in web/dist/`);

// Builds dist/ from src/: one minified ES module per page (the map, the embed builder,
// the officials' pages), a stylesheet for the map and one for the officials' pages, MapLibre's worker beside them, and .br/.gz twins of each file so the
// server sends precompressed bytes. Run by `npm ci` (postinstall) and `npm run build`.
import { build } from 'esbuild';
import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

const here = dirname(fileURLToPath(import.meta.url));
const dist = join(here, 'dist');
rmSync(dist, { recursive: true, force: true });
mkdirSync(dist, { recursive: true });

await build({
  absWorkingDir: here,
  entryPoints: {
    map: 'src/main.js',
    builder: 'src/builder.js',
    style: 'src/app.css',
    // The officials' pages: their own bundle, never loaded by the public map.
    admin: 'src/admin/main.js',
    'admin-style': 'src/admin/admin.css',
  },
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

for (const name of readdirSync(dist)) {
  const path = join(dist, name);
  const bytes = readFileSync(path);
  writeFileSync(`${path}.br`, brotliCompressSync(bytes, {
    params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: bytes.length },
  }));
  writeFileSync(`${path}.gz`, gzipSync(bytes, { level: 9 }));
}
console.log(`vetmap web: built ${readdirSync(dist).filter((n) => !/\.(br|gz)$/.test(n)).join(', ')} in web/dist/`);

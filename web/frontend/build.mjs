// Bundles the modeler and the viewer into web/static/dist (run by the Makefile: npm run build).
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const here = path.dirname(fileURLToPath(import.meta.url));
const out = path.join(here, '..', 'static', 'dist');

await build({
  entryPoints: {
    modeler: path.join(here, 'modeler.js'),
    viewer: path.join(here, 'viewer.js'),
    'modeler-style': path.join(here, 'modeler.css'),
    'viewer-style': path.join(here, 'viewer.css'),
    'dmn-editor': path.join(here, 'dmn-editor.js'),
    'dmn-editor-style': path.join(here, 'dmn-editor.css'),
    charts: path.join(here, 'charts.js'),
  },
  outdir: out,
  bundle: true,
  minify: true,
  sourcemap: true,
  format: 'iife',
  target: ['chrome110', 'firefox110', 'safari16'],
  loader: { '.woff': 'file', '.woff2': 'file', '.ttf': 'file', '.eot': 'file', '.svg': 'file' },
  assetNames: 'assets/[name]-[hash]',
  legalComments: 'linked',
  logLevel: 'warning',
});
console.log(`bundles written to ${path.relative(process.cwd(), out)}`);

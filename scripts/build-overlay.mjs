// Bundles the browser overlay (src/overlay) into public/tandem.js with esbuild.
import { existsSync } from 'node:fs';
import { build } from 'esbuild';

const entry = 'src/overlay/main.ts';
if (!existsSync(entry)) {
  console.log('build-overlay: no overlay source yet, nothing to bundle');
  process.exit(0);
}
await build({
  entryPoints: [entry],
  bundle: true,
  format: 'iife',
  target: ['es2020'],
  minify: process.argv.includes('--minify'),
  sourcemap: true,
  outfile: 'public/tandem.js',
  logLevel: 'warning',
});
console.log('build-overlay: public/tandem.js');

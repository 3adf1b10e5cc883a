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
// Language packs, apart from tandem.js: a page loads only its own language (English is built in).
for (const lang of ['de', 'fr']) {
  await build({
    entryPoints: [`src/overlay/i18n-packs/${lang}.ts`],
    bundle: true,
    format: 'iife',
    target: ['es2020'],
    minify: process.argv.includes('--minify'),
    outfile: `public/tandem-i18n/${lang}.js`,
    logLevel: 'warning',
  });
}
console.log('build-overlay: public/tandem.js, public/tandem-i18n/{de,fr}.js');

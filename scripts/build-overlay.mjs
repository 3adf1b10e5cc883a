// Bundles the browser overlay (src/overlay) into public/tandem.js with esbuild.
import { existsSync } from 'node:fs';
import { build } from 'esbuild';
import { overlayOptions } from './overlay-build.mjs';

const entry = 'src/overlay/main.ts';
if (!existsSync(entry)) {
  console.log('build-overlay: no overlay source yet, nothing to bundle');
  process.exit(0);
}
const minify = process.argv.includes('--minify');
await build({ entryPoints: [entry], ...overlayOptions(minify), sourcemap: true, outfile: 'public/tandem.js' });
// Language packs, apart from tandem.js: a page loads only its own language (English is built in).
for (const lang of ['de', 'fr']) {
  await build({ entryPoints: [`src/overlay/i18n-packs/${lang}.ts`], ...overlayOptions(minify), outfile: `public/tandem-i18n/${lang}.js` });
}
// Widget adapter packs, loaded only by the pages whose widgets they bind (src/overlay/core/packs.ts).
for (const pack of ['django', 'mui']) {
  await build({ entryPoints: [`src/overlay/adapter-packs/${pack}.ts`], ...overlayOptions(minify), outfile: `public/tandem-adapters/${pack}.js` });
}
// The call panel and WebRTC, loaded the first time a call is started or rings (src/overlay/calls/index.ts).
await build({ entryPoints: ['src/overlay/call-pack/index.ts'], ...overlayOptions(minify), outfile: 'public/tandem-calls.js' });
console.log('build-overlay: public/tandem.js, public/tandem-i18n/{de,fr}.js, public/tandem-adapters/{django,mui}.js, public/tandem-calls.js');

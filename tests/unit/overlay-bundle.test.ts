// The overlay's size budget (issue 10): tandem.js, minified as `npm run build` ships it, stays
// within 60 KB gzipped; a language pack is a few KB. Built in memory with the build script's options.
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
// @ts-expect-error: a plain ES module of the build scripts, without types
import { overlayOptions } from '../../scripts/overlay-build.mjs';

const gzipped = async (entry: string) => {
  const r = await build({ entryPoints: [entry], ...overlayOptions(true), write: false, logLevel: 'silent' });
  return gzipSync(r.outputFiles![0]!.contents).length;
};

describe('overlay bundle size', () => {
  it('tandem.js is at most 60 KB gzipped; each language or adapter pack at most 5 KB', async () => {
    expect(await gzipped('src/overlay/main.ts')).toBeLessThanOrEqual(60_000);
    for (const lang of ['de', 'fr']) expect(await gzipped(`src/overlay/i18n-packs/${lang}.ts`)).toBeLessThanOrEqual(5_000);
    // Django admin's and Material UI's widget adapters, loaded only by pages that draw them.
    for (const pack of ['django', 'mui']) expect(await gzipped(`src/overlay/adapter-packs/${pack}.ts`)).toBeLessThanOrEqual(5_000);
  });

  it('the call pack (tandem-calls.js: panel and WebRTC, loaded when a call starts or rings) is at most 8 KB gzipped, and none of it is in tandem.js', async () => {
    // Measured when it was split out (issue 16): 5,163 bytes; tandem.js grew by 314 bytes (the Call tool, the ring listener, two catalog keys).
    expect(await gzipped('src/overlay/call-pack/index.ts')).toBeLessThanOrEqual(8_000);
    const main = await build({ entryPoints: ['src/overlay/main.ts'], ...overlayOptions(true), write: false, logLevel: 'silent', metafile: true });
    const inputs = Object.keys(main.metafile!.inputs);
    expect(inputs.filter((f) => f.includes('call-pack/'))).toEqual([]);
    expect(inputs.some((f) => f.includes('overlay/calls/index.ts'))).toBe(true);
  });
});

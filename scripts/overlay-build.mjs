// The overlay's esbuild options, shared by the build script and the bundle-size test: what is
// measured is what ships.
import { readFile } from 'node:fs/promises';
import { transform } from 'esbuild';

/**
 * The overlay's CSS lives in template literals (`const fooCss = \`…\``, added to the shadow root
 * at run time): minified here with esbuild's CSS minifier, which JS minification leaves alone.
 * Only literals without `${…}` are touched.
 */
const minifyCssLiterals = {
  name: 'minify-css-literals',
  setup(b) {
    b.onLoad({ filter: /src[\\/]overlay[\\/].*\.ts$/ }, async (args) => {
      let source = await readFile(args.path, 'utf8');
      const found = [...source.matchAll(/((?:Css|CSS) = )`([^`$]*)`/g)];
      for (const m of found.reverse()) {
        const css = (await transform(m[2], { loader: 'css', minify: true, logLevel: 'silent' })).code.trim();
        source = source.slice(0, m.index) + m[1] + JSON.stringify(css) + source.slice(m.index + m[0].length);
      }
      return { contents: source, loader: 'ts' };
    });
  },
};

export const overlayOptions = (minify) => ({
  bundle: true,
  format: 'iife',
  target: ['es2020'],
  minify,
  // Always, so the browser tests run the CSS that ships.
  plugins: [minifyCssLiterals],
  logLevel: 'warning',
});

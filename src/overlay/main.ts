// The overlay bundle's entry (scripts/build-overlay.mjs → public/tandem.js).
// Each module registers itself when imported: add ONE import line per module, below.
import { boot } from './core/boot.js';
import './presence/index.js';
import './fields/index.js';
import './chat/index.js';
import './work/index.js';

const start = () => void boot().catch((err) => console.error('tandem: failed to start', err));
// Host pages enhance their controls in ready handlers (select2, datepickers): start after them,
// so each field is found with its widget. `load` is the fallback for a tag added after
// DOMContentLoaded; boot() runs once whichever comes first.
if (document.readyState === 'complete') start();
else {
  document.addEventListener('DOMContentLoaded', () => setTimeout(start, 0), { once: true });
  window.addEventListener('load', start, { once: true });
}

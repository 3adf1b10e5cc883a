// The overlay bundle's entry (scripts/build-overlay.mjs → public/tandem.js).
// Each module registers itself when imported: add ONE import line per module, below.
import { boot } from './core/boot.js';
import './presence/index.js';
import './fields/index.js';
import './chat/index.js';
import './work/index.js';

const start = () => void boot().catch((err) => console.error('tandem: failed to start', err));
if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start, { once: true });
else start();

// The overlay bundle's entry (scripts/build-overlay.mjs → public/tandem.js).
// Each module registers itself when imported: add ONE import line per module, below.
import { boot } from './core/boot.js';
import { installHostApi } from './core/follow.js';
import './presence/index.js';
import './fields/index.js';
import './chat/index.js';
import './work/index.js';

// Callable as soon as tandem.js ran (before the overlay joined): window.Tandem.setPage / setForm / saved.
installHostApi(async (values) => (await window.tandem?.ctx.use<{ saved(v?: Record<string, unknown>): Promise<boolean> }>('fields')?.saved(values)) ?? false);

const start = () => void boot().catch((err) => console.error('tandem: failed to start', err));

/**
 * Host pages enhance their controls in ready handlers (select2, datepickers): start after them,
 * so each field is found with its widget. jQuery runs its ready handlers after DOMContentLoaded,
 * in the order they were registered, so ours is queued behind the host's on every jQuery copy
 * (Django admin keeps its own as django.jQuery); then one more task for handlers that defer.
 */
const afterHostReady = () => {
  const copies = [window.jQuery, window.django?.jQuery].filter((j, i, all): j is (fn: () => void) => unknown => typeof j === 'function' && all.indexOf(j) === i);
  let waiting = copies.length;
  if (waiting === 0) return void setTimeout(start, 0);
  for (const jq of copies) jq(() => --waiting === 0 && setTimeout(start, 0));
};
// `load` is the fallback for a tag added after DOMContentLoaded; boot() runs once whichever comes first.
if (document.readyState === 'complete') afterHostReady();
else {
  document.addEventListener('DOMContentLoaded', afterHostReady, { once: true });
  window.addEventListener('load', afterHostReady, { once: true });
}

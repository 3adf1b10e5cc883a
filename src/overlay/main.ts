// The overlay bundle's entry (scripts/build-overlay.mjs → public/tandem.js).
// Each module registers itself when imported: add ONE import line per module, below.
import { boot } from './core/boot.js';
import { installHostApi } from './core/follow.js';
import { isDjangoAdmin } from './core/packs.js';
import './presence/index.js';
import './fields/index.js';
import './chat/index.js';
import './work/index.js';
import './calls/index.js';

// Callable as soon as tandem.js ran (before the overlay joined): window.Tandem.setPage / setForm / saved.
installHostApi(async (values) => (await window.tandem?.ctx.use<{ saved(v?: Record<string, unknown>): Promise<boolean> }>('fields')?.saved(values)) ?? false);

const start = () => void boot().catch((err) => console.error('tandem: failed to start', err));

/**
 * Host pages enhance their controls in ready handlers (select2, datepickers) and some only on
 * `load` (Django admin's SelectFilter2 and calendar shortcuts): start after both, so each field is
 * found with its widget the first time. Mounting before `load` made the follower see new controls
 * and mount again a moment later, leaving and re-joining the room (an edit, a conflict dialog or
 * a just-read room state belonged to the mount that went away). jQuery runs its ready handlers
 * after DOMContentLoaded in the order they were registered, so ours is queued behind the host's
 * on every jQuery copy (Django admin keeps its own as django.jQuery); then one more task for
 * handlers that defer. A page whose `load` is held up (a slow image) gets LOAD_WAIT_MS, then the
 * overlay starts and follows later widgets as a single-page app's form changes.
 */
// 10 s: a busy server can take several seconds to serve an admin page's scripts and styles, and
// starting before them means mounting twice (3 s looked too short for Django admin on a loaded machine).
const LOAD_WAIT_MS = 10_000;
const afterHostReady = (then: () => void) => {
  const copies = [window.jQuery, window.django?.jQuery].filter((j, i, all): j is (fn: () => void) => unknown => typeof j === 'function' && all.indexOf(j) === i);
  let waiting = copies.length;
  if (waiting === 0) return void setTimeout(then, 0);
  for (const jq of copies) jq(() => --waiting === 0 && setTimeout(then, 0));
};
const afterLoad = (then: () => void) => {
  if (document.readyState === 'complete') return void setTimeout(then, 0);
  let done = false;
  const once = () => void (done || ((done = true), setTimeout(then, 0)));
  window.addEventListener('load', once, { once: true });
  // Django admin always starts SelectFilter2 and its calendars on load: no cap there.
  if (!isDjangoAdmin(document)) setTimeout(once, LOAD_WAIT_MS);
};
// A tag added after DOMContentLoaded (readyState "interactive" or "complete") starts from where the page is.
const whenHostReady = () => afterHostReady(() => afterLoad(start));
if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', whenHostReady, { once: true });
else whenHostReady();

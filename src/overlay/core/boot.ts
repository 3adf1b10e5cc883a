import { type OverlayConfig, readConfig } from './config.js';
import { createConnection } from './connection.js';
import { createEmitter } from './emitter.js';
import { t, useLanguage } from './i18n.js';
import { followPage, type PageSnapshot, samePlace, snapshot } from './follow.js';
import { useAdapterPacks } from './packs.js';
import { createFieldRegistry, pageContext } from './page.js';
import { hostWritesSettled } from './requests.js';
import { recordGlobals } from './scope.js';
import { registeredModules } from './registry.js';
import type { OverlayContext, OverlayEvents, RoomState } from './types.js';
import { createUi } from './ui.js';

declare global {
  interface Window {
    /** Set once the overlay booted; for debugging and tests. */
    tandem?: { ctx: OverlayContext; stop(): void };
  }
}

/**
 * Reads the script tag, then mounts on the page: builds the context, initialises every registered
 * module, connects. A single-page app's new route ends that mount and starts the next (follow.ts),
 * so each room's fields, presence and chat are the page's own; a form drawn, redrawn or changed on
 * the same route is bound again in place (`rebind`).
 */
let booting = false;

export async function boot(doc: Document = document): Promise<void> {
  if (booting || window.tandem) return; // included twice, or started by a later event
  booting = true;
  const config = readConfig(doc);
  if (!config) return;
  await Promise.all([useLanguage(config.lang, config.serverUrl), useAdapterPacks(doc, config.serverUrl)]);
  let mounted: Mounted | null = null;
  let current = snapshot(doc, config);
  // One mount at a time: a navigation during a mount waits for it, then looks again.
  let queue: Promise<void> = Promise.resolve();
  const remount = (next: PageSnapshot) => {
    current = next;
    queue = queue.then(async () => {
      const on = current;
      await useAdapterPacks(doc, config.serverUrl); // an app may draw Material UI only now
      // The same page with its form redrawn: the fields are bound again in place, on the same
      // connection and room membership (nobody sees us leave; an open dialog or panel stays).
      if (mounted && samePlace(mounted.page, on)) return mounted.rebind(on);
      if (mounted) {
        // A save still on its way belongs to the room being left: let it tell that room first.
        await hostWritesSettled(10_000);
        await mounted.stop();
      }
      mounted = await mount(doc, config, on);
    });
  };
  const unfollow = followPage(doc, config, () => current, remount);
  remount(current);
  await queue;
  stopAll = () => {
    unfollow();
    void mounted?.stop();
    mounted = null;
    delete window.tandem;
    booting = false;
  };
}
let stopAll: () => void = () => undefined;

interface Mounted {
  readonly page: PageSnapshot;
  /** The form changed on the same page: the registry reads it again, modules hear `fields`, the room is joined again. */
  rebind(page: PageSnapshot): Promise<void>;
  /** Leaves the room, then disconnects and disposes every module. */
  stop(): Promise<void>;
}

async function mount(doc: Document, config: OverlayConfig, page: PageSnapshot): Promise<Mounted> {
  const fields = createFieldRegistry(page.form);
  const events = createEmitter<OverlayEvents>();
  const ui = createUi(doc, fields, { theme: config.theme });
  const conn = createConnection({
    serverUrl: config.serverUrl,
    tokenUrl: config.tokenUrl,
    events,
    context: () => pageContext(doc, fields, page.key, page.title),
  });
  events.on('connection', ({ state }) => ui.setConnection(state));
  events.on('joined', ({ room, rejoin }) => {
    ui.setUser(conn.user?.id ?? null);
    ui.setUnavailable(null);
    if (!rejoin) explainJoined(room, fields.all().length);
  });
  events.on('joinFailed', (e) => {
    ui.setUser(conn.user?.id ?? null);
    const known = e.code === 'forbidden' || e.code === 'validation_failed' || e.code === 'rate_limited';
    ui.setUnavailable(known ? t(`why.${e.code}` as 'why.forbidden') : t('why.other', { message: e.message }));
  });

  const services = new Map<string, unknown>();
  const ctx: OverlayContext = {
    socket: conn.socket,
    request: (event, payload, timeoutMs) => conn.request(event, payload, timeoutMs),
    get room() {
      return conn.room;
    },
    get user() {
      return conn.user;
    },
    get connection() {
      return conn.state;
    },
    fields,
    ui,
    events,
    getToken: conn.getToken,
    provide: (name, service) => void services.set(name, service),
    use: <T>(name: string) => services.get(name) as T | undefined,
    serverUrl: config.serverUrl,
  };

  const disposers: Array<() => void> = [];
  for (const m of registeredModules()) {
    try {
      const { result, undo } = recordGlobals(() => m.init(ctx));
      disposers.push(undo);
      const d = await result;
      if (typeof d === 'function') disposers.push(d);
    } catch (err) {
      console.error(`tandem: module "${m.name}" failed to start`, err);
    }
  }
  const stop = async () => {
    await conn.leave();
    conn.stop();
    for (const d of disposers.reverse()) d();
    ui.dispose();
  };
  let shown = page;
  const rebind = async (next: PageSnapshot) => {
    const retitled = next.title !== shown.title;
    shown = next;
    const changes = fields.replace(next.form);
    const changed = changes.added.length > 0 || changes.removed.length > 0 || changes.moved.length > 0 || changes.formChanged;
    if (changed) events.emit('fields', changes);
    if (changed || retitled) await conn.rejoin();
  };
  window.tandem = { ctx, stop: () => stopAll() };
  conn.start();
  return {
    get page() {
      return shown;
    },
    rebind,
    stop,
  };
}

/** One line in the console when the overlay joined but cannot co-edit (it used to say nothing). */
function explainJoined(room: RoomState, fieldCount: number): void {
  if (fieldCount === 0) {
    console.warn(`tandem: in room "${room.pageKey}" for presence and chat, but not co-editing: no form with fields found on this page (point at it with data-form or Tandem.setForm)`);
  } else if (!room.permissions.includes('write')) {
    console.warn(`tandem: in room "${room.pageKey}" read-only: no write permission on this page, so nobody sees your edits`);
  }
}

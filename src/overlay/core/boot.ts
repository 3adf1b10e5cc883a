import { readConfig } from './config.js';
import { createConnection } from './connection.js';
import { createEmitter } from './emitter.js';
import { t, useLanguage } from './i18n.js';
import { createFieldRegistry, findForm, pageContext } from './page.js';
import { registeredModules } from './registry.js';
import type { OverlayContext, OverlayEvents } from './types.js';
import { createUi } from './ui.js';

declare global {
  interface Window {
    /** Set once the overlay booted; for debugging and tests. */
    tandem?: { ctx: OverlayContext; stop(): void };
  }
}

/** Reads the script tag, builds the context, initialises every registered module, connects. */
let booting = false;

export async function boot(doc: Document = document): Promise<void> {
  if (booting || window.tandem) return; // included twice, or started by a later event
  booting = true;
  const config = readConfig(doc);
  if (!config) return;
  await useLanguage(config.lang, config.serverUrl);
  const fields = createFieldRegistry(findForm(doc, config.form));
  const events = createEmitter<OverlayEvents>();
  const ui = createUi(doc, fields, { theme: config.theme });
  const conn = createConnection({
    serverUrl: config.serverUrl,
    tokenUrl: config.tokenUrl,
    events,
    context: () => pageContext(doc, fields, config.room),
  });
  events.on('connection', ({ state }) => ui.setConnection(state));
  events.on('joined', () => (ui.setUser(conn.user?.id ?? null), ui.setUnavailable(null)));
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
      const d = await m.init(ctx);
      if (typeof d === 'function') disposers.push(d);
    } catch (err) {
      console.error(`tandem: module "${m.name}" failed to start`, err);
    }
  }
  window.tandem = {
    ctx,
    stop() {
      conn.stop();
      for (const d of disposers.reverse()) d();
      ui.dispose();
      delete window.tandem;
    },
  };
  conn.start();
}

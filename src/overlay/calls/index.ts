// Calls: only the Call tool and the ring listener live in tandem.js; the panel and all WebRTC code
// are the call pack (public/tandem-calls.js), loaded the first time a call is started or rings.
import { errorText, language, t } from '../core/i18n.js';
import { loadPack } from '../core/packs.js';
import { registerModule } from '../core/registry.js';
import type { CallPack, CallService, StartCallPack } from './types.js';

registerModule({
  name: 'calls',
  init(ctx) {
    let pack: Promise<CallPack | null> | undefined;
    const w = window as { tandemCallPack?: StartCallPack };
    const tool = ctx.ui.addToolbarButton({ id: 'call', label: t('calls.call'), text: t('calls.call'), onClick: () => call({}) });
    const load = () =>
      (pack ??= (w.tandemCallPack ? Promise.resolve(true) : loadPack(`${ctx.serverUrl}/tandem-calls.js`)).then((ok) => {
        if (ok && w.tandemCallPack) return w.tandemCallPack(ctx, { lang: language(), errorText, tool });
        pack = undefined;
        ctx.ui.toast(errorText({ code: 'unavailable', message: 'Calls could not be loaded; try again' }), { kind: 'error' });
        return null;
      }));
    const call = (o: { helpRequestId?: string }) => void load().then((p) => p?.call(o));
    ctx.provide<CallService>('calls', { call });
    ctx.socket.on('call:ring', (p) => void load().then((x) => x?.ring(p)));
    return () => void pack?.then((p) => p?.dispose());
  },
});

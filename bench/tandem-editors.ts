// Tandem's side of the co-editing workload (bench/coedit-load.ts): an editor is a WireSocket that
// joins `/admin/bench/doc/<tag>-<doc>/change/` with the 2 KB text and sends inserts as `field:op`.
// Shared by the one-instance bench (20-coedit) and the cluster bench (25-cluster), which gives
// each editor its own instance's URL.
import { type ConnectEditor, editorLink, INITIAL_TEXT } from './coedit-load.js';
import { WireSocket } from './wire-client.js';

/**
 * Tandem's editors. `base`: the server's URL, or which server editor n connects to (several
 * instances behind one Redis and one database). `tokens[n]` is editor n's user token.
 */
export function tandemEditors(base: string | ((n: number) => string), tokens: string[], tag: string): ConnectEditor {
  const urlOf = typeof base === 'string' ? () => base : base;
  return async (n, doc, clientId, measured, hooks) => {
    const s = await WireSocket.connect(urlOf(n), { auth: { token: tokens[n], protocol: 1 } });
    const r = await s.emitWithAck<{ ok: boolean; roomId: string; document: { fields: { notes: { value: string; version: number } } } }>(
      'room:join',
      { context: { url: `/admin/bench/doc/${tag}-${doc}/change/`, title: 'Bench', fields: [{ name: 'notes', kind: 'textarea', value: INITIAL_TEXT }] } },
      30_000,
    );
    if (!r.ok) throw new Error(`join failed: ${JSON.stringify(r)}`);
    s.onRaw('field:ops', (frame) => {
      hooks.frame();
      // Ops are in version order: the last version in the frame is the newest.
      const at = frame.lastIndexOf('"version":');
      hooks.seen(Number(/^\d+/.exec(frame.slice(at + 10, at + 24))?.[0]));
    });
    if (measured) s.on('field:ops', (m: { ops: Array<{ clientId: string; seq: number }> }) => m.ops.forEach((o) => hooks.delivered(o.clientId, o.seq)));
    const link = editorLink(s, (pos, text, baseVersion, seq, done) => {
      s.emit('field:op', { roomId: r.roomId, field: 'notes', baseVersion, op: pos > 0 ? [pos, text] : [text], clientId, seq }, (err, res: { ok: boolean; version: number; error?: unknown }) => {
        if (err) return done(err.message);
        if (!res.ok) return done(`refused: ${JSON.stringify(res.error)}`);
        done(null, res.version);
      });
    });
    return { link, version: r.document.fields.notes.version };
  };
}

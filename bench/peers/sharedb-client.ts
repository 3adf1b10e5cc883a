// The co-edit bench's editor for the ShareDB peer (bench/peers/sharedb-server.mjs), speaking
// ShareDB's wire protocol itself over `ws` as WireSocket does Socket.IO's for Tandem: handshake
// `hs` (our clientId as the agent's src, so ShareDB skips echoing our own ops to us), subscribe
// `s`, submit `op` with src/seq/v; the server acks with the op's version and no `op`, and sends
// others' ops (with `op`) to subscribers. The first editor of a document creates it with the 2 KB
// text. An op message's `v` is the version it applied at, so the document is at v + 1 after it.
import WebSocket from 'ws';
import { type ConnectEditor, editorLink, INITIAL_TEXT } from '../coedit-load.js';

const COLLECTION = 'docs';
const TEXT_UNICODE = 'http://sharejs.org/types/text-unicode';

interface Message {
  a: string;
  c?: string;
  d?: string;
  v?: number;
  src?: string;
  seq?: number;
  op?: unknown;
  data?: { v: number };
  error?: { code: string; message: string };
}

/** A connected, handshaken ShareDB agent: one request/reply at a time until `onMessage` takes over. */
class ShareDbSocket {
  closeReason: string | null = null;
  private waiting: ((m: Message) => void) | null = null;
  onMessage: (m: Message) => void = () => undefined;

  private constructor(private readonly ws: WebSocket) {
    ws.on('message', (data) => {
      const m = JSON.parse((data as Buffer).toString()) as Message;
      if (m.a === 'init') return; // the legacy greeting, before our handshake
      const w = this.waiting;
      if (w) return (this.waiting = null), w(m);
      this.onMessage(m);
    });
    ws.on('close', (code) => (this.closeReason ??= `transport close ${code}`));
    ws.on('error', (err) => (this.closeReason ??= `transport error: ${err.message}`));
  }

  static async connect(url: string, clientId: string): Promise<ShareDbSocket> {
    const ws = new WebSocket(url.replace(/^http/, 'ws'), { perMessageDeflate: false });
    await new Promise((resolve, reject) => (ws.once('open', resolve), ws.once('error', reject)));
    const s = new ShareDbSocket(ws);
    await s.request({ a: 'hs', protocol: 1, protocolMinor: 2, id: clientId });
    return s;
  }

  get isConnected(): boolean {
    return this.closeReason === null && this.ws.readyState === WebSocket.OPEN;
  }

  send(m: Record<string, unknown>): void {
    this.ws.send(JSON.stringify(m));
  }

  /** Sends `m` and resolves with the next message (the reply: nothing else is subscribed yet). */
  request(m: Record<string, unknown>): Promise<Message> {
    return new Promise((resolve, reject) => {
      this.waiting = (r) => (r.error ? reject(new Error(`sharedb ${String(m.a)}: ${r.error.message}`)) : resolve(r));
      this.send(m);
    });
  }

  close(): void {
    this.closeReason ??= 'closed by client';
    this.ws.close();
  }
}

/** Connects editors to the ShareDB peer at `url`; documents are named after `tag` and their index. */
export function sharedbEditors(url: string, tag: string): ConnectEditor {
  const created = new Map<number, Promise<void>>();
  return async (_n, doc, clientId, measured, hooks) => {
    const s = await ShareDbSocket.connect(url, clientId);
    const d = `${tag}-${doc}`;
    // The creator submits its create as seq 0, so the driver's seqs (from 1) stay distinct.
    let creator = false;
    if (!created.has(doc)) {
      creator = true;
      created.set(
        doc,
        (async () => {
          await s.request({ a: 's', c: COLLECTION, d });
          await s.request({ a: 'op', c: COLLECTION, d, v: 0, seq: 0, create: { type: TEXT_UNICODE, data: INITIAL_TEXT } });
        })(),
      );
    }
    await created.get(doc);
    const version = creator ? 1 : (await s.request({ a: 's', c: COLLECTION, d })).data!.v;
    let latest = version;
    const acks = new Map<number, (err: string | null, version?: number) => void>();
    s.onMessage = (m) => {
      if (m.a !== 'op') return;
      if (m.error) {
        const done = acks.get(m.seq!);
        acks.delete(m.seq!);
        return done?.(`${m.error.code}: ${m.error.message}`);
      }
      if (!('op' in m)) {
        // The ack of our op: it applied at m.v.
        const done = acks.get(m.seq!);
        acks.delete(m.seq!);
        latest = Math.max(latest, m.v! + 1);
        return done?.(null, m.v! + 1);
      }
      // ShareDB sends the ops a submit was behind by both in its reply and down the subscription;
      // a ShareDB client drops the second copy by version, and so does this one.
      if (m.v! < latest) return;
      latest = m.v! + 1;
      hooks.frame();
      hooks.seen(m.v! + 1);
      if (measured) hooks.delivered(m.src!, m.seq!);
    };
    const link = editorLink(s, (pos, text, baseVersion, seq, done) => {
      acks.set(seq, done);
      s.send({ a: 'op', c: COLLECTION, d, v: baseVersion, seq, op: pos > 0 ? [pos, text] : [text] });
    });
    return { link, version };
  };
}

// Issue 15: a database outage is an outage, not a bug. Postgres is "stopped" (a TCP proxy in
// front of the real one is cut) while clients type, fetch, set values and chat: every failed ack
// answers `unavailable` with a retry hint, none `internal`; the server stays up, and once
// Postgres is back everything the clients retried is committed exactly once.
import type { Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, request } from '../helpers/clients.js';
import { createTenant, startTandem, type TestServer } from '../helpers/server.js';
import { createTestDatabase, hasPg, uniqueId } from '../helpers/services.js';
import { startTcpProxy, targetOf, type TcpProxy } from '../helpers/tcp-proxy.js';
import { Editor, joinForm, storedText } from './fields.harness.js';

const CLIENTS = 3;
type Failure = { event: string; code: string; retryAfterMs: unknown };

describe.skipIf(!hasPg)('Postgres stopped under load', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let pgProxy: TcpProxy;
  let srv: TestServer;
  let tenant: Awaited<ReturnType<typeof createTenant>>;

  beforeAll(async () => {
    db = await createTestDatabase();
    pgProxy = await startTcpProxy(targetOf(db.url));
    srv = await startTandem({ databaseUrl: pgProxy.rewrite(db.url), env: { RATE_LIMIT_PER_MINUTE: '100000', CHAT_SEND_BURST: '100000', CHAT_SEND_PER_SECOND: '10000' } });
    tenant = await createTenant(srv.app, uniqueId('pg'));
  });
  afterAll(async () => {
    pgProxy?.restore();
    await srv?.close();
    await pgProxy?.close();
    await db?.drop();
  });

  it('acks answer unavailable (with a retry hint), never internal; the server stays up and drains after', async () => {
    const url = `/admin/shop/order/${uniqueId()}/change/`;
    const fields = [
      { name: 'notes', kind: 'textarea', value: '' },
      { name: 'status', kind: 'select', value: 'new' },
    ];
    const sockets: Socket[] = [];
    const editors: Editor[] = [];
    let roomId = '';
    for (let i = 0; i < CLIENTS; i++) {
      const s = await connect(srv.url, await tenant.token(`u${i}`));
      const j = await joinForm(s, url, fields);
      roomId = j.roomId;
      sockets.push(s);
      editors.push(new Editor(s, j.roomId, 'notes', { text: '', version: j.document.fields.notes!.version }));
    }

    const failures: Failure[] = [];
    const acked = new Map<string, number>();
    const note = (event: string, r: { ok: boolean; error?: { code: string; details?: { retryAfterMs?: unknown } } }) => {
      if (r.ok) acked.set(event, (acked.get(event) ?? 0) + 1);
      else failures.push({ event, code: r.error!.code, retryAfterMs: r.error!.details?.retryAfterMs });
    };
    const typed: string[] = [];
    const chatAcked: string[] = [];
    let running = true;
    let n = 0;
    const load = editors.map(async (ed, i) => {
      const s = sockets[i]!;
      while (running) {
        const token = `<${i}:${n++}>`;
        typed.push(token);
        ed.edit([token]);
        const id = `m${i}-${n}`;
        const [fetched, sent, set] = await Promise.all([
          request(s, 'field:fetch', { roomId, field: 'notes', since: 0, snapshot: true }),
          request(s, 'chat:send', { roomId, body: id, clientMsgId: id }),
          request(s, 'field:set', { roomId, field: 'status', baseVersion: 0, value: `s${n}`, clientId: `set-client-${i}`, seq: n }),
        ]);
        note('field:fetch', fetched);
        note('chat:send', sent);
        if (sent.ok) chatAcked.push(id);
        // A stale base is a conflict, an answer about the data: only outages count here.
        if (set.ok || set.error.code !== 'version_conflict') note('field:set', set);
        await new Promise((r) => setTimeout(r, 20));
      }
    });

    await new Promise((r) => setTimeout(r, 500));
    pgProxy.cut();
    await new Promise((r) => setTimeout(r, 4_000));
    expect((await fetch(`${srv.url}/healthz`)).status).toBe(200);
    pgProxy.restore();
    await new Promise((r) => setTimeout(r, 1_500));
    running = false;
    await Promise.all(load);

    const opUnavailable = editors.reduce((k, e) => k + e.unavailable, 0);
    expect(failures.filter((f) => f.code !== 'unavailable')).toEqual([]);
    expect(failures.length + opUnavailable).toBeGreaterThan(0);
    expect(failures.every((f) => typeof f.retryAfterMs === 'number' && f.retryAfterMs > 0)).toBe(true);

    // Drains: every edit is committed once Postgres is back, exactly once, and every client converges.
    await Promise.all(editors.map((e) => e.settle(30_000)));
    expect(editors.flatMap((e) => e.errors)).toEqual([]);
    const stored = await storedText(srv, roomId, 'notes');
    for (const t of typed) expect(stored.text.split(t).length - 1, `token ${t}`).toBe(1);
    for (const e of editors) {
      await e.fetchMissing();
      expect(e.text).toBe(stored.text);
    }
    const { rows } = await srv.app.db.query<{ body: string }>(`SELECT body FROM chat_messages WHERE room_id = $1`, [roomId]);
    const bodies = new Set(rows.map((m) => m.body));
    expect(chatAcked.filter((id) => !bodies.has(id))).toEqual([]);
    console.log(`outage: ${JSON.stringify(Object.fromEntries(acked))} acked, ${failures.length + opUnavailable} unavailable (${opUnavailable} field:op), 0 internal`);
    // And it answers normally again.
    const after = await request(sockets[0]!, 'field:fetch', { roomId, field: 'notes', since: 0, snapshot: true });
    expect(after.ok).toBe(true);
    for (const s of sockets) s.close();
  }, 90_000);
});

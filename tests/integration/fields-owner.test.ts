// One writer per room across instances (issue 14): with Redis, a room's text ops are written by
// the instance that owns the room and forwarded there by the others, so the database's
// compare-and-set is a safety net, not the common path. When the owner is killed, the others take
// its rooms over: every acked op is kept, every resent one applied once.
import type { Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, request } from '../helpers/clients.js';
import { spawnTandem, type TandemProcess } from '../helpers/process.js';
import { createTestDatabase, hasPg, hasRedis, redisUrl, uniqueId } from '../helpers/services.js';
import { createTenant, startTandem, type TestServer } from '../helpers/server.js';
import { Editor, joinForm, newClientId, raceOnField, rng, storedText } from './fields.harness.js';

const until = async (what: string, ok: () => boolean | Promise<boolean>, ms = 20_000) => {
  for (const end = Date.now() + ms; !(await ok()); ) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
};

describe.skipIf(!hasPg || !hasRedis)('one writer per room across instances (Postgres, Redis)', () => {
  let a: TestServer;
  let b: TestServer;
  let drop: () => Promise<void>;
  let tenant: Awaited<ReturnType<typeof createTenant>>;
  beforeAll(async () => {
    const db = await createTestDatabase();
    drop = db.drop;
    a = await startTandem({ databaseUrl: db.url, redisUrl: redisUrl! });
    b = await startTandem({ databaseUrl: db.url, redisUrl: redisUrl! });
    tenant = await createTenant(a.app, uniqueId());
  });
  afterAll(async () => {
    await Promise.all([a?.close(), b?.close()]);
    await drop?.();
  });

  it("ops sent through both instances are committed by the room's owner alone, with no lost race", async () => {
    const url = `/admin/shop/order/${uniqueId()}/change/`;
    const fields = [{ name: 'notes', kind: 'textarea', value: '' }];
    const sockets = await Promise.all(Array.from({ length: 8 }, async (_, i) => connect((i % 2 ? b : a).url, await tenant.token(`u${i}`))));
    let roomId = '';
    for (const s of sockets) roomId = (await joinForm(s, url, fields)).roomId;
    // Both instances see each other and agree who owns the room.
    await until('both instances to agree on the owner', () => {
      const [ofA, ofB] = [a.app.realtime.peers.ownerOf(roomId), b.app.realtime.peers.ownerOf(roomId)];
      return (ofA === null) !== (ofB === null) && (ofA ?? a.app.realtime.instanceId) === (ofB ?? b.app.realtime.instanceId);
    });
    const before = { a: a.app.fields.opLog.stats.ops, b: b.app.fields.opLog.stats.ops, lost: a.app.fields.opLog.stats.lostRaces + b.app.fields.opLog.stats.lostRaces };
    expect(await raceOnField(a, sockets, roomId, 'notes', 25)).toEqual([]);
    // One instance committed all 200 (the other forwarded its half), and no batch lost the compare-and-set.
    const committed = [a.app.fields.opLog.stats.ops - before.a, b.app.fields.opLog.stats.ops - before.b].sort((x, y) => x - y);
    expect(committed).toEqual([0, 200]);
    expect(a.app.fields.opLog.stats.lostRaces + b.app.fields.opLog.stats.lostRaces - before.lost).toBe(0);
    for (const s of sockets) s.close();
  });

  it('a refusal by the owner reaches the sender on the other instance as the same typed error', async () => {
    const url = `/admin/shop/order/${uniqueId()}/change/`;
    const sa = await connect(a.url, await tenant.token('ra'));
    const sb = await connect(b.url, await tenant.token('rb'));
    const { roomId } = await joinForm(sa, url, [{ name: 'notes', kind: 'textarea', value: 'abc' }]);
    await joinForm(sb, url, [{ name: 'notes', kind: 'textarea', value: 'abc' }]);
    await until('an owner', () => a.app.realtime.peers.ownerOf(roomId) !== null || b.app.realtime.peers.ownerOf(roomId) !== null);
    const sender = a.app.realtime.peers.ownerOf(roomId) !== null ? sa : sb;
    // Retains past the end of a 3-character text: refused by the owner's validation.
    const r = await request(sender, 'field:op', { roomId, field: 'notes', baseVersion: 0, op: [10, 'x'], clientId: newClientId(), seq: 1 });
    expect(r).toMatchObject({ ok: false, error: { code: 'validation_failed' } });
    expect((await storedText(a, roomId, 'notes')).version).toBe(0);
    sa.close();
    sb.close();
  });
});

describe.skipIf(!hasPg || !hasRedis)('the room owner killed (SIGKILL) while people type', () => {
  let admin: TestServer;
  let drop: () => Promise<void>;
  let dbUrl: string;
  let tenant: Awaited<ReturnType<typeof createTenant>>;
  beforeAll(async () => {
    const db = await createTestDatabase();
    drop = db.drop;
    dbUrl = db.url;
    // Without Redis: it reads the database for the checks and is nobody's peer.
    admin = await startTandem({ databaseUrl: db.url });
    tenant = await createTenant(admin.app, uniqueId());
  });
  afterAll(async () => {
    await admin?.close();
    await drop?.();
  });

  it("the other instance takes the room over: nothing acked is lost or doubled", async () => {
    const procs: TandemProcess[] = [];
    const sockets: Socket[] = [];
    try {
      for (let k = 0; k < 2; k++) procs.push(await spawnTandem({ DATABASE_URL: dbUrl, REDIS_URL: redisUrl! }));
      const metric = async (p: TandemProcess, name: string) => Number(new RegExp(`^${name} (\\d+)`, 'm').exec(await (await fetch(`${p.url}/metrics`)).text())?.[1] ?? 0);
      await until('each process to see both', async () => (await Promise.all(procs.map((p) => metric(p, 'tandem_cluster_instances')))).every((n) => n === 2));
      const r = rng(Number(process.env.FIELDS_SEED ?? Math.floor(Math.random() * 2 ** 31)));
      const url = `/admin/shop/order/${uniqueId()}/change/`;
      const fields = [{ name: 'notes', kind: 'textarea', value: '' }];
      const editors: Editor[] = [];
      let roomId = '';
      for (let i = 0; i < 4; i++) {
        sockets[i] = await connect(procs[i % 2]!.url, await tenant.token(`k${i}`));
        const j = await joinForm(sockets[i]!, url, fields);
        roomId = j.roomId;
        editors.push(new Editor(sockets[i]!, roomId, 'notes', { text: '', version: j.document.fields.notes!.version }));
      }
      const typed: string[] = [];
      let typing = true;
      const typer = (async () => {
        for (let n = 0; typing; n++) {
          const i = r.int(4);
          const ed = editors[i]!;
          const token = `<${i}:${n}>`;
          typed.push(token);
          const bounds = [0, ...[...ed.text.matchAll(/>/g)].map((m) => m.index! + 1)];
          const at = r.pick(bounds);
          ed.edit(at > 0 ? [at, token] : [token]);
          await new Promise((res) => setTimeout(res, 2));
        }
      })();
      const acked = () => editors.reduce((n, e) => n + e.acked.length, 0);
      await until('30 acked ops', () => acked() >= 30, 30_000);
      // The owner is the process that committed the ops (the other forwarded its editors' ops).
      const ops = await Promise.all(procs.map((p) => metric(p, 'tandem_oplog_ops_total')));
      const victim = ops[0]! >= ops[1]! ? 0 : 1;
      expect(Math.min(...ops), 'the non-owner committed nothing itself').toBe(0);
      procs[victim]!.child.kill('SIGKILL');
      await procs[victim]!.exited;
      // The survivor's editors keep typing through the hand-off, now written by the survivor itself.
      const survivors = () => editors.filter((_, i) => i % 2 !== victim).reduce((n, e) => n + e.acked.length, 0);
      const atKill = survivors();
      await until('20 more ops acked on the survivor', () => survivors() >= atKill + 20, 30_000);
      typing = false;
      await typer;
      const before = editors.map((e) => [...e.acked]);
      for (let i = victim; i < 4; i += 2) {
        sockets[i]!.close();
        sockets[i] = await connect(procs[1 - victim]!.url, await tenant.token(`k${i}`));
        await joinForm(sockets[i]!, url, fields);
        await editors[i]!.resume(sockets[i]!);
      }
      await Promise.all(editors.map((e) => e.settle(15_000)));
      const problems: string[] = [];
      for (let i = 0; i < 4; i++) {
        for (const x of before[i]!) {
          const { rows } = await admin.app.db.query<{ version: number }>('SELECT version FROM field_ops WHERE client_id = $1 AND seq = $2', [editors[i]!.client.clientId, x.seq]);
          if (rows[0]?.version !== x.version) problems.push(`acked op ${i}/${x.seq} (version ${x.version}) is ${rows[0] ? `at ${rows[0].version}` : 'missing'}`);
        }
      }
      const stored = await storedText(admin, roomId, 'notes');
      for (const e of editors) {
        for (let k = 0; k < 20 && e.client.version < stored.version && e.errors.length === 0; k++) await e.fetchMissing();
        if (e.text !== stored.text) problems.push('a client shows different text than Postgres');
      }
      for (const t of typed) if (stored.text.split(t).length - 1 !== 1) problems.push(`token ${t} appears ${stored.text.split(t).length - 1} times`);
      expect(problems).toEqual([]);
    } finally {
      for (const s of sockets) s?.close();
      for (const p of procs) if (p.child.exitCode === null) p.child.kill('SIGKILL');
    }
  }, 120_000);
});

// Invariant 1 (acked means durable) and 2 (exactly once) across a crash: a Tandem process is
// SIGKILLed while clients type; after a restart every acked op is in Postgres, and the ops the
// clients resend are applied exactly once. Then the same check against a server that acks
// before committing must fail (the test of the test).
import type { Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from '../helpers/clients.js';
import { spawnTandem } from '../helpers/process.js';
import { createTestDatabase, hasPg, uniqueId } from '../helpers/services.js';
import { createTenant, startTandem, type TestServer } from '../helpers/server.js';
import { Editor, joinForm, rng, storedText } from './fields.harness.js';

const CLIENTS = 4;

async function crashRun(admin: TestServer, dbUrl: string, tenant: Awaited<ReturnType<typeof createTenant>>, env: Record<string, string>, seed: number, entry?: string) {
  const r = rng(seed);
  const problems: string[] = [];
  const url = `/admin/shop/order/${uniqueId()}/change/`;
  const fields = [{ name: 'notes', kind: 'textarea', value: '' }];
  const first = await spawnTandem({ DATABASE_URL: dbUrl, ...env }, undefined, entry);
  const sockets: Socket[] = [];
  const editors: Editor[] = [];
  let roomId = '';
  for (let i = 0; i < CLIENTS; i++) {
    const s = await connect(first.url, await tenant.token(`u${i}`));
    const j = await joinForm(s, url, fields);
    roomId = j.roomId;
    sockets.push(s);
    editors.push(new Editor(s, j.roomId, 'notes', { text: '', version: j.document.fields.notes!.version }));
  }
  const typed: string[] = [];
  let n = 0;
  let typing = true;
  const typer = (async () => {
    while (typing) {
      const i = r.int(CLIENTS);
      const ed = editors[i]!;
      const token = `<${i}:${n++}>`;
      typed.push(token);
      // Insert at a token boundary so tokens stay intact and countable.
      const bounds = [0, ...[...ed.text.matchAll(/>/g)].map((m) => m.index! + 1)];
      const at = r.pick(bounds);
      ed.edit(at > 0 ? [at, token] : [token]);
      await new Promise((res) => setTimeout(res, 1));
    }
  })();
  // Kill once enough ops were acked (a fixed delay acked too few on a loaded machine), then at a random moment.
  const ackedSoFar = () => editors.reduce((n, e) => n + e.acked.length, 0);
  for (const until = Date.now() + 30_000; ackedSoFar() < 30 && Date.now() < until; ) await new Promise((res) => setTimeout(res, 20));
  await new Promise((res) => setTimeout(res, r.int(300)));
  first.child.kill('SIGKILL');
  await first.exited;
  await new Promise((res) => setTimeout(res, 100));
  typing = false;
  await typer;
  const acked = editors.map((e) => [...e.acked]);

  const second = await spawnTandem({ DATABASE_URL: dbUrl, ...env }, undefined, entry);
  try {
    for (let i = 0; i < CLIENTS; i++) {
      sockets[i]!.close();
      sockets[i] = await connect(second.url, await tenant.token(`u${i}`));
      await joinForm(sockets[i]!, url, fields);
      await editors[i]!.resume(sockets[i]!);
    }
    try {
      await Promise.all(editors.map((e) => e.settle(8_000)));
    } catch (err) {
      problems.push(`clients could not settle: ${(err as Error).message.replace(/"pending":.*"gap"/, "\"gap\"")}`);
    }
    // Every op acked before the crash is in Postgres with the version it was acked with.
    for (let i = 0; i < CLIENTS; i++) {
      for (const a of acked[i]!) {
        const { rows } = await admin.app.db.query<{ version: number }>(`SELECT version FROM field_ops WHERE client_id = $1 AND seq = $2`, [editors[i]!.client.clientId, a.seq]);
        if (rows[0]?.version !== a.version) problems.push(`acked op ${i}/${a.seq} (version ${a.version}) is ${rows[0] ? `at version ${rows[0].version}` : 'missing'}`);
      }
    }
    const stored = await storedText(admin, roomId, 'notes');
    for (const e of editors) {
      for (let k = 0; k < 20 && e.client.version < stored.version && e.errors.length === 0; k++) await e.fetchMissing();
      if (e.text !== stored.text) problems.push(`a client shows different text than Postgres`);
    }
    // Exactly once: every token typed appears once, none twice (nothing was deleted).
    for (const t of typed) {
      const count = stored.text.split(t).length - 1;
      if (count !== 1) problems.push(`token ${t} appears ${count} times`);
    }
    return { problems, acked: acked.flat().length, typed: typed.length };
  } finally {
    for (const s of sockets) s.close();
    second.child.kill('SIGTERM');
    await second.exited;
  }
}

describe.skipIf(!hasPg)('co-editing across a crash (SIGKILL)', () => {
  let admin: TestServer;
  let tenant: Awaited<ReturnType<typeof createTenant>>;
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  beforeAll(async () => {
    db = await createTestDatabase();
    admin = await startTandem({ databaseUrl: db.url });
    tenant = await createTenant(admin.app, uniqueId());
  });
  afterAll(async () => {
    await admin?.close();
    await db?.drop();
  });

  it('keeps every acked op and applies every resent op exactly once', async () => {
    const seed = Number(process.env.FIELDS_SEED ?? Math.floor(Math.random() * 2 ** 31));
    console.log(`fields crash seed: ${seed}`);
    const out = await crashRun(admin, db.url, tenant, {}, seed);
    expect(out.acked).toBeGreaterThan(20);
    expect(out.problems).toEqual([]);
  }, 60_000);

  it('test of the test: the same check fails against a server that acks before committing', async () => {
    const out = await crashRun(admin, db.url, tenant, {}, 4242, 'tests/helpers/broken-server.ts');
    expect(out.problems.length).toBeGreaterThan(0);
  }, 60_000);
});

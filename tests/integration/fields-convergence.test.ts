// Invariants 2 and 4 (exactly once, convergence): 3-5 clients edit one textarea through two
// instances on real Redis and Postgres, with random delivery order, lost acks, disconnects and
// resends. All clients and the stored document must end equal. Prints its seed; replay with
// FIELDS_SEED=<seed>. The same check is run against a server with deduplication switched off
// and must fail there (the test of the test).
import type { Seams } from '../../src/app.js';
import { noDedup } from '../helpers/broken.js';
import type { Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from '../helpers/clients.js';
import { createTestDatabase, hasPg, hasRedis, uniqueId } from '../helpers/services.js';
import { createTenant, startTandem, type TestServer } from '../helpers/server.js';
import { Editor, joinForm, randomEdit, rng, storedText } from './fields.harness.js';

interface Cluster {
  servers: TestServer[];
  tenant: Awaited<ReturnType<typeof createTenant>>;
  close(): Promise<void>;
}

async function cluster(seams?: Seams): Promise<Cluster> {
  const { url, drop } = await createTestDatabase();
  const { redisUrl } = await import('../helpers/services.js');
  const a = await startTandem({ databaseUrl: url, redisUrl: redisUrl!, overrides: seams ? { seams } : {} });
  const b = await startTandem({ databaseUrl: url, redisUrl: redisUrl!, overrides: seams ? { seams } : {} });
  const tenant = await createTenant(a.app, uniqueId());
  return {
    servers: [a, b],
    tenant,
    async close() {
      await Promise.all([a.close(), b.close()]);
      await drop();
    },
  };
}

/** One randomized session; resolves with what every client and the database ended with. */
async function session(c: Cluster, seed: number, opts: { clients: number; steps: number; lostAcks?: number }) {
  const r = rng(seed);
  const url = `/admin/shop/order/${uniqueId()}/change/`;
  const fields = [{ name: 'notes', kind: 'textarea', value: 'start 🙂' }];
  const sockets: Socket[] = [];
  const editors: Editor[] = [];
  const users = ['alice', 'bob', 'carol', 'dave', 'erin'];
  let roomId = '';
  let chaos = true;
  const open = async (i: number) => {
    const srv = c.servers[r.int(c.servers.length)]!;
    const s = await connect(srv.url, await c.tenant.token(users[i]!));
    const j = await joinForm(s, url, fields);
    roomId = j.roomId;
    sockets[i] = s;
    return j;
  };
  for (let i = 0; i < opts.clients; i++) {
    const j = await open(i);
    const f = j.document.fields.notes!;
    editors.push(
      new Editor(sockets[i]!, j.roomId, 'notes', { text: f.value as string, version: f.version }, {
        // Random delivery order: every broadcast is held back a random while.
        deliver: (run) => void setTimeout(run, r.int(25)),
        // Now and then the ack is lost with the connection: the op must be resent, applied once.
        dropAck: () => (chaos && r.next() < (opts.lostAcks ?? 0.05) ? 1 + r.int(5) : 0),
      }),
    );
  }
  for (let step = 0; step < opts.steps; step++) {
    const i = r.int(opts.clients);
    const ed = editors[i]!;
    if (!sockets[i]!.connected || r.next() < 0.02) {
      sockets[i]!.close();
      await open(i);
      await ed.resume(sockets[i]!, { resendFirst: r.next() < 0.7 });
      continue;
    }
    ed.edit(randomEdit(r, ed.text));
    if (r.next() < 0.3) await new Promise((res) => setTimeout(res, r.int(8)));
  }
  // Reconnect whoever is down, then let everything settle.
  chaos = false;
  await new Promise((res) => setTimeout(res, 30)); // connection losses already scheduled happen first
  for (let i = 0; i < opts.clients; i++) {
    if (!sockets[i]!.connected) {
      await open(i);
      await editors[i]!.resume(sockets[i]!);
    }
  }
  await Promise.all(editors.map((e) => e.settle()));
  const stored = await storedText(c.servers[0]!, roomId, 'notes');
  // Catch up to the head (broadcasts may still be in their random delay).
  const deadline = Date.now() + 10_000;
  while (editors.some((e) => e.client.version < stored.version) && Date.now() < deadline) {
    for (const e of editors) if (e.client.version < stored.version) await e.fetchMissing();
    await new Promise((res) => setTimeout(res, 30));
  }
  for (const s of sockets) s.close();
  for (const e of editors) if (e.client.ownRepeats > 0) e.errors.push(new Error(`${e.client.ownRepeats} own op(s) applied twice`));
  return { stored, texts: editors.map((e) => e.text), versions: editors.map((e) => e.client.version), errors: editors.flatMap((e) => e.errors).map((e) => (e instanceof Error ? e.message : e)) };
}

describe.skipIf(!hasPg || !hasRedis)('co-editing convergence (2 instances, Redis, Postgres)', () => {
  let c: Cluster;
  beforeAll(async () => {
    c = await cluster();
  });
  afterAll(() => c?.close());

  const base = Number(process.env.FIELDS_SEED ?? Math.floor(Math.random() * 2 ** 31));
  for (let run = 0; run < 3; run++) {
    const seed = base + run;
    it(`all clients and the stored document end equal (seed ${seed})`, async () => {
      console.log(`fields convergence seed: ${seed} (replay with FIELDS_SEED=${seed})`);
      const clients = 3 + (seed % 3);
      const out = await session(c, seed, { clients, steps: 150 });
      expect(out.errors, `seed ${seed}`).toEqual([]);
      for (const t of out.texts) expect(t, `seed ${seed}`).toBe(out.stored.text);
      expect(out.versions.every((v) => v === out.stored.version), `seed ${seed}`).toBe(true);
    });
  }
});

describe.skipIf(!hasPg || !hasRedis)('test of the test: convergence catches a server without deduplication', () => {
  let c: Cluster;
  beforeAll(async () => {
    c = await cluster(noDedup);
  });
  afterAll(() => c?.close());

  it('fails when resends are applied twice (own op committed again, or texts differ)', async () => {
    let caught = 0;
    for (let seed = 1; seed <= 3 && caught === 0; seed++) {
      // The same checks as above: a client that cannot settle, an error, or unequal texts.
      try {
        const out = await session(c, seed * 7919, { clients: 3, steps: 150, lostAcks: 0.2 });
        const equal = out.errors.length === 0 && out.texts.every((t) => t === out.stored.text) && out.versions.every((v) => v === out.stored.version);
        if (!equal) caught++;
      } catch {
        caught++;
      }
    }
    expect(caught).toBeGreaterThan(0);
  });
});

// Issue 15: the backup/restore drill. Clients co-edit and chat on a real Postgres; the database
// is backed up with deploy/backup/pg-backup.sh while Tandem runs, wiped, restored with
// pg-restore.sh, and a new Tandem reads every acked op back.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import type { Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, request } from '../helpers/clients.js';
import { createTenant, startTandem, type TestServer } from '../helpers/server.js';
import { createTestDatabase, hasPg, pgAdminUrl, uniqueId } from '../helpers/services.js';
import { Editor, joinForm, storedText } from './fields.harness.js';

const run = promisify(execFile);
const script = (name: string, file: string, databaseUrl: string) => run('sh', [`deploy/backup/${name}`, file], { env: { PATH: process.env.PATH ?? '', DATABASE_URL: databaseUrl } });

async function admin(sql: string) {
  const c = new pg.Client({ connectionString: pgAdminUrl! });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}

describe.skipIf(!hasPg)('Postgres backup and restore drill (deploy/backup)', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  const dir = mkdtempSync(join(tmpdir(), 'tandem-backup-'));
  let srv: TestServer | undefined;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await srv?.close();
    await db?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('backs up while serving, wipes, restores, and every acked op and message is back', async () => {
    srv = await startTandem({ databaseUrl: db.url });
    const tenant = await createTenant(srv.app, uniqueId('bk'));
    const url = `/admin/shop/order/${uniqueId()}/change/`;
    const sockets: Socket[] = [];
    const editors: Editor[] = [];
    let roomId = '';
    for (let i = 0; i < 3; i++) {
      const s = await connect(srv.url, await tenant.token(`u${i}`));
      const j = await joinForm(s, url, [{ name: 'notes', kind: 'textarea', value: '' }]);
      roomId = j.roomId;
      sockets.push(s);
      editors.push(new Editor(s, roomId, 'notes', { text: '', version: j.document.fields.notes!.version }));
    }
    for (let n = 0; n < 30; n++) editors[n % 3]!.edit([`<${n}>`]);
    await Promise.all(editors.map((e) => e.settle(30_000)));
    for (const e of editors) await e.fetchMissing();
    const sent = await request(sockets[0]!, 'chat:send', { roomId, body: 'keep me', clientMsgId: 'bk-1' });
    expect(sent.ok).toBe(true);
    const acked = editors.flatMap((e) => e.acked.map((a) => ({ clientId: e.client.clientId, ...a })));
    expect(acked.length).toBeGreaterThan(0);
    const before = await storedText(srv, roomId, 'notes');
    expect(editors.every((e) => e.text === before.text)).toBe(true);

    const file = join(dir, 'tandem.dump');
    const backup = await script('pg-backup.sh', file, db.url);
    expect(backup.stdout).toContain('pg-backup: wrote');
    for (const s of sockets) s.close();
    await srv.close();
    srv = undefined;

    // Wipe: the database is gone and made again, empty.
    const name = new URL(db.url).pathname.slice(1);
    await admin(`DROP DATABASE ${name} WITH (FORCE)`);
    await admin(`CREATE DATABASE ${name}`);

    const restore = await script('pg-restore.sh', file, db.url);
    expect(restore.stdout).toContain('pg-restore: restored');

    srv = await startTandem({ databaseUrl: db.url });
    const missing: string[] = [];
    for (const a of acked) {
      const { rows } = await srv.app.db.query<{ version: number }>(`SELECT version FROM field_ops WHERE client_id = $1 AND seq = $2`, [a.clientId, a.seq]);
      if (rows[0]?.version !== a.version) missing.push(`${a.clientId}/${a.seq}@${a.version}`);
    }
    expect(missing).toEqual([]);
    const after = await storedText(srv, roomId, 'notes');
    expect(after).toEqual(before);
    // The restored tenant's secret still signs tokens this server accepts, and the room reads back.
    const s = await connect(srv.url, await tenant.token('u9'));
    const j = await joinForm(s, url, [{ name: 'notes', kind: 'textarea', value: '' }]);
    const fetched = await request(s, 'field:fetch', { roomId: j.roomId, field: 'notes', since: 0, snapshot: true });
    expect(fetched.snapshot.value).toBe(before.text);
    const history = await request(s, 'chat:history', { roomId: j.roomId });
    expect(history.messages.map((m: { body: string }) => m.body)).toContain('keep me');
    s.close();
    // The append-only audit log came back append-only.
    await expect(srv.app.db.query(`DELETE FROM audit_log`)).rejects.toThrow();
  }, 120_000);

  it('refuses a file that is not a backup, changing nothing', async () => {
    const bad = join(dir, 'not-a-dump');
    await run('sh', ['-c', `echo nonsense > ${bad}`]);
    await expect(script('pg-restore.sh', bad, db.url)).rejects.toThrow();
    const c = new pg.Client({ connectionString: db.url });
    await c.connect();
    const { rows } = await c.query<{ n: number }>(`SELECT count(*)::int AS n FROM tenants`);
    await c.end();
    expect(rows[0]!.n).toBeGreaterThan(0);
  });
});

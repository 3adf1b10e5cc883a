import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, hasPg, uniqueId } from '../helpers/services.js';
import { createTenant, startTandem, type TestServer } from '../helpers/server.js';
import { startSmtp } from '../helpers/smtp.js';

const until = async (cond: () => boolean | Promise<boolean>, ms = 30_000) => {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
};

describe.skipIf(!hasPg)('notification delivery with two instances on one database', () => {
  let a: TestServer;
  let b: TestServer;
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let smtp: Awaited<ReturnType<typeof startSmtp>>;
  const env = { EVENTS_POLL_MS: '50', NOTIFY_DIGEST_WINDOW_MS: '800', NOTIFY_RETRY_SCHEDULE: '0.2,0.2,0.2', WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true' };

  beforeAll(async () => {
    db = await createTestDatabase();
    [a, b] = [await startTandem({ databaseUrl: db.url, env }), await startTandem({ databaseUrl: db.url, env })];
    smtp = await startSmtp({ user: 'u', pass: 'p' });
  }, 60_000);
  afterAll(async () => {
    await b?.close();
    await a?.close();
    await smtp?.close();
    await db?.drop();
  });

  it('both instances drain the outbox; every notification is emailed exactly once', async () => {
    const tenant = await createTenant(a.app, uniqueId());
    await a.app.reach.channels.add(tenant.tenant.id, { kind: 'email', name: 'Email', smtp: { host: '127.0.0.1', port: smtp.port, secure: false, requireTLS: false, user: 'u', password: 'p', from: 't@example.test' } }, { type: 'system', id: 'test' });
    const users = Array.from({ length: 8 }, (_, i) => `user${i}`);
    for (const u of users) {
      await a.app.reach.setPreferences(tenant.tenant.id, u, { email: `${u}@example.test`, chatChannelId: null, channels: ['in_app', 'email'], byKind: {}, timeZone: 'UTC', quietHours: null });
    }
    // 8 users × 6 notifications, written on both instances at once; some urgent (no window).
    const titles: string[] = [];
    await Promise.all(
      users.flatMap((u, i) =>
        Array.from({ length: 6 }, (_, j) => {
          const title = `${u} n${j}`;
          titles.push(title);
          const srv = (i + j) % 2 ? a : b;
          return srv.app.notifications.notifyNow({ tenantId: tenant.tenant.id, userId: u, type: 'mention', title, urgent: j % 3 === 0 });
        }),
      ),
    );
    // Every notification lands in exactly one email (a digest lists several; a single one is its subject).
    const listed = () =>
      smtp.got.flatMap((g) => {
        const text = g.mail.text ?? '';
        const many = [...text.matchAll(/^- (?:\[Urgent\] )?(user\d n\d)$/gm)].map((m) => m[1]!);
        return many.length ? many : [g.mail.subject!.replace(/^\[Urgent\] /, '')];
      });
    await until(() => listed().length >= titles.length);
    await new Promise((r) => setTimeout(r, 1500));
    expect(listed().sort()).toEqual([...titles].sort());
    // Each email went to the user it lists.
    for (const g of smtp.got) {
      const to = g.envelopeTo[0]!.replace('@example.test', '');
      expect((g.mail.text ?? '').match(/user\d/g)!.every((u) => u === to)).toBe(true);
    }
    const { rows } = await a.app.db.query<{ status: string; n: number }>(`SELECT status, count(*)::int AS n FROM notification_deliveries GROUP BY status`);
    expect(rows).toEqual([{ status: 'delivered', n: titles.length }]);
  }, 60_000);
});

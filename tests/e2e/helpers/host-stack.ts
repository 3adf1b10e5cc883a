// A host application next to a real Tandem, on two loopback ports (two origins, as in production):
// Tandem without dev mode on its own Postgres database, a tenant and an API key made with the
// `tandem` CLI, the host asking Tandem for user tokens with that key, and Chromium.
import type { Browser } from 'playwright-core';
import pg from 'pg';
import { apply, type TextOp } from '../../../src/ot/text.js';
import { tenantWithKey } from '../../helpers/cli.js';
import { freePort, spawnTandem, type TandemProcess } from '../../helpers/process.js';
import { createTestDatabase } from '../../helpers/services.js';
import { buildOverlay, launchBrowser } from './browser.js';

export interface HostStack<H> {
  browser: Browser;
  host: H;
  tandem: TandemProcess;
  tandemDb: string;
  /** The room document: field → value, as Postgres holds it. */
  document(pageKey: string): Promise<Record<string, unknown>>;
  close(): Promise<void>;
}

/**
 * `start(tandemUrl, apiKey)` starts the host and returns it with its origin and its stop().
 * The host's origin is known only once it listens; Tandem needs it in ALLOWED_ORIGINS and the host
 * needs Tandem's URL: so Tandem's port is picked first and handed to both.
 */
export async function startHostStack<H extends { url: string }>(
  tenant: { id: string; name: string; keyName: string },
  start: (tandemUrl: string, apiKey: string) => Promise<H & { stop(): Promise<unknown> }>,
): Promise<HostStack<H>> {
  buildOverlay();
  const db = await createTestDatabase();
  const cleanup: Array<() => Promise<unknown>> = [() => db.drop()];
  const close = async () => {
    for (const c of cleanup.splice(0).reverse()) await c().catch(() => undefined);
  };
  try {
    const key = await tenantWithKey(db.url, tenant.id, tenant.name, tenant.keyName);
    const port = await freePort();
    const host = await start(`http://127.0.0.1:${port}`, key);
    cleanup.push(() => host.stop());
    const tandem = await spawnTandem({ DATABASE_URL: db.url, DEV_MODE: 'false', ALLOWED_ORIGINS: host.url }, port);
    cleanup.push(async () => {
      if (tandem.child.exitCode === null) {
        tandem.child.kill('SIGTERM');
        await tandem.exited;
      }
    });
    const browser = await launchBrowser();
    cleanup.push(() => browser.close());
    return { browser, host, tandem, tandemDb: db.url, document: (k) => roomDocument(db.url, k), close };
  } catch (err) {
    await close();
    throw err;
  }
}

/** The room document of `pageKey`: field → value, as Postgres holds it. */
export async function roomDocument(dbUrl: string, pageKey: string): Promise<Record<string, unknown>> {
  const c = new pg.Client({ connectionString: dbUrl });
  await c.connect();
  try {
    // A text field's value is a snapshot every FIELD_SNAPSHOT_INTERVAL ops: replay the ops after it.
    const { rows } = await c.query<{ field: string; value: unknown; ops: TextOp[] | null }>(
      `SELECT f.field, f.value,
              (SELECT json_agg(o.op ORDER BY o.version) FROM field_ops o
                WHERE o.room_id = f.room_id AND o.field = f.field AND o.kind = 'text' AND o.version > f.value_version) AS ops
         FROM form_fields f JOIN rooms r ON r.id = f.room_id WHERE r.page_key = $1`,
      [pageKey],
    );
    return Object.fromEntries(rows.map((r) => [r.field, r.ops ? r.ops.reduce(apply, String(r.value ?? '')) : r.value]));
  } finally {
    await c.end();
  }
}

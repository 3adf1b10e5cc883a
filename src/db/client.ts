import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import { migrate as migratePg } from 'drizzle-orm/node-postgres/migrator';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import pg from 'pg';
import type { FastifyBaseLogger as Logger } from 'fastify';
import { lockDataDir } from './lock.js';
import * as schema from './schema/index.js';

export type Schema = typeof schema;
export type Orm = PgDatabase<PgQueryResultHKT, Schema>;
/**
 * The query builder a store gets: the database's, or one bound to a transaction's connection
 * (no nesting, and no relational `query` API: a transaction's builder is made without the schema,
 * ~30 µs instead of ~2 ms per transaction on PGlite).
 */
export type QueryBuilder = Omit<Orm, 'transaction' | 'query'>;

/** The smallest raw-SQL surface both drivers share; the hot paths use it instead of the query builder. */
export interface Queryable {
  /**
   * `name` makes a hot statement a prepared one on Postgres: parsed and planned once per
   * connection instead of on every run (for the group commit's CTE that was two thirds of
   * Postgres's CPU per commit). Each name must always go with the same text.
   */
  query<R = Record<string, unknown>>(text: string, params?: unknown[], name?: string): Promise<{ rows: R[] }>;
}

/**
 * What a store runs statements on: the database, or one transaction of it. `orm` is Drizzle's
 * query builder on that connection; `query` is the raw surface kept for the measured hot paths.
 */
export interface Conn extends Queryable {
  readonly orm: QueryBuilder;
}

export interface Database extends Conn {
  readonly kind: 'postgres' | 'pglite';
  readonly orm: Orm;
  /** Runs fn in one transaction on one connection; commits if it resolves, rolls back if it throws. */
  transaction<T>(fn: (tx: Conn) => Promise<T>): Promise<T>;
  migrate(): Promise<void>;
  ping(): Promise<void>;
  close(): Promise<void>;
  /** Connection pool occupancy (Postgres only; PGlite is one in-process connection). */
  poolStats?(): { total: number; idle: number; waiting: number };
}

export const migrationsFolder = fileURLToPath(new URL('../../migrations', import.meta.url));

// Any constant: instances starting together take turns migrating.
const MIGRATION_LOCK = 72_461;

export interface DatabaseOptions {
  databaseUrl?: string | undefined;
  dataDir: string;
  poolSize: number;
  /** PGlite's shared_buffers (default Postgres's 128 MB, all of it in the process's WASM heap). */
  pgliteSharedBuffersMb?: number;
  log: Logger;
  /** Who holds the embedded database's lock (db/lock.ts), named in the refusal others get. */
  holder?: 'server' | 'cli';
}

export function openDatabase(opts: DatabaseOptions): Database {
  return opts.databaseUrl ? openPostgres(opts.databaseUrl, opts) : openPglite(opts);
}

function openPostgres(url: string, { poolSize, log }: DatabaseOptions): Database {
  const pool = new pg.Pool({ connectionString: url, max: poolSize, connectionTimeoutMillis: 5_000 });
  // An idle client losing its connection must not crash the process; the pool replaces it.
  pool.on('error', (err) => log.warn({ err }, 'postgres idle client error'));
  const orm = drizzlePg(pool, { schema }) as unknown as Orm;
  return {
    kind: 'postgres',
    orm,
    query: (text, params, name) => (name ? pool.query({ name, text, values: params as unknown[] }) : pool.query(text, params as unknown[])) as never,
    async transaction(fn) {
      const { client, lost, release } = await checkout(pool, log);
      try {
        await client.query('BEGIN');
        const result = await fn(txConn(client, () => ormOf(client), true));
        await client.query('COMMIT');
        return result;
      } catch (err) {
        await client.query('ROLLBACK').catch(lost);
        throw err;
      } finally {
        release();
      }
    },
    async migrate() {
      const { client, lost, release } = await checkout(pool, log);
      try {
        await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
        await migratePg(drizzlePg(client), { migrationsFolder });
      } finally {
        await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(lost);
        release();
      }
    },
    async ping() {
      await pool.query('SELECT 1');
    },
    async close() {
      await pool.end();
    },
    poolStats: () => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount }),
  };
}

/**
 * A transaction's connection as a Conn. The query builder is made on first use only, so the
 * raw-SQL hot paths (group commit) pay nothing for it.
 */
function txConn(client: { query(text: string, params?: unknown[]): Promise<unknown> }, makeOrm: () => Orm, named = false): Conn {
  let orm: Orm | undefined;
  return {
    query: (text, values, name) => (named && name ? (client as pg.PoolClient).query({ name, text, values }) : client.query(text, values)) as never,
    get orm() {
      return (orm ??= makeOrm());
    },
  };
}

// One query builder per pooled connection (pg reuses them), instead of one per transaction.
const orms = new WeakMap<pg.PoolClient, Orm>();
function ormOf(client: pg.PoolClient): Orm {
  let orm = orms.get(client);
  if (!orm) orms.set(client, (orm = drizzlePg({ client }) as unknown as Orm));
  return orm;
}

/**
 * A client checked out of the pool for several statements. pg emits 'error' on a checked-out
 * client whose connection dies (e.g. reset mid-transaction); without a listener that is an
 * uncaught exception that kills the process. The broken client is discarded, not reused.
 */
async function checkout(pool: pg.Pool, log: Logger) {
  const client = await pool.connect();
  let broken: Error | undefined;
  const lost = (err: Error) => {
    if (!broken) log.warn({ err: err.message }, 'postgres connection lost while in use');
    broken ??= err;
  };
  client.on('error', lost);
  return {
    client,
    lost,
    release() {
      client.off('error', lost);
      client.release(broken);
    },
  };
}

function openPglite({ dataDir, holder, pgliteSharedBuffersMb }: DatabaseOptions): Database {
  const inMemory = dataDir === ':memory:';
  if (!inMemory) mkdirSync(dataDir, { recursive: true });
  const unlock = inMemory ? () => undefined : lockDataDir(dataDir, holder ?? 'server');
  // The buffer cache sits in the WASM heap, resident once touched: 128 MB (Postgres's default)
  // was ~115 MB of a fresh process's RSS; the files behind it stay in the OS page cache anyway.
  const options = pgliteSharedBuffersMb ? { startParams: [...PGlite.defaultStartParams, '-c', `shared_buffers=${pgliteSharedBuffersMb}MB`] } : {};
  const client = inMemory ? new PGlite(options) : new PGlite(`${dataDir}/pglite`, options);
  const orm = drizzlePglite(client, { schema }) as unknown as Orm;
  return {
    kind: 'pglite',
    orm,
    // PGlite has no named statements; the name is ignored.
    query: (text, params) => client.query(text, params) as never,
    transaction: (fn) => client.transaction((tx) => fn(txConn(tx, () => drizzlePglite({ client: tx as unknown as PGlite }) as unknown as Orm))),
    async migrate() {
      await migratePglite(drizzlePglite(client), { migrationsFolder });
    },
    async ping() {
      await client.query('SELECT 1');
    },
    async close() {
      try {
        if (!client.closed) await client.close();
      } finally {
        unlock();
      }
    },
  };
}

import { Redis } from 'ioredis';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { AppError, publicError } from '../../src/errors.js';
import { freePort } from '../helpers/process.js';

/** The error a real driver throws when nothing listens on its port. */
async function thrownBy(fn: () => Promise<unknown>) {
  try {
    await fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected a failure');
}

describe('publicError: outages are unavailable, bugs are internal', () => {
  it('a Postgres that cannot be reached is unavailable', async () => {
    const port = await freePort();
    const pool = new pg.Pool({ connectionString: `postgres://postgres@127.0.0.1:${port}/x`, connectionTimeoutMillis: 2_000 });
    const err = await thrownBy(() => pool.query('SELECT 1'));
    await pool.end();
    expect(publicError(err).toBody()).toEqual({ code: 'unavailable', message: 'The database is unavailable; retry shortly' });
  });

  it('a Redis that cannot be reached is unavailable', async () => {
    const port = await freePort();
    const redis = new Redis(`redis://127.0.0.1:${port}`, { maxRetriesPerRequest: 0, retryStrategy: () => 50, lazyConnect: false });
    redis.on('error', () => undefined);
    const err = await thrownBy(() => redis.get('k'));
    redis.disconnect();
    expect(publicError(err).code).toBe('unavailable');
    expect(publicError(err).message).toBe('Redis is unavailable; retry shortly');
  });

  it('anything else stays a bare internal error; AppErrors pass as they are', () => {
    expect(publicError(new TypeError('x is undefined')).toBody()).toEqual({ code: 'internal', message: 'Internal server error' });
    expect(publicError(new Error('Connection is closed.')).code).toBe('internal');
    const e = new AppError('forbidden', 'no');
    expect(publicError(e)).toBe(e);
  });
});

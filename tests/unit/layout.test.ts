/**
 * The layout holds by test, not by convention (issue 13): a feature's services never see the
 * transport or the web framework, and SQL lives only in stores (and src/db).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const src = new URL('../../src/', import.meta.url).pathname;

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });
}

const withoutComments = (code: string) => code.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');

function importsOf(code: string): string[] {
  const out: string[] = [];
  const re = /(?:^|\n)\s*(?:import|export)\s[^;]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|(?:^|\n)\s*import\s*['"]([^'"]+)['"]/g;
  for (const m of withoutComments(code).matchAll(re)) out.push((m[1] ?? m[2] ?? m[3])!);
  return out;
}

const SQL = /\.query(?:<[^>]*>)?\(|\bSELECT\s[\s\S]{0,400}?\sFROM\s|\bINSERT INTO\s|\bUPDATE\s+\w+\s+SET\s|\bDELETE FROM\s|\bLISTEN\s|\bSAVEPOINT\s/;

/** A raw statement: `.query(` (optionally with a type argument) called with a string. */
const RAW = /\.query(?:<[\s\S]{0,300}?>)?\(\s*[`'"]/;
const RAW_ALL = new RegExp(RAW.source, 'g');

const rel = (p: string) => relative(src, p);
const featureFiles = files(join(src, 'features'));
const transport = /^(socket\.io|socket\.io-client|@socket\.io\/)/;
const web = /^(fastify|fastify-|@fastify\/)/;

describe('layout', () => {
  it('finds the feature files it checks', () => {
    expect(featureFiles.length).toBeGreaterThan(50);
    expect(featureFiles.some((f) => rel(f) === 'features/fields/service.ts')).toBe(true);
  });

  it('no file under src/features imports socket.io except its socket handler', () => {
    const bad = featureFiles.filter((f) => basename(f) !== 'socket.ts' && importsOf(readFileSync(f, 'utf8')).some((i) => transport.test(i)));
    expect(bad.map(rel)).toEqual([]);
  });

  it("only a feature's socket handler and plugin reach the gateway (src/realtime): services get ports", () => {
    const bad = featureFiles.filter(
      (f) => !['socket.ts', 'plugin.ts'].includes(basename(f)) && importsOf(readFileSync(f, 'utf8')).some((i) => /\/realtime\//.test(i)),
    );
    expect(bad.map(rel)).toEqual([]);
  });

  it('no service (nor any other feature file but routes and plugins) imports fastify', () => {
    const allowed = ['routes.ts', 'plugin.ts', 'rest.ts'];
    const bad = featureFiles.filter((f) => !allowed.includes(basename(f)) && importsOf(readFileSync(f, 'utf8')).some((i) => web.test(i)));
    expect(bad.map(rel)).toEqual([]);
  });

  it("a feature reaches another only through its public modules, never its store, wake loop or plugin", () => {
    // Shared pieces live outside the features: src/db (event rows, counters, the audit writers),
    // src/ports (Directory, Broadcast), src/loop.ts.
    const publicModules = ['messages', 'service', 'machine', 'rest', 'api', 'types', 'conversation', 'page-key'];
    const bad = featureFiles.flatMap((f) => {
      const own = rel(f).split('/')[1];
      return importsOf(readFileSync(f, 'utf8'))
        .map((i) => /^\.\.\/([a-z-]+)\/([a-z-]+)\.js$/.exec(i))
        .filter((m): m is RegExpExecArray => m !== null && m[1] !== own && !publicModules.includes(m[2]!))
        .map((m) => `${rel(f)} -> ${m[1]}/${m[2]}`);
    });
    expect(bad).toEqual([]);
  });

  it("no feature file uses the gateway's Socket.IO server: local rooms and counts go through the LocalConnections port", () => {
    const bad = featureFiles.filter((f) => /\brealtime\.io\b|\{\s*io\s*\}\s*=\s*app\.realtime/.test(withoutComments(readFileSync(f, 'utf8'))));
    expect(bad.map(rel)).toEqual([]);
  });

  it('no SQL outside stores (and src/db)', () => {
    const all = files(src).filter((f) => !rel(f).startsWith('overlay/') && !rel(f).startsWith('db/'));
    const bad = all.filter((f) => basename(f) !== 'store.ts' && SQL.test(withoutComments(readFileSync(f, 'utf8'))));
    expect(bad.map(rel)).toEqual([]);
  });

  it('raw SQL strings only where a store keeps a measured or inexpressible statement, and no more of them; the rest use the query builder', () => {
    // Each raw statement says why in a comment. The counts only go down: a new raw statement needs a measurement.
    const allowed: Record<string, number> = {
      'features/fields/store.ts': 1, // commitBatch: the op log's group commit
      'features/chat/store.ts': 2, // insertBatch and bumpRepliesBatch: chat's group commit
      'features/events/store.ts': 6, // publish CTEs, snapshot horizon, pg_xact_status, LISTEN / pg_notify
      'features/timers/store.ts': 3, // savepoint, release, rollback to savepoint
      'features/delegation/store.ts': 2, // savepoint around the field hold
      'features/assistance/store.ts': 1, // routingContext: three aggregates in one round trip
    };
    const all = files(src).filter((f) => !rel(f).startsWith('overlay/') && !rel(f).startsWith('db/'));
    const counts = Object.fromEntries(
      all.map((f) => [rel(f), withoutComments(readFileSync(f, 'utf8')).match(RAW_ALL)?.length ?? 0] as const).filter(([, n]) => n > 0),
    );
    expect(counts).toEqual(allowed);
  });

  it('the checks see what they look for', () => {
    expect(RAW.test('const { rows } = await q.query<{ n: Record<string, number> }>(\n  `SELECT 1`)')).toBe(true);
    expect(RAW.test("await tx.query('SAVEPOINT x')")).toBe(true);
    expect(importsOf("import { nextSeq } from '../events/store.js';")).toEqual(['../events/store.js']);
    expect("await q.query('SAVEPOINT a'); await q.orm.select(); await q.query(`SELECT 1`, [])".match(RAW_ALL)?.length).toBe(2);
    expect(RAW.test('const u = demoUsers[req.query.user]; q.orm.query.users.findMany()')).toBe(false);
    expect(importsOf(`import type { Server } from 'socket.io';\nimport fp from 'fastify-plugin';`)).toEqual(['socket.io', 'fastify-plugin']);
    expect(SQL.test("await q.query(`SELECT page_key FROM rooms WHERE id = $1`, [id])")).toBe(true);
    expect(SQL.test('// one SELECT per batch, not per row')).toBe(false);
    expect(SQL.test(withoutComments('/** FOR UPDATE SKIP LOCKED claims SELECT a FROM b */'))).toBe(false);
  });
});

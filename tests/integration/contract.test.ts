// The published REST contract (/docs/json, issue 12): Redocly's linter finds no error in it, it is
// complete (ids, tags, summaries, security, typed successes and errors for every operation,
// webhooks, the stream), and the checker every test server runs (tests/helpers/contract.ts)
// really refuses answers that drift from it.
import { createConfig, lintFromString } from '@redocly/openapi-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorStatus } from '../../src/errors.js';
import { contractValidator } from '../helpers/contract.js';
import { startTandem, type TestServer } from '../helpers/server.js';

type Op = {
  operationId?: string;
  tags?: string[];
  summary?: string;
  security?: unknown[];
  responses: Record<string, { description?: string; content?: Record<string, { schema?: Record<string, unknown> }> }>;
};
type Doc = {
  openapi: string;
  servers?: Array<{ url: string }>;
  paths: Record<string, Record<string, Op>>;
  webhooks?: Record<string, Record<string, Op>>;
  components: { schemas: Record<string, { properties?: Record<string, { properties?: Record<string, { enum?: string[] }> }> }> };
};

describe('the OpenAPI contract at /docs/json', () => {
  let srv: TestServer;
  let dev: TestServer;
  const docs: Record<'production' | 'development', Doc> = {} as never;

  beforeAll(async () => {
    srv = await startTandem();
    dev = await startTandem({ env: { DEV_MODE: 'true' } });
    docs.production = (await (await fetch(`${srv.url}/docs/json`)).json()) as Doc;
    docs.development = (await (await fetch(`${dev.url}/docs/json`)).json()) as Doc;
  });
  afterAll(async () => {
    await srv?.close();
    await dev?.close();
  });

  it.each(['production', 'development'] as const)('Redocly (recommended rules) reports no error in the %s document', async (mode) => {
    const config = await createConfig({ extends: ['recommended'] });
    const problems = await lintFromString({ source: JSON.stringify(docs[mode]), absoluteRef: `${mode}.json`, config });
    const errors = problems.filter((p) => p.severity === 'error').map((p) => `${p.ruleId}: ${p.message} at ${p.location[0]?.pointer}`);
    expect(errors).toEqual([]);
  });

  it('documents every operation completely: id, tag, summary, security, a typed success and the shared error', () => {
    const doc = docs.development;
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.servers?.[0]?.url).toMatch(/^https?:\/\//);
    const ops = Object.entries(doc.paths).flatMap(([path, methods]) => Object.entries(methods).map(([m, op]) => ({ at: `${m.toUpperCase()} ${path}`, op })));
    expect(ops.length).toBeGreaterThanOrEqual(39);
    const ids = ops.map((o) => o.op.operationId);
    expect(new Set(ids).size).toBe(ops.length);
    const incomplete = ops.flatMap(({ at, op }) => {
      const problems: string[] = [];
      if (!op.operationId || !op.tags?.length || !op.summary) problems.push('id/tags/summary');
      if (!Array.isArray(op.security)) problems.push('security');
      const success = Object.entries(op.responses).filter(([s]) => /^[12]/.test(s));
      if (!success.length) problems.push('no success response');
      for (const [s, r] of success) if (s !== '204' && s !== '101' && !r.content?.['application/json']?.schema) problems.push(`${s} has no schema`);
      for (const s of ['400', '500', '503']) if (r$(op, s) !== '#/components/schemas/Error') problems.push(`${s} is not the Error component`);
      if (op.security?.length && r$(op, '401') !== '#/components/schemas/Error') problems.push('401 missing');
      return problems.length ? [`${at}: ${problems.join(', ')}`] : [];
    });
    expect(incomplete).toEqual([]);
    // Dev routes need no credential; the rest name theirs.
    expect(doc.paths['/api/v1/dev/token']!.get!.security).toEqual([]);
    expect(doc.paths['/api/v1/records/changed']!.post!.security).toEqual([{ apiKey: [] }]);
    expect(doc.paths['/api/v1/notifications']!.get!.security).toEqual([{ userToken: [] }]);
    expect(Object.keys(doc.paths['/api/v1/delegations']!.post!.responses)).toContain('201');
    // Production shows no development route.
    expect(Object.keys(docs.production.paths).filter((p) => p.startsWith('/api/v1/dev'))).toEqual([]);
  });

  it('has one error component whose code enum is the table in src/errors.ts, and describes webhooks and the stream', () => {
    const doc = docs.production;
    expect(doc.components.schemas.Error!.properties!.error!.properties!.code!.enum!.sort()).toEqual(Object.keys(errorStatus).sort());
    expect(doc.webhooks?.event?.post?.operationId).toBe('receiveEvent');
    expect(doc.paths['/api/v1/stream']?.get?.responses['101']).toBeDefined();
    for (const name of ['Event', 'StreamFrame', 'StreamClientMessage']) expect(doc.components.schemas[name]).toBeDefined();
  });

  it("the test servers' checker refuses an undocumented status and a body that drifted, and passes a true answer", () => {
    const check = contractValidator(docs.production);
    const me = JSON.stringify({ kind: 'app', tenantId: 't', id: 'k', name: 'n' });
    expect(check('GET', '/api/v1/me', 200, me)).toBeNull();
    expect(check('GET', '/api/v1/me', 200, JSON.stringify({ kind: 'robot', tenantId: 't', id: 'k', name: 'n' }))).toMatch(/does not match/);
    expect(check('GET', '/api/v1/me', 200, JSON.stringify({ kind: 'app' }))).toMatch(/does not match/);
    expect(check('GET', '/api/v1/me', 418, '{}')).toMatch(/status not in the document/);
    expect(check('GET', '/api/v1/me', 401, JSON.stringify({ error: { code: 'not_a_code', message: 'x' } }))).toMatch(/does not match/);
    expect(check('DELETE', '/api/v1/webhooks/:id', 204, 'null')).toMatch(/says no body/);
    expect(check('GET', '/healthz', 200, 'anything')).toBeNull(); // hidden routes are not part of the contract
  });
});

/** The $ref of an operation's JSON answer for one status. */
function r$(op: Op, status: string) {
  return op.responses[status]?.content?.['application/json']?.schema?.$ref;
}

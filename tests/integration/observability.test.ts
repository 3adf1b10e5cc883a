// Issue 15: the dashboard and the alert rules in deploy/ only use metrics a real Tandem exports,
// every exported tandem_* series is documented, and the series say what is true.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { connect, request } from '../helpers/clients.js';
import { createTenant, startTandem, type TestServer } from '../helpers/server.js';
import { createTestDatabase, hasPg, hasRedis, redisUrl, uniqueId } from '../helpers/services.js';

const read = (p: string) => readFileSync(new URL(`../../${p}`, import.meta.url), 'utf8');
const alerts = parse(read('deploy/prometheus/alerts.yml')) as { groups: Array<{ rules: Array<{ alert: string; expr: string; for?: string; labels?: { severity?: string }; annotations?: { summary?: string } }> }> };
const dashboard = JSON.parse(read('deploy/grafana/tandem-dashboard.json')) as { uid: string; panels: Array<{ title: string; targets: Array<{ expr: string }> }> };
const rules = alerts.groups.flatMap((g) => g.rules);
/** Series Prometheus itself makes, not Tandem. */
const PROMETHEUS_OWN = new Set(['up']);
const PROMQL_WORDS = new Set(['sum', 'max', 'min', 'rate', 'deriv', 'delta', 'by', 'and', 'or', 'histogram_quantile', 'le', 'job', 'instance', 'event', 'code', 'status', 'state', 'reason', 'route', 'min_over_time']);

/** Metric names in a PromQL expression: identifiers not followed by "(" and outside label matchers and strings. */
function metricsIn(expr: string): string[] {
  const bare = expr.replace(/\{[^}]*\}/g, '').replace(/"[^"]*"/g, '').replace(/\[[^\]]*\]/g, '');
  return [...bare.matchAll(/\b([a-z_][a-z0-9_]*)\b(?!\s*\()/g)].map((m) => m[1]!).filter((w) => !PROMQL_WORDS.has(w) && !/^\d/.test(w));
}

async function scrape(url: string) {
  const text = await (await fetch(`${url}/metrics`)).text();
  const types = new Map([...text.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((m) => [m[1]!, m[2]!]));
  const samples = (name: string) => [...text.matchAll(new RegExp(`^${name}(\\{[^}]*\\})? (\\S+)$`, 'gm'))].map((m) => ({ labels: m[1] ?? '', value: Number(m[2]) }));
  const exported = (name: string) => {
    if (types.has(name)) return true;
    const base = name.replace(/_(bucket|sum|count)$/, '');
    return types.get(base) === 'histogram' || types.get(base) === 'summary';
  };
  return { text, types, samples, exported };
}

describe('alert rules and dashboard files', () => {
  it('have the alerts issue 15 asks for, each with a severity and a summary', () => {
    const names = rules.map((r) => r.alert);
    for (const a of ['TandemFanoutLost', 'TandemWebhookOutboxGrowing', 'TandemDatabaseUnavailable', 'TandemAckLatencyHigh', 'TandemEventLoopLag']) expect(names).toContain(a);
    expect(new Set(names).size).toBe(names.length);
    for (const r of rules) {
      expect(r.labels?.severity, r.alert).toMatch(/^(page|warn|info)$/);
      expect(r.annotations?.summary, r.alert).toBeTruthy();
      expect(r.expr.split('(').length, `${r.alert}: balanced parentheses`).toBe(r.expr.split(')').length);
    }
    expect(dashboard.uid).toBe('tandem-overview');
    expect(dashboard.panels.length).toBeGreaterThan(10);
  });
});

describe.skipIf(!hasPg || !hasRedis)('metrics a real Tandem exports (Postgres + Redis)', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let srv: TestServer;
  beforeAll(async () => {
    db = await createTestDatabase();
    srv = await startTandem({ databaseUrl: db.url, redisUrl: redisUrl!, env: { RATE_LIMIT_KEY_PREFIX: uniqueId('rl') } });
  });
  afterAll(async () => {
    await srv?.close();
    await db?.drop();
  });

  it('every metric the dashboard and the alerts use exists', async () => {
    const m = await scrape(srv.url);
    const used = new Set([...rules.flatMap((r) => metricsIn(r.expr)), ...dashboard.panels.flatMap((p) => p.targets.flatMap((t) => metricsIn(t.expr)))]);
    expect(used.size).toBeGreaterThan(15);
    expect([...used].filter((n) => !PROMETHEUS_OWN.has(n) && !m.exported(n))).toEqual([]);
  });

  it('every tandem_* series is documented in docs/operations.md, and nothing documented is missing', async () => {
    const m = await scrape(srv.url);
    const doc = read('docs/operations.md');
    const documented = new Set([...doc.matchAll(/^\| `(tandem_[a-z0-9_]+)` \|/gm)].map((x) => x[1]!));
    const exported = [...m.types.keys()].filter((n) => n.startsWith('tandem_'));
    expect(exported.filter((n) => !documented.has(n))).toEqual([]);
    expect([...documented].filter((n) => !m.types.has(n))).toEqual([]);
    // Prometheus conventions: counters end in _total, durations are in seconds.
    for (const [n, type] of m.types) if (n.startsWith('tandem_') && type === 'counter') expect(n).toMatch(/_total$/);
  });

  it('the series say what is true: dependencies up, build, errors by code, ack latency, people online', async () => {
    const tenant = await createTenant(srv.app, uniqueId('ob'));
    const s = await connect(srv.url, await tenant.token('alice'));
    const join = await request(s, 'room:join', { context: { url: `/admin/shop/order/${uniqueId()}/change/`, title: 'Order', fields: [{ name: 'notes', kind: 'textarea', value: '' }] } });
    expect(join.ok).toBe(true);
    expect((await request(s, 'chat:send', { roomId: join.roomId, body: '' })).ok).toBe(false);
    const bad = await fetch(`${srv.url}/api/v1/me`, { headers: { authorization: 'Bearer tdm_nope' } });
    expect(bad.status).toBe(401);

    const m = await scrape(srv.url);
    const one = (name: string, labels = '') => m.samples(name).find((x) => x.labels.includes(labels))?.value;
    expect(one('tandem_database_up')).toBe(1);
    expect(one('tandem_redis_up')).toBe(1);
    expect(one('tandem_fanout_up')).toBe(1);
    const { version } = JSON.parse(read('package.json')) as { version: string };
    expect(one('tandem_build_info', `version="${version}"`)).toBe(1);
    expect(one('tandem_errors_total', 'code="validation_failed",surface="socket"') ?? one('tandem_errors_total', 'surface="socket",code="validation_failed"')).toBeGreaterThanOrEqual(1);
    expect(m.samples('tandem_errors_total').some((x) => x.labels.includes('"rest"') && x.labels.includes('api_key_invalid'))).toBe(true);
    expect(one('tandem_socket_ack_duration_seconds_count', 'event="room:join"')).toBe(1);
    expect(one('tandem_people_online', 'status="available"')).toBe(1);
    expect(one('tandem_db_pool_connections', 'state="total"')).toBeGreaterThan(0);
    expect(one('tandem_webhook_outbox_depth')).toBe(0);
    s.close();
  });
});

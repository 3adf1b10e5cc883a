import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { envSchema, loadConfig } from '../../src/config.js';

// Docker has no engine here: these tests read the deployment files and check that they are wired
// to each other and to what the server actually accepts.
const root = new URL('../../', import.meta.url);
const read = (p: string) => readFileSync(new URL(p, root), 'utf8');

interface Service {
  image?: string;
  build?: unknown;
  environment?: Record<string, string | number | boolean> | string[];
  ports?: string[];
  expose?: string[];
  depends_on?: Record<string, { condition: string }> | string[];
  healthcheck?: { test: string[] | string; interval?: string };
  volumes?: string[];
  stop_grace_period?: string;
  command?: unknown;
}

const compose = parse(read('docker-compose.yml'), { merge: true }) as { services: Record<string, Service> };
const nginx = read('deploy/nginx.conf');
const dockerfile = read('Dockerfile');
const services = compose.services;
const tandems = ['tandem1', 'tandem2'] as const;
const configVars = new Set(Object.keys(envSchema.shape));

/** Resolves compose interpolation the way `docker compose` does with an empty .env: `${X:-d}` → d. */
const interpolate = (v: string) =>
  v.replace(/\$\{(\w+)(?::?-([^}]*))?\}/g, (_m, _name: string, def: string | undefined) => def ?? '');

function envOf(s: Service): Record<string, string> {
  const e = s.environment ?? {};
  const pairs = Array.isArray(e) ? e.map((kv) => kv.split(/=(.*)/s).slice(0, 2) as [string, string]) : Object.entries(e);
  return Object.fromEntries(pairs.map(([k, v]) => [k, interpolate(String(v))]));
}

const seconds = (d: string) => {
  const m = /^(\d+)(ms|s|m|h)?$/.exec(d.trim());
  if (!m) throw new Error(`unparseable duration ${d}`);
  const n = Number(m[1]);
  return m[2] === 'ms' ? n / 1000 : m[2] === 'm' ? n * 60 : m[2] === 'h' ? n * 3600 : n;
};

describe('docker-compose.yml', () => {
  it('runs Postgres 15, Redis 7, two Tandem instances and a reverse proxy', () => {
    expect(Object.keys(services).sort()).toEqual(['postgres', 'proxy', 'redis', 'tandem1', 'tandem2']);
    expect(services.postgres!.image).toBe('postgres:15');
    expect(services.redis!.image).toBe('redis:7');
    for (const t of tandems) expect(services[t]!.build, t).toBeDefined();
    expect(services.proxy!.image).toMatch(/^nginx:/);
  });

  it('gives every Tandem instance only variables the config schema knows, and a valid production config', () => {
    for (const t of tandems) {
      const env = envOf(services[t]!);
      for (const name of Object.keys(env)) expect(configVars.has(name), `${t}: ${name} is not a Tandem setting`).toBe(true);
      for (const name of ['DATABASE_URL', 'REDIS_URL', 'NODE_ENV', 'ALLOWED_ORIGINS', 'PUBLIC_URL', 'HOST', 'PORT']) {
        expect(env[name], `${t}: ${name}`).toBeTruthy();
      }
      expect(env.NODE_ENV).toBe('production');
      // The exact parser the server uses accepts it, with dev mode off.
      const config = loadConfig(env);
      expect(config.devMode).toBe(false);
      expect(config.host).toBe('0.0.0.0');
      expect(config.allowedOrigins).toContain(new URL(config.publicUrl).origin);
    }
    expect(envOf(services.tandem1!)).toEqual(envOf(services.tandem2!));
  });

  it('points DATABASE_URL and REDIS_URL at the compose services with matching credentials', () => {
    const pgEnv = envOf(services.postgres!);
    for (const t of tandems) {
      const env = envOf(services[t]!);
      const db = new URL(env.DATABASE_URL!);
      expect(db.hostname).toBe('postgres');
      expect(db.port || '5432').toBe('5432');
      expect(db.username).toBe(pgEnv.POSTGRES_USER);
      expect(decodeURIComponent(db.password)).toBe(pgEnv.POSTGRES_PASSWORD);
      expect(db.pathname).toBe(`/${pgEnv.POSTGRES_DB}`);
      const redis = new URL(env.REDIS_URL!);
      expect(redis.hostname).toBe('redis');
      expect(redis.port || '6379').toBe('6379');
    }
  });

  it('health-checks the services and starts each one only after what it needs is healthy', () => {
    expect(JSON.stringify(services.postgres!.healthcheck?.test)).toContain('pg_isready');
    expect(JSON.stringify(services.redis!.healthcheck?.test)).toContain('ping');
    const needs: Record<string, string[]> = { tandem1: ['postgres', 'redis'], tandem2: ['postgres', 'redis'], proxy: ['tandem1', 'tandem2'] };
    for (const [svc, deps] of Object.entries(needs)) {
      const d = services[svc]!.depends_on as Record<string, { condition: string }>;
      for (const dep of deps) {
        expect(d?.[dep]?.condition, `${svc} → ${dep}`).toBe('service_healthy');
        const hasCheck = services[dep]!.healthcheck !== undefined || (services[dep]!.build !== undefined && /^HEALTHCHECK /m.test(dockerfile));
        expect(hasCheck, `${dep} needs a health check for ${svc} to wait on it`).toBe(true);
      }
    }
    for (const t of tandems) expect(JSON.stringify(services[t]!.healthcheck?.test)).toContain('/healthz');
  });

  it('exposes Tandem only through the proxy, on the port the instances listen on', () => {
    for (const t of tandems) {
      expect(services[t]!.ports, `${t} must not publish ports`).toBeUndefined();
      expect(services[t]!.expose).toContain(envOf(services[t]!).PORT);
    }
    const published = services.proxy!.ports!.map(interpolate);
    expect(published).toHaveLength(1);
    expect(published[0]).toMatch(/^\d+:80$/);
    expect(nginx).toMatch(/listen\s+80;/);
    // The proxy's default published port is where PUBLIC_URL says users reach Tandem.
    const publicUrl = new URL(envOf(services.tandem1!).PUBLIC_URL!);
    expect(publicUrl.port).toBe(published[0]!.split(':')[0]);
  });

  it('mounts deploy/nginx.conf into the proxy and gives instances time to drain on stop', () => {
    const mount = services.proxy!.volumes!.find((v) => v.includes('nginx.conf'))!;
    const [src, dest] = mount.split(':');
    expect(existsSync(new URL(src!.replace(/^\.\//, ''), root))).toBe(true);
    expect(dest).toBe('/etc/nginx/nginx.conf');
    for (const t of tandems) {
      const grace = Number(envOf(services[t]!).SHUTDOWN_GRACE_MS ?? 10_000) / 1000;
      expect(seconds(services[t]!.stop_grace_period ?? '10s')).toBeGreaterThan(grace);
    }
  });
});

describe('deploy/nginx.conf', () => {
  it('balances over both instances on their port, sticky by client address', () => {
    const upstream = /upstream\s+(\w+)\s*\{([^}]*)\}/.exec(nginx);
    expect(upstream).not.toBeNull();
    const [, name, body] = upstream!;
    const port = envOf(services.tandem1!).PORT;
    const servers = [...body!.matchAll(/server\s+([\w.-]+):(\d+)/g)].map((m) => `${m[1]}:${m[2]}`);
    expect(servers.sort()).toEqual(tandems.map((t) => `${t}:${port}`));
    expect(body).toMatch(/^\s*ip_hash;/m);
    expect(nginx).toMatch(new RegExp(`proxy_pass\\s+http://${name};`));
  });

  it('passes WebSocket upgrades through with HTTP/1.1 and long read timeouts', () => {
    expect(nginx).toMatch(/proxy_http_version\s+1\.1;/);
    expect(nginx).toMatch(/proxy_set_header\s+Upgrade\s+\$http_upgrade;/);
    const conn = /proxy_set_header\s+Connection\s+(\S+);/.exec(nginx)?.[1];
    expect(conn).toBeDefined();
    if (conn!.startsWith('$')) {
      // A map from $http_upgrade must turn a WebSocket handshake into "Connection: upgrade".
      expect(nginx).toMatch(new RegExp(`map\\s+\\$http_upgrade\\s+\\${conn}\\s*\\{[^}]*default\\s+upgrade;`));
    } else {
      expect(conn).toMatch(/upgrade/i);
    }
    const read = /proxy_read_timeout\s+(\w+);/.exec(nginx)?.[1];
    expect(seconds(read!)).toBeGreaterThanOrEqual(300);
    expect(nginx).toMatch(/proxy_set_header\s+X-Forwarded-For\s+/);
  });
});

describe('Dockerfile', () => {
  const stages = dockerfile.split(/^FROM /m).slice(1);
  const runtime = stages.at(-1)!;

  it('builds in one stage with npm install + npm run build and runs on node:20-slim with production dependencies', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    expect(stages[0]).toMatch(/npm install\b/);
    expect(stages[0]).toMatch(/npm run build/);
    expect(runtime).toMatch(/^node:20-slim\b/);
    expect(runtime).toMatch(/npm install --omit=dev/);
    for (const what of ['dist', 'migrations', 'public']) expect(runtime, what).toMatch(new RegExp(`^COPY .*\\b${what}\\b`, 'm'));
    // What the build stage copies in exists in the repository.
    for (const m of stages[0]!.matchAll(/^COPY (?!--from)(.+) \S+$/gm)) {
      for (const src of m[1]!.split(/\s+/)) expect(existsSync(new URL(src, root)), src).toBe(true);
    }
  });

  it('runs as a non-root user with a health check on /healthz and starts dist/server.js', () => {
    const user = /^USER\s+(\S+)/m.exec(runtime)?.[1];
    expect(user).toBeDefined();
    expect(['root', '0', '0:0']).not.toContain(user);
    expect(runtime.indexOf('USER')).toBeLessThan(runtime.indexOf('CMD'));
    expect(runtime).toMatch(/^HEALTHCHECK .*\/healthz/ms);
    expect(runtime).toMatch(/^CMD \["node", "dist\/server\.js"\]/m);
    // dist/server.js is where tsconfig.build.json puts src/server.ts.
    const build = JSON.parse(read('tsconfig.build.json')) as { compilerOptions: { rootDir: string; outDir: string } };
    expect(build.compilerOptions).toMatchObject({ rootDir: 'src', outDir: 'dist' });
    expect(JSON.parse(read('package.json')).bin.tandem).toBe('dist/cli/main.js');
  });

  it('keeps node_modules, build output, local data and secrets out of the build context', () => {
    const ignored = read('.dockerignore').split('\n').map((l) => l.trim());
    for (const p of ['node_modules', 'dist', 'data', '.env', '.git']) expect(ignored, p).toContain(p);
    for (const needed of ['src', 'migrations', 'public', 'package.json', 'package-lock.json']) expect(ignored).not.toContain(needed);
  });
});

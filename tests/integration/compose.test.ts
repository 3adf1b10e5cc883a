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

/** A value for each secret compose requires (`${X:?message}`), as an operator's .env would give. */
const SECRET = 'a1b2c3d4e5f60718293a4b5c6d7e8f9001122334';
/** Resolves compose interpolation the way `docker compose` does with that .env: `${X:-d}` → d, `${X:?msg}` → the secret. */
const interpolate = (v: string) =>
  v
    .replace(/\$\{(\w+):\?[^}]*\}/g, SECRET)
    .replace(/\$\{(\w+)(?::?-([^}]*))?\}/g, (_m, _name: string, def: string | undefined) => def ?? '');

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

/** Whether a package's engines.node range accepts Node `major` (the forms package-lock holds: >=, ^, ~, x, ||, spaces). */
function acceptsMajor(range: string, major: number): boolean {
  const v = [major, 99, 99];
  const cmp = (a: number[], b: number[]) => (a[0]! - b[0]! || a[1]! - b[1]! || a[2]! - b[2]!);
  const parse = (s: string) => s.replace(/^v/, '').split('.').map((x) => (x === 'x' || x === '*' || x === '' ? 0 : Number(x)));
  return range.split('||').some((alt) =>
    // "> = 1.2" and ">= 1.2" alike: an operator joins the version after it.
    alt.trim().replace(/(>=|<=|>|<|\^|~|=)\s+/g, '$1').split(/\s+/).filter(Boolean).every((c) => {
      const m = /^(>=|<=|>|<|\^|~|=)?\s*(.+)$/.exec(c);
      if (!m || c === '*' || c === 'x') return true;
      const [op, ver] = [m[1] ?? '=', parse(m[2]!)];
      while (ver.length < 3) ver.push(0);
      const at = [major, ver[1]!, ver[2]!];
      switch (op) {
        case '>=': return cmp(v, ver) >= 0;
        case '>': return cmp(v, ver) > 0;
        case '<': return cmp([major, 0, 0], ver) < 0;
        case '<=': return cmp([major, 0, 0], ver) <= 0;
        case '^': return major === ver[0] && cmp(v, ver) >= 0;
        case '~': return major === ver[0] && cmp(at, ver) >= 0;
        default: return major === ver[0];
      }
    }),
  );
}

describe('docker-compose.yml', () => {
  it('runs Postgres 15, Redis 7, two Tandem instances and a reverse proxy', () => {
    expect(Object.keys(services).sort()).toEqual(['postgres', 'proxy', 'redis', 'tandem1', 'tandem2']);
    expect(services.postgres!.image).toBe('postgres:15');
    expect(services.redis!.image).toBe('redis:7');
    for (const t of tandems) expect(services[t]!.build, t).toBeDefined();
    // The proxy is nginx plus openssl (for the first-start certificate).
    expect(read('deploy/proxy/Dockerfile')).toMatch(/^FROM nginx:1\.\d+/m);
    expect(services.proxy!.build).toBe('deploy/proxy');
  });

  it('takes every secret from the environment, with no default, and gives Redis a password', () => {
    const raw = read('docker-compose.yml');
    for (const secret of ['POSTGRES_PASSWORD', 'REDIS_PASSWORD', 'OPS_TOKEN']) {
      expect(raw, `${secret} is required`).toMatch(new RegExp(`\\$\\{${secret}:\\?`));
      expect(raw, `${secret} has no default`).not.toMatch(new RegExp(`\\$\\{${secret}:-`));
    }
    expect(raw).not.toMatch(/tandem@postgres|:tandem@/);
    const redisUrl = new URL(envOf(services.tandem1!).REDIS_URL!);
    expect(redisUrl.password).toBe(envOf(services.redis!).REDIS_PASSWORD);
    expect(JSON.stringify(services.redis!.command)).toContain('--requirepass');
    expect(JSON.stringify(services.redis!.healthcheck!.test)).toContain('REDISCLI_AUTH');
    expect(loadConfig(envOf(services.tandem1!)).opsToken).toBe(SECRET);
    // The example .env names every required secret.
    const example = read('deploy/env.example');
    for (const secret of ['POSTGRES_PASSWORD', 'REDIS_PASSWORD', 'OPS_TOKEN']) expect(example).toMatch(new RegExp(`^${secret}=`, 'm'));
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
    expect(published).toHaveLength(2);
    const https = published.find((p) => p.endsWith(':443'));
    expect(https).toMatch(/^\d+:443$/);
    expect(published.find((p) => p.endsWith(':80'))).toMatch(/^\d+:80$/);
    expect(nginx).toMatch(/listen\s+443 ssl;/);
    expect(nginx).toMatch(/listen\s+80;/);
    // The proxy's default published HTTPS port is where PUBLIC_URL says users reach Tandem.
    const publicUrl = new URL(envOf(services.tandem1!).PUBLIC_URL!);
    expect(publicUrl.protocol).toBe('https:');
    expect(publicUrl.port).toBe(https!.split(':')[0]);
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

describe('TLS and what the proxy serves', () => {
  const tls = /server\s*\{\s*listen\s+443 ssl;([\s\S]*)\n  \}\n\}/.exec(nginx)?.[1] ?? '';
  it('terminates TLS with the certificate the first-start script makes, and port 80 only redirects', () => {
    const crt = /ssl_certificate\s+(\S+);/.exec(tls)?.[1];
    const key = /ssl_certificate_key\s+(\S+);/.exec(tls)?.[1];
    const script = read('deploy/proxy/self-signed-cert.sh');
    const dir = /^dir=(\S+)$/m.exec(script)?.[1];
    expect(crt).toBe(`${dir}/tls.crt`);
    expect(key).toBe(`${dir}/tls.key`);
    expect(script).toMatch(/openssl req -x509/);
    expect(read('deploy/proxy/Dockerfile')).toContain('/docker-entrypoint.d/');
    // The certificate survives restarts: its directory is a volume.
    expect(services.proxy!.volumes!.some((v) => v.endsWith(`:${dir}`))).toBe(true);
    const plain = /server\s*\{\s*listen\s+80;([\s\S]*?)\n  \}/.exec(nginx)?.[1] ?? '';
    expect(plain).toMatch(/return 301 https:\/\/\$host\$request_uri;/);
    expect(plain).not.toMatch(/location \/ \{\s*proxy_pass/);
  });

  it('does not serve /metrics or /docs publicly', () => {
    expect(tls).toMatch(/location = \/metrics \{\s*return 404;/);
    expect(tls).toMatch(/location \^~ \/docs \{\s*return 404;/);
  });
});

describe('Dockerfile', () => {
  const stages = dockerfile.split(/^FROM /m).slice(1);
  const runtime = stages.at(-1)!;

  it('builds in one stage with npm install + npm run build and runs on a Node LTS every dependency accepts', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    expect(stages[0]).toMatch(/npm install\b/);
    expect(stages[0]).toMatch(/npm run build/);
    const majors = stages.map((st) => Number(/^node:(\d+)-slim\b/.exec(st)?.[1]));
    expect(majors.every((m) => m === majors[0])).toBe(true);
    // Even majors are the LTS lines; 20 is refused by some dependencies (EBADENGINE).
    expect(majors[0]! % 2).toBe(0);
    const lock = JSON.parse(read('package-lock.json')) as { packages: Record<string, { engines?: { node?: string } }> };
    const refusing = Object.entries(lock.packages).filter(([, p]) => p.engines?.node && !acceptsMajor(p.engines.node, majors[0]!)).map(([name, p]) => `${name} (${p.engines!.node})`);
    expect(refusing).toEqual([]);
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

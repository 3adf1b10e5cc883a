import { createHash, randomBytes } from 'node:crypto';
import { and, eq, isNull } from 'drizzle-orm';
import type { Database } from '../db/client.js';
import { apiKeys, auditLog, tenants } from '../db/schema/index.js';
import { AppError } from '../errors.js';
import type { AppIdentity } from './identity.js';
import type { TenantKeys } from './tokens.js';

/** Each entry must be a bare http(s) origin (scheme, host, port; no path): that is what a page URL is compared with. */
function checkOrigins(origins: string[]): string[] {
  return origins.map((o) => {
    let u: URL | null = null;
    try {
      u = new URL(o);
    } catch {
      /* reported below */
    }
    if (!u || (u.protocol !== 'http:' && u.protocol !== 'https:') || u.origin !== o.replace(/\/$/, '')) {
      throw new AppError('validation_failed', `Host origin "${o}" must be an http(s) origin such as https://admin.example.com`);
    }
    return u.origin;
  });
}

export const hashApiKey = (key: string) => createHash('sha256').update(key).digest('hex');
const newSecret = () => randomBytes(32).toString('base64url');
const TENANT_ID = /^[a-z0-9][a-z0-9_-]{0,62}$/;

export interface ApiKeyInfo {
  id: string;
  tenantId: string;
  name: string;
  prefix: string;
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}

export type TenantService = ReturnType<typeof createTenantService>;

/** Tenants and their API keys: the ops CLI and the REST auth layer both go through here. */
export function createTenantService(db: Database) {
  const keysCache = new Map<string, { keys: TenantKeys; until: number }>();
  const CACHE_MS = 30_000;

  async function createTenant(input: { id: string; name?: string; jwksUrl?: string; jwtSecret?: string; hostOrigins?: string[] }) {
    if (!TENANT_ID.test(input.id)) {
      throw new AppError('validation_failed', 'Tenant id must be 1-63 lowercase letters, digits, "-" or "_"');
    }
    const hostOrigins = checkOrigins(input.hostOrigins ?? []);
    const jwtSecret = input.jwksUrl ? null : (input.jwtSecret ?? newSecret());
    const rows = await db.orm
      .insert(tenants)
      .values({ id: input.id, name: input.name ?? input.id, jwtSecret, jwksUrl: input.jwksUrl ?? null, hostOrigins })
      .onConflictDoNothing()
      .returning();
    if (rows.length === 0) throw new AppError('conflict', `Tenant "${input.id}" already exists`);
    await audit(input.id, 'tenant.created', input.id);
    return rows[0]!;
  }

  async function getTenant(id: string) {
    const [row] = await db.orm.select().from(tenants).where(eq(tenants.id, id));
    return row;
  }

  async function getTenantKeys(id: string): Promise<TenantKeys | undefined> {
    const hit = keysCache.get(id);
    if (hit && hit.until > Date.now()) return hit.keys;
    const row = await getTenant(id);
    if (!row) return undefined;
    const keys = { id: row.id, jwtSecret: row.jwtSecret, jwksUrl: row.jwksUrl, hostOrigins: row.hostOrigins };
    keysCache.set(id, { keys, until: Date.now() + CACHE_MS });
    return keys;
  }

  /** Replaces the tenant's host origins (other instances see it within the keys cache's 30 s). */
  async function setHostOrigins(id: string, origins: string[]) {
    const hostOrigins = checkOrigins(origins);
    const rows = await db.orm.update(tenants).set({ hostOrigins }).where(eq(tenants.id, id)).returning({ id: tenants.id });
    if (rows.length === 0) throw new AppError('not_found', `No tenant "${id}"`);
    keysCache.delete(id);
    await audit(id, 'tenant.host_origins', id, { hostOrigins });
    return hostOrigins;
  }

  const listTenants = () => db.orm.select({ id: tenants.id, name: tenants.name, createdAt: tenants.createdAt }).from(tenants);

  /** Returns the key once; only its hash is stored. */
  async function createApiKey(tenantId: string, name: string, key = `tdm_${randomBytes(24).toString('base64url')}`) {
    if (!(await getTenant(tenantId))) throw new AppError('not_found', `Tenant "${tenantId}" does not exist`);
    const [row] = await db.orm
      .insert(apiKeys)
      .values({ tenantId, name, prefix: key.slice(0, 10), hash: hashApiKey(key) })
      .returning({ id: apiKeys.id, prefix: apiKeys.prefix, createdAt: apiKeys.createdAt });
    await audit(tenantId, 'api_key.created', row!.id, { name });
    return { ...row!, key, name, tenantId };
  }

  async function listApiKeys(tenantId: string): Promise<ApiKeyInfo[]> {
    return db.orm
      .select({
        id: apiKeys.id,
        tenantId: apiKeys.tenantId,
        name: apiKeys.name,
        prefix: apiKeys.prefix,
        createdAt: apiKeys.createdAt,
        lastUsedAt: apiKeys.lastUsedAt,
        revokedAt: apiKeys.revokedAt,
      })
      .from(apiKeys)
      .where(eq(apiKeys.tenantId, tenantId))
      .orderBy(apiKeys.createdAt);
  }

  async function revokeApiKey(tenantId: string, keyId: string) {
    const rows = await db.orm
      .update(apiKeys)
      .set({ revokedAt: new Date() })
      .where(and(eq(apiKeys.id, keyId), eq(apiKeys.tenantId, tenantId), isNull(apiKeys.revokedAt)))
      .returning({ id: apiKeys.id });
    if (rows.length === 0) throw new AppError('not_found', `No active API key ${keyId} in tenant "${tenantId}"`);
    await audit(tenantId, 'api_key.revoked', keyId);
  }

  async function verifyApiKey(key: string): Promise<AppIdentity> {
    if (!key.startsWith('tdm_') || key.length > 200) throw new AppError('api_key_invalid', 'Malformed API key');
    const [row] = await db.orm.select().from(apiKeys).where(eq(apiKeys.hash, hashApiKey(key)));
    if (!row) throw new AppError('api_key_invalid', 'Unknown API key');
    if (row.revokedAt) throw new AppError('api_key_revoked', 'This API key has been revoked');
    // Recorded at most once a minute per key: ops see which keys are alive without a write per request.
    if (!row.lastUsedAt || Date.now() - row.lastUsedAt.getTime() > 60_000) {
      await db.orm.update(apiKeys).set({ lastUsedAt: new Date() }).where(eq(apiKeys.id, row.id));
    }
    return { tenantId: row.tenantId, keyId: row.id, keyName: row.name };
  }

  async function audit(tenantId: string, action: string, subject: string, data: Record<string, unknown> = {}) {
    await db.orm.insert(auditLog).values({ tenantId, actorType: 'system', actorId: 'tandem', action, subject, data });
  }

  return { createTenant, setHostOrigins, getTenant, getTenantKeys, listTenants, createApiKey, listApiKeys, revokeApiKey, verifyApiKey };
}

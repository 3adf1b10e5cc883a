import { and, eq, sql } from 'drizzle-orm';
import type { UserIdentity } from '../../auth/identity.js';
import type { Database } from '../../db/client.js';
import { users } from '../../db/schema/index.js';
import type { Directory, DirectoryUser } from '../../ports/directory.js';


/** The tenant's user directory, refreshed from each verified token. */
export function createDirectory(db: Database): Directory {
  // Skip rewriting a row whose claims did not change since this process last wrote it.
  const seen = new Map<string, string>();

  async function upsertFromIdentity(u: UserIdentity): Promise<void> {
    const key = `${u.tenantId}\u0000${u.userId}`;
    const fingerprint = JSON.stringify([u.name, u.avatar, u.roles, u.expertise, u.perms]);
    if (seen.get(key) === fingerprint) return;
    await db.orm
      .insert(users)
      .values({
        tenantId: u.tenantId,
        id: u.userId,
        displayName: u.name,
        avatarUrl: u.avatar ?? null,
        roles: u.roles,
        expertise: u.expertise,
        perms: u.perms,
      })
      .onConflictDoUpdate({
        target: [users.tenantId, users.id],
        set: {
          displayName: u.name,
          avatarUrl: u.avatar ?? null,
          roles: u.roles,
          expertise: u.expertise,
          perms: u.perms,
          updatedAt: sql`now()`,
        },
      });
    if (seen.size > 50_000) seen.clear();
    seen.set(key, fingerprint);
  }

  async function get(tenantId: string, userId: string): Promise<DirectoryUser | undefined> {
    const [row] = await db.orm.select().from(users).where(and(eq(users.tenantId, tenantId), eq(users.id, userId)));
    return row;
  }

  async function list(tenantId: string): Promise<DirectoryUser[]> {
    return db.orm.select().from(users).where(eq(users.tenantId, tenantId)).orderBy(users.displayName);
  }

  return { upsertFromIdentity, get, list };
}

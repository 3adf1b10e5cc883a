import { asc } from 'drizzle-orm';
import type { Database } from './client.js';
import { clusterIdentity } from './schema/index.js';

/** Which database this is (the row its migration made); null while it cannot be read. */
export async function readClusterId(db: Database): Promise<string | null> {
  try {
    const [row] = await db.orm.select({ id: clusterIdentity.id }).from(clusterIdentity).orderBy(asc(clusterIdentity.createdAt)).limit(1);
    return row?.id ?? null;
  } catch {
    return null;
  }
}

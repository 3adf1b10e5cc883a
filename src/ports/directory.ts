import type { UserIdentity } from '../auth/identity.js';
import type { users } from '../db/schema/index.js';

/** A user as the tenant's directory knows them (refreshed from each verified token). */
export type DirectoryUser = typeof users.$inferSelect;

/** The tenant's user directory, as services receive it (features/directory/store.ts is the one behind it). */
export interface Directory {
  upsertFromIdentity(u: UserIdentity): Promise<void>;
  get(tenantId: string, userId: string): Promise<DirectoryUser | undefined>;
  list(tenantId: string): Promise<DirectoryUser[]>;
}

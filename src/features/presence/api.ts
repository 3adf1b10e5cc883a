/** What other features may ask presence (its public surface; they never reach into its internals). */
import type { UserStatus } from './messages.js';

/** The status of some users as presence last announced them (offline when not connected). */
export interface PresenceLookup {
  statuses(tenantId: string, userIds: readonly string[]): Promise<Map<string, UserStatus>>;
}

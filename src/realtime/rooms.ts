/**
 * The only place Socket.IO room names are built. Every name starts with the tenant, so no
 * broadcast can cross tenants by construction.
 */
export const roomNames = {
  tenant: (tenantId: string) => `t:${tenantId}`,
  user: (tenantId: string, userId: string) => `t:${tenantId}:u:${userId}`,
  page: (tenantId: string, roomId: string) => `t:${tenantId}:r:${roomId}`,
  /** Connections that asked for every status change in the tenant (presence:watch). */
  statusWatchers: (tenantId: string) => `t:${tenantId}:status-watchers`,
} as const;

const PAGE = /^t:(.+):r:([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/;

/** The inverse of roomNames.page: which tenant and room a Socket.IO room name stands for, or null. */
export function parsePageRoom(name: string): { tenantId: string; roomId: string } | null {
  const m = PAGE.exec(name);
  return m ? { tenantId: m[1]!, roomId: m[2]! } : null;
}

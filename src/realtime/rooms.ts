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

/** The operator console's view: everything an on-call engineer looks at, in one answer. */
import type { OnlineUser } from '../presence/messages.js';
import type { InstanceHealth } from './instances.js';
import type { createConsoleStore } from './store.js';

export interface ConsoleDeps {
  store: ReturnType<typeof createConsoleStore>;
  online(tenantId: string): Promise<OnlineUser[]>;
  instances(): Promise<InstanceHealth[]>;
  now(): number;
}

const ageSeconds = (now: number, at: string | null) => (at === null ? null : Math.max(0, Math.round((now - Date.parse(at)) / 1000)));

export function createConsole(deps: ConsoleDeps) {
  const { store } = deps;
  return {
    async overview() {
      const now = deps.now();
      const tenants = await store.tenants();
      const [online, delegations, help, webhooks, conflicts, instances, audit] = await Promise.all([
        Promise.all(tenants.map(async (t) => ({ tenantId: t.id, users: await deps.online(t.id) }))),
        store.openDelegations(),
        store.openHelpRequests(),
        store.webhooks(),
        store.recentConflicts(),
        deps.instances(),
        store.recentAudit(),
      ]);
      // Live rooms from presence: who is in which room right now.
      const byRoom = new Map<string, { tenantId: string; roomId: string; people: Array<{ userId: string; name: string; status: string }> }>();
      const people: Array<{ tenantId: string; userId: string; name: string; status: string; rooms: number }> = [];
      for (const { tenantId, users } of online) {
        for (const u of users) {
          people.push({ tenantId, userId: u.userId, name: u.name, status: u.status, rooms: u.rooms.length });
          for (const roomId of u.rooms) {
            let r = byRoom.get(roomId);
            if (!r) byRoom.set(roomId, (r = { tenantId, roomId, people: [] }));
            r.people.push({ userId: u.userId, name: u.name, status: u.status });
          }
        }
      }
      const info = await store.rooms([...byRoom.keys()]);
      const rooms = [...byRoom.values()].map((r) => ({ ...r, pageKey: info.get(r.roomId)?.pageKey ?? null, title: info.get(r.roomId)?.title ?? null }));
      const byStatus: Record<string, number> = { available: 0, busy: 0, away: 0, dnd: 0 };
      for (const p of people) byStatus[p.status] = (byStatus[p.status] ?? 0) + 1;
      return {
        at: new Date(now).toISOString(),
        instances,
        tenants,
        rooms,
        people: { byStatus, list: people },
        delegations: delegations.map((d) => ({ ...d, ageSeconds: ageSeconds(now, d.createdAt), overdue: d.dueAt !== null && Date.parse(d.dueAt) < now })),
        helpRequests: help.map((h) => ({ ...h, ageSeconds: ageSeconds(now, h.createdAt) })),
        webhooks,
        conflicts,
        audit,
      };
    },
  };
}

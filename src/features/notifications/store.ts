import { and, asc, desc, eq, gt, inArray, isNull, lt, sql } from 'drizzle-orm';
import type { Conn, Database } from '../../db/client.js';
import { iso } from '../../db/rows.js';
import { notifications, users } from '../../db/schema/index.js';
import { nextSeq } from '../../db/seqs.js';
import { type Notification, type NotificationLink, type NotificationText, notificationTextSchema, type NotificationType } from './messages.js';

export interface NewNotification {
  tenantId: string;
  userId: string;
  type: NotificationType;
  urgent?: boolean;
  title: string;
  /** The title as data, for clients to render in their language (stored in `data.text`). */
  text?: NotificationText;
  body?: string;
  link?: NotificationLink;
  actor?: { type: 'user' | 'app' | 'system'; id: string };
  data?: Record<string, unknown>;
}

export type NotificationRow = typeof notifications.$inferSelect;
type Row = NotificationRow;

export function toNotification(r: Row): Notification {
  const { text, ...data } = r.data;
  return {
    id: String(r.id),
    seq: r.seq,
    type: r.type as NotificationType,
    urgent: r.urgent,
    title: r.title,
    text: notificationTextSchema.safeParse(text).data ?? null,
    body: r.body,
    link: r.link as NotificationLink,
    actor: { type: r.actorType as Notification['actor']['type'], id: r.actorId },
    data,
    held: r.delivery === 'held' || r.delivery === 'pending',
    read: r.readAt !== null,
    createdAt: iso(r.createdAt)!,
    readAt: iso(r.readAt),
  };
}

export const userSeqKey = (tenantId: string, userId: string) => `u:${tenantId}:${userId}`;

const mine = (tenantId: string, userId: string) => and(eq(notifications.tenantId, tenantId), eq(notifications.userId, userId));

export function createNotificationStore(db: Database) {
  async function insert(q: Conn, n: NewNotification): Promise<Row> {
    const seq = await nextSeq(q, userSeqKey(n.tenantId, n.userId));
    const actor = n.actor ?? { type: 'system', id: 'tandem' };
    const [row] = await q.orm
      .insert(notifications)
      .values({
        tenantId: n.tenantId,
        userId: n.userId,
        seq,
        type: n.type,
        urgent: n.urgent ?? false,
        title: n.title,
        body: n.body ?? '',
        link: n.link ?? {},
        actorType: actor.type,
        actorId: actor.id,
        data: n.text ? { ...n.data, text: n.text } : (n.data ?? {}),
      })
      .returning();
    return row!;
  }

  /** Claims undelivered rows (any instance; SKIP LOCKED) and lets `decide` settle each within the claim. */
  async function claimPending(limit: number, decide: (r: Row) => Promise<'live' | 'held'>): Promise<Row[]> {
    return db.transaction(async (tx) => {
      const rows = await tx.orm
        .select()
        .from(notifications)
        .where(eq(notifications.delivery, 'pending'))
        .orderBy(asc(notifications.id))
        .limit(limit)
        .for('update', { skipLocked: true });
      const settled: Row[] = [];
      for (const r of rows) {
        const d = await decide(r);
        settled.push({ ...r, delivery: d });
      }
      const live = settled.filter((r) => r.delivery === 'live').map((r) => r.id);
      const held = settled.filter((r) => r.delivery === 'held').map((r) => r.id);
      if (live.length) await tx.orm.update(notifications).set({ delivery: 'live', deliveredAt: sql`now()` }).where(inArray(notifications.id, live));
      if (held.length) await tx.orm.update(notifications).set({ delivery: 'held' }).where(inArray(notifications.id, held));
      return settled;
    });
  }

  /** Users with held notifications (for the sweep that re-checks their status). */
  async function usersWithHeld(limit: number): Promise<Array<{ tenantId: string; userId: string }>> {
    return db.orm.selectDistinct({ tenantId: notifications.tenantId, userId: notifications.userId }).from(notifications).where(eq(notifications.delivery, 'held')).limit(limit);
  }

  /** Marks a user's held notifications released; returns them (exactly once across instances). */
  async function release(tenantId: string, userId: string): Promise<Row[]> {
    const held = db.orm
      .select({ id: notifications.id })
      .from(notifications)
      .where(and(mine(tenantId, userId), eq(notifications.delivery, 'held')))
      .for('update', { skipLocked: true });
    const rows = await db.orm.update(notifications).set({ delivery: 'released', deliveredAt: sql`now()` }).where(inArray(notifications.id, held)).returning();
    return rows.sort((a, b) => a.seq - b.seq);
  }

  async function list(tenantId: string, userId: string, o: { unreadOnly: boolean; beforeSeq?: number | undefined; limit: number }): Promise<Row[]> {
    return db.orm
      .select()
      .from(notifications)
      .where(and(mine(tenantId, userId), o.unreadOnly ? isNull(notifications.readAt) : undefined, o.beforeSeq == null ? undefined : lt(notifications.seq, o.beforeSeq)))
      .orderBy(desc(notifications.seq))
      .limit(o.limit);
  }

  async function after(tenantId: string, userId: string, afterSeq: number, limit: number): Promise<Row[]> {
    return db.orm
      .select()
      .from(notifications)
      .where(and(mine(tenantId, userId), gt(notifications.seq, afterSeq)))
      .orderBy(asc(notifications.seq))
      .limit(limit);
  }

  async function unreadCount(tenantId: string, userId: string): Promise<number> {
    return db.orm.$count(notifications, and(mine(tenantId, userId), isNull(notifications.readAt)));
  }

  async function markRead(tenantId: string, userId: string, ids: string[] | 'all'): Promise<string[]> {
    // Ids past 2^53 cannot be a row's (bigserial from 1), and a JS number would round them onto another.
    const which = ids === 'all' ? undefined : inArray(notifications.id, ids.map(Number).filter(Number.isSafeInteger));
    const rows = await db.orm
      .update(notifications)
      .set({ readAt: sql`now()` })
      .where(and(mine(tenantId, userId), isNull(notifications.readAt), which))
      .returning({ id: notifications.id });
    return rows.map((r) => String(r.id));
  }

  /** The rights the recipient's last token gave (the directory keeps them); undefined for a user it never saw. */
  async function recipientPerms(q: Conn, tenantId: string, userId: string) {
    const [row] = await q.orm.select({ perms: users.perms }).from(users).where(and(eq(users.tenantId, tenantId), eq(users.id, userId)));
    return row?.perms;
  }

  return { insert, claimPending, usersWithHeld, release, list, after, unreadCount, markRead, recipientPerms };
}
export type NotificationStore = ReturnType<typeof createNotificationStore>;

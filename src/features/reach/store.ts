import { and, asc, desc, eq, inArray, isNull, lte, min, or, sql } from 'drizzle-orm';
import type { Conn, Database } from '../../db/client.js';
import { iso } from '../../db/rows.js';
import { notificationChannels as channels, notificationDeliveries as deliveries, notificationPrefs as prefs, notifications, rooms } from '../../db/schema/index.js';
import type { Delivery } from './messages.js';
import type { OutboundChannel } from './rules.js';

export type PrefsRow = typeof prefs.$inferSelect;
export type ChannelRow = typeof channels.$inferSelect;
export type DeliveryRow = typeof deliveries.$inferSelect;

/** A claimed delivery with what its message needs from the notification and its room. */
export interface ClaimedDelivery {
  id: number;
  tenantId: string;
  userId: string;
  channel: OutboundChannel;
  urgent: boolean;
  attempts: number;
  notificationId: number;
  type: string;
  title: string;
  body: string;
  link: Record<string, unknown>;
  roomUrl: string | null;
  read: boolean;
  createdAt: string;
}

/** Most rows one claim takes (a digest lists 40 and counts the rest; what is left goes next time). */
const MAX_CLAIM = 2000;
/** Not leased by a sender, or its lease expired (the sender crashed). */
const free = (now: Date) => or(isNull(deliveries.leasedUntil), lte(deliveries.leasedUntil, now));

const groupKey = (r: { tenantId: string; userId: string; channel: string }) => `${r.tenantId}\u0000${r.userId}\u0000${r.channel}`;

export function createReachStore(db: Database) {
  async function getPrefs(tenantId: string, userId: string): Promise<PrefsRow | undefined> {
    const [row] = await db.orm.select().from(prefs).where(and(eq(prefs.tenantId, tenantId), eq(prefs.userId, userId)));
    return row;
  }
  /** In a notification's transaction: the recipient's preferences, if they set any. */
  async function prefsIn(q: Conn, tenantId: string, userId: string): Promise<PrefsRow | undefined> {
    const [row] = await q.orm.select().from(prefs).where(and(eq(prefs.tenantId, tenantId), eq(prefs.userId, userId)));
    return row;
  }
  async function putPrefs(row: Omit<PrefsRow, 'updatedAt'>): Promise<PrefsRow> {
    const { tenantId: _t, userId: _u, ...set } = row;
    const [out] = await db.orm
      .insert(prefs)
      .values(row)
      .onConflictDoUpdate({ target: [prefs.tenantId, prefs.userId], set: { ...set, updatedAt: sql`now()` } })
      .returning();
    return out!;
  }

  async function createChannel(q: Conn, c: { tenantId: string; kind: string; name: string; config: Record<string, unknown> }): Promise<ChannelRow | null> {
    // The one-email-channel index decides a race between two creations: the loser gets null.
    const [row] = await q.orm.insert(channels).values(c).onConflictDoNothing().returning();
    return row ?? null;
  }
  async function listChannels(tenantId: string): Promise<ChannelRow[]> {
    return db.orm.select().from(channels).where(and(eq(channels.tenantId, tenantId), eq(channels.active, true))).orderBy(asc(channels.createdAt));
  }
  async function getChannel(tenantId: string, id: string): Promise<ChannelRow | undefined> {
    const [row] = await db.orm.select().from(channels).where(and(eq(channels.tenantId, tenantId), eq(channels.id, id), eq(channels.active, true)));
    return row;
  }
  async function emailChannel(tenantId: string): Promise<ChannelRow | undefined> {
    const [row] = await db.orm.select().from(channels).where(and(eq(channels.tenantId, tenantId), eq(channels.kind, 'email'), eq(channels.active, true)));
    return row;
  }
  async function removeChannel(q: Conn, tenantId: string, id: string): Promise<ChannelRow | undefined> {
    const [gone] = await q.orm
      .update(channels)
      .set({ active: false })
      .where(and(eq(channels.tenantId, tenantId), eq(channels.id, id), eq(channels.active, true)))
      .returning();
    return gone;
  }

  /** The outbox rows of one notification, in its transaction; a second write of the same (notification, channel) is a no-op. */
  async function enqueue(q: Conn, rows: Array<{ tenantId: string; userId: string; notificationId: number; channel: OutboundChannel; urgent: boolean; nextAttemptAt: Date }>) {
    if (rows.length) await q.orm.insert(deliveries).values(rows).onConflictDoNothing();
  }

  /**
   * Claims due deliveries with a lease, and with them every other pending delivery of the same
   * user and channel (so what is due together goes out as one message: the digest). No
   * transaction stays open while sending; a crashed instance's claims come due again.
   */
  async function claimDue(now: Date, leaseUntil: Date, maxGroups: number): Promise<ClaimedDelivery[]> {
    const ids = await db.transaction(async (tx) => {
      const due = await tx.orm
        .select({ tenantId: deliveries.tenantId, userId: deliveries.userId, channel: deliveries.channel })
        .from(deliveries)
        .where(and(eq(deliveries.status, 'pending'), lte(deliveries.nextAttemptAt, now), free(now)))
        .orderBy(asc(deliveries.nextAttemptAt))
        .limit(maxGroups * 8)
        .for('update', { skipLocked: true });
      const groups = [...new Map(due.map((d) => [groupKey(d), d])).values()].slice(0, maxGroups);
      if (groups.length === 0) return [];
      const rows = await tx.orm
        .select({ id: deliveries.id })
        .from(deliveries)
        .where(and(eq(deliveries.status, 'pending'), free(now), or(...groups.map((g) => and(eq(deliveries.tenantId, g.tenantId), eq(deliveries.userId, g.userId), eq(deliveries.channel, g.channel))))))
        .limit(MAX_CLAIM)
        .for('update', { skipLocked: true });
      const claimed = rows.map((r) => r.id);
      if (claimed.length) await tx.orm.update(deliveries).set({ leasedUntil: leaseUntil }).where(inArray(deliveries.id, claimed));
      return claimed;
    });
    if (ids.length === 0) return [];
    const rows = await db.orm
      .select({
        id: deliveries.id,
        tenantId: deliveries.tenantId,
        userId: deliveries.userId,
        channel: deliveries.channel,
        urgent: deliveries.urgent,
        attempts: deliveries.attempts,
        notificationId: deliveries.notificationId,
        type: notifications.type,
        title: notifications.title,
        body: notifications.body,
        link: notifications.link,
        readAt: notifications.readAt,
        createdAt: notifications.createdAt,
        roomUrl: rooms.url,
      })
      .from(deliveries)
      .innerJoin(notifications, eq(notifications.id, deliveries.notificationId))
      .leftJoin(rooms, and(eq(rooms.tenantId, deliveries.tenantId), sql`${rooms.id}::text = ${notifications.link}->>'roomId'`))
      .where(inArray(deliveries.id, ids))
      .orderBy(asc(deliveries.notificationId));
    return rows.map(({ readAt, createdAt, ...r }) => ({ ...r, channel: r.channel as OutboundChannel, read: readAt !== null, createdAt: iso(createdAt)! }));
  }

  const pendingOnly = (ids: number[]) => and(inArray(deliveries.id, ids), eq(deliveries.status, 'pending'));

  async function delivered(ids: number[], messageKey: string) {
    if (ids.length) await db.orm.update(deliveries).set({ status: 'delivered', leasedUntil: null, messageKey, heldFor: null, lastError: null, deliveredAt: sql`now()`, attempts: sql`${deliveries.attempts} + 1` }).where(pendingOnly(ids));
  }
  async function skipped(ids: number[], reason: string) {
    if (ids.length) await db.orm.update(deliveries).set({ status: 'skipped', leasedUntil: null, lastError: reason, heldFor: null }).where(pendingOnly(ids));
  }
  /** A failed attempt: due again at `retryAt`, or failed for good when there is none. */
  async function attemptFailed(ids: number[], error: string, retryAt: Date | null, messageKey: string) {
    if (!ids.length) return;
    await db.orm
      .update(deliveries)
      .set({ attempts: sql`${deliveries.attempts} + 1`, leasedUntil: null, lastError: error, messageKey, heldFor: null, ...(retryAt ? { nextAttemptAt: retryAt } : { status: 'failed' }) })
      .where(pendingOnly(ids));
  }
  async function hold(ids: number[], until: Date, reason: 'dnd' | 'quiet') {
    if (ids.length) await db.orm.update(deliveries).set({ nextAttemptAt: until, leasedUntil: null, heldFor: reason }).where(pendingOnly(ids));
  }
  /** The user left do-not-disturb: what it held is due now. */
  async function releaseDnd(tenantId: string, userId: string, now: Date): Promise<number> {
    const rows = await db.orm
      .update(deliveries)
      .set({ nextAttemptAt: now, heldFor: null })
      .where(and(eq(deliveries.tenantId, tenantId), eq(deliveries.userId, userId), eq(deliveries.status, 'pending'), eq(deliveries.heldFor, 'dnd')))
      .returning({ id: deliveries.id });
    return rows.length;
  }
  async function nextDueAt(): Promise<Date | null> {
    // A leased row comes due again only when its lease runs out (another sender may be at work on it).
    const dueAt = sql<Date>`greatest(${deliveries.nextAttemptAt}, coalesce(${deliveries.leasedUntil}, ${deliveries.nextAttemptAt}))`;
    const [row] = await db.orm.select({ at: min(dueAt) }).from(deliveries).where(eq(deliveries.status, 'pending'));
    return row?.at ? new Date(row.at) : null;
  }

  async function listDeliveries(tenantId: string, userId: string, o: { status?: string | undefined; limit: number }): Promise<Delivery[]> {
    const rows = await db.orm
      .select()
      .from(deliveries)
      .where(and(eq(deliveries.tenantId, tenantId), eq(deliveries.userId, userId), o.status ? eq(deliveries.status, o.status) : undefined))
      .orderBy(desc(deliveries.id))
      .limit(o.limit);
    return rows.map((r) => ({
      id: String(r.id),
      notificationId: String(r.notificationId),
      channel: r.channel as Delivery['channel'],
      status: r.status as Delivery['status'],
      heldFor: r.heldFor as Delivery['heldFor'],
      attempts: r.attempts,
      nextAttemptAt: r.status === 'pending' ? iso(r.nextAttemptAt) : null,
      lastError: r.lastError,
      messageKey: r.messageKey,
      deliveredAt: iso(r.deliveredAt),
      createdAt: iso(r.createdAt)!,
    }));
  }

  return { getPrefs, prefsIn, putPrefs, createChannel, listChannels, getChannel, emailChannel, removeChannel, enqueue, claimDue, delivered, skipped, attemptFailed, hold, releaseDnd, nextDueAt, listDeliveries };
}
export type ReachStore = ReturnType<typeof createReachStore>;

/**
 * The per-user notification inbox with live delivery.
 *
 *   app.notifications.notify(q: Conn, n: {
 *     tenantId: string; userId: string;
 *     type: 'mention' | 'reply' | 'comment' | 'delegation' | 'assistance' | 'record_changed';
 *     urgent?: boolean; title: string; body?: string;
 *     text?: { key: NotificationText['key']; params: Record<string, string | number> };  // the title, as data
 *     link?: { roomId?: string; pageKey?: string; url?: string; field?: string };
 *     actor?: { type: 'user' | 'app' | 'system'; id: string }; data?: Record<string, unknown>;
 *   }): Promise<Notification | null>   // null: the recipient may not read link.pageKey
 *
 * Pass the transaction of the change that causes it: the inbox item (and its
 * `notification.created` event) exists iff that change commits. Delivery happens after the
 * commit, woken by the event log (NOTIFY on commit + poll), on any instance: each connected tab
 * of the user (room `roomNames.user(tenant, user)`) gets a `notification` socket event unless
 * the user is in do-not-disturb and it is not urgent (rules.ts, `deliveryFor`): then it waits in
 * the inbox and is surfaced when their status leaves dnd. Every settled item is followed by
 * `notifications:unread { unread }` to the user's tabs, so each badge shows the server's count.
 * Callers need nothing else.
 *
 *   app.notifications.notifyNow(n)   — the same in a transaction of its own.
 */
import type { Logger } from '../../ports/log.js';
import type { Broadcast } from '../../ports/broadcast.js';
import type { Conn, Database } from '../../db/client.js';
import { AppError } from '../../errors.js';
import { mayRead } from '../../auth/permissions.js';
import type { Events } from '../events/service.js';
import { createLoop } from '../../loop.js';
import { NOTIFICATION_TYPES, notificationLinkSchema, notificationTextSchema, type Notification } from './messages.js';
import { deliveryFor } from './rules.js';
import type { NewNotification, NotificationRow, NotificationStore } from './store.js';
import { toNotification } from './store.js';

export type { NewNotification, NotificationRow } from './store.js';

/** What notifications need from presence (src/features/presence), resolved lazily. */
export interface PresencePort {
  getStatus(tenantId: string, userId: string): Promise<string | null | undefined> | string | null | undefined;
}

export type Notifications = ReturnType<typeof createNotifications>;

export function createNotifications(deps: {
  db: Database;
  store: NotificationStore;
  events: Events;
  broadcast: Broadcast;
  presence: () => PresencePort | null;
  log: Logger;
}) {
  const { store, events, log } = deps;
  /** Run in the notification's transaction (features/reach writes its outbox rows here). */
  const createdHooks: Array<(q: Conn, row: NotificationRow) => Promise<void>> = [];
  /** Whether a user's open tabs pop a kind (the reach preferences can turn in-app off); the inbox keeps it either way. */
  let popsInApp: (tenantId: string, userId: string, type: string) => Promise<boolean> = async () => true;

  const statusOf = async (tenantId: string, userId: string) => {
    const p = deps.presence();
    if (!p) return null;
    try {
      return (await p.getStatus(tenantId, userId)) ?? null;
    } catch (err) {
      log.warn({ err }, 'presence status unavailable; delivering');
      return null;
    }
  };

  /**
   * Creates the notification, or returns null when its recipient may not read the page it is
   * about (by their last token's rights): a mention, reply or comment there must not reach them.
   */
  async function notify(q: Conn, n: NewNotification): Promise<Notification | null> {
    if (!NOTIFICATION_TYPES.includes(n.type)) throw new AppError('validation_failed', `Unknown notification type "${n.type}"`);
    if (!n.title || n.title.length > 300) throw new AppError('validation_failed', 'A notification title is 1-300 characters');
    if ((n.body ?? '').length > 4000) throw new AppError('validation_failed', 'A notification body is at most 4000 characters');
    if (n.link && !notificationLinkSchema.safeParse(n.link).success) throw new AppError('validation_failed', 'Invalid notification link');
    if (n.text && !notificationTextSchema.safeParse(n.text).success) throw new AppError('validation_failed', 'Invalid notification text (a known key, params of short strings or numbers)');
    if (n.link?.pageKey) {
      const perms = await store.recipientPerms(q, n.tenantId, n.userId);
      if (perms && !mayRead(perms, n.link.pageKey)) return null;
    }
    const row = await store.insert(q, n);
    for (const hook of createdHooks) await hook(q, row);
    const item = toNotification(row);
    await events.publish(q, {
      tenantId: n.tenantId,
      type: 'notification.created',
      // Private to the user: not in the room's log (other members replay that), only the tenant's.
      roomId: null,
      pageKey: n.link?.pageKey ?? null,
      actor: item.actor,
      data: { notificationId: item.id, userId: n.userId, type: item.type, urgent: item.urgent, title: item.title, link: item.link },
    });
    return item;
  }

  const emit = (r: { tenantId: string; userId: string }, item: Notification) =>
    deps.broadcast.send({ tenantId: r.tenantId, users: [r.userId] }, 'notification', item);

  /**
   * Settles pending notifications: live ones go to the user's tabs, dnd holds the rest. Either
   * way each user's tabs then get the true unread count (`notifications:unread`): a held item is
   * unread too, and no tab can count what it was never sent.
   */
  const deliverLoop = createLoop(
    async () => {
      const settled = await store.claimPending(200, async (r) => deliveryFor(r, await statusOf(r.tenantId, r.userId)));
      const users = new Map<string, { tenantId: string; userId: string }>();
      const pops = new Map<string, Promise<boolean>>(); // one preference lookup per user and kind per batch
      for (const r of settled) {
        const k = `${r.tenantId}\u0000${r.userId}\u0000${r.type}`;
        if (r.delivery === 'live' && !pops.has(k)) pops.set(k, popsInApp(r.tenantId, r.userId, r.type));
        if (r.delivery === 'live' && (await pops.get(k))) emit(r, toNotification(r));
        users.set(`${r.tenantId}\u0000${r.userId}`, r);
      }
      for (const u of users.values()) deps.broadcast.send({ tenantId: u.tenantId, users: [u.userId] }, 'notifications:unread', { unread: await store.unreadCount(u.tenantId, u.userId) });
      return settled.length === 200;
    },
    log,
    'notifications',
  );

  async function releaseFor(tenantId: string, userId: string) {
    for (const r of await store.release(tenantId, userId)) if (await popsInApp(r.tenantId, r.userId, r.type)) emit(r, toNotification(r));
  }

  /** A status change: leaving dnd surfaces what was held. */
  async function statusChanged(tenantId: string, userId: string, status: string | null | undefined) {
    if (deliveryFor({ urgent: false }, status) === 'live') await releaseFor(tenantId, userId);
  }

  /** Safety net for missed status callbacks (another instance, a restart): re-check users with held items. */
  const heldLoop = createLoop(
    async () => {
      for (const u of await store.usersWithHeld(500)) {
        if (deliveryFor({ urgent: false }, await statusOf(u.tenantId, u.userId)) === 'live') await releaseFor(u.tenantId, u.userId);
      }
      return false;
    },
    log,
    'notifications-held',
  );

  let ticks = 0;
  const off = events.onWake((tenantId) => {
    deliverLoop.wake();
    if (tenantId === null && ++ticks % 3 === 0) heldLoop.wake();
  });

  async function markRead(tenantId: string, userId: string, ids: string[] | 'all') {
    const changed = await store.markRead(tenantId, userId, ids);
    const unread = await store.unreadCount(tenantId, userId);
    if (changed.length) deps.broadcast.send({ tenantId, users: [userId] }, 'notifications:read', { ids: changed, unread });
    return { ids: changed, unread };
  }

  return {
    notify,
    notifyNow: (n: NewNotification) => deps.db.transaction((tx) => notify(tx, n)),
    /** Wakes delivery now (for callers that just committed; optional, delivery happens anyway). */
    kick: () => deliverLoop.wake(),
    statusChanged,
    onCreated: (hook: (q: Conn, row: NotificationRow) => Promise<void>) => void createdHooks.push(hook),
    setInAppFilter: (fn: typeof popsInApp) => void (popsInApp = fn),
    async list(tenantId: string, userId: string, o: { unreadOnly: boolean; beforeSeq?: number | undefined; limit: number }) {
      const [rows, unread] = await Promise.all([store.list(tenantId, userId, o), store.unreadCount(tenantId, userId)]);
      return { items: rows.map(toNotification), unread };
    },
    /** What a reconnecting tab missed since its last seen seq. */
    async since(tenantId: string, userId: string, afterSeq: number) {
      const [rows, unread] = await Promise.all([store.after(tenantId, userId, afterSeq, 500), store.unreadCount(tenantId, userId)]);
      return { items: rows.map(toNotification), unread, complete: rows.length < 500 };
    },
    unreadCount: (tenantId: string, userId: string) => store.unreadCount(tenantId, userId),
    markRead,
    async close() {
      off();
      await Promise.all([deliverLoop.stop(), heldLoop.stop()]);
    },
  };
}

import type { Database, Queryable } from '../../db/client.js';
import { nextSeq } from '../events/store.js';
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

interface Row {
  id: string;
  tenant_id: string;
  user_id: string;
  seq: string;
  type: NotificationType;
  urgent: boolean;
  title: string;
  body: string;
  link: NotificationLink;
  actor_type: 'user' | 'app' | 'system';
  actor_id: string;
  data: Record<string, unknown>;
  delivery: 'pending' | 'live' | 'held' | 'released';
  created_at: Date | string;
  read_at: Date | string | null;
}
export type NotificationRow = Row;

const COLS = `id::text AS id, tenant_id, user_id, seq::text AS seq, type, urgent, title, body, link, actor_type, actor_id, data, delivery, created_at, read_at`;

export function toNotification(r: Row): Notification {
  const { text, ...data } = r.data;
  return {
    id: r.id,
    seq: Number(r.seq),
    type: r.type,
    urgent: r.urgent,
    title: r.title,
    text: notificationTextSchema.safeParse(text).data ?? null,
    body: r.body,
    link: r.link,
    actor: { type: r.actor_type, id: r.actor_id },
    data,
    held: r.delivery === 'held' || r.delivery === 'pending',
    read: r.read_at !== null,
    createdAt: new Date(r.created_at).toISOString(),
    readAt: r.read_at === null ? null : new Date(r.read_at).toISOString(),
  };
}

export const userSeqKey = (tenantId: string, userId: string) => `u:${tenantId}:${userId}`;

export function createNotificationStore(db: Database) {
  async function insert(q: Queryable, n: NewNotification): Promise<Row> {
    const seq = await nextSeq(q, userSeqKey(n.tenantId, n.userId));
    const actor = n.actor ?? { type: 'system', id: 'tandem' };
    const { rows } = await q.query<Row>(
      `INSERT INTO notifications (tenant_id, user_id, seq, type, urgent, title, body, link, actor_type, actor_id, data)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb, $9, $10, $11::jsonb) RETURNING ${COLS}`,
      [n.tenantId, n.userId, seq, n.type, n.urgent ?? false, n.title, n.body ?? '', JSON.stringify(n.link ?? {}), actor.type, actor.id, JSON.stringify(n.text ? { ...n.data, text: n.text } : (n.data ?? {}))],
    );
    return rows[0]!;
  }

  /** Claims undelivered rows (any instance; SKIP LOCKED) and lets `decide` settle each within the claim. */
  async function claimPending(limit: number, decide: (r: Row) => Promise<'live' | 'held'>): Promise<Row[]> {
    return db.transaction(async (tx) => {
      const { rows } = await tx.query<Row>(
        `SELECT ${COLS} FROM notifications WHERE delivery = 'pending' ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED`,
        [limit],
      );
      const settled: Row[] = [];
      for (const r of rows) {
        const d = await decide(r);
        settled.push({ ...r, delivery: d });
      }
      const live = settled.filter((r) => r.delivery === 'live').map((r) => r.id);
      const held = settled.filter((r) => r.delivery === 'held').map((r) => r.id);
      if (live.length) await tx.query(`UPDATE notifications SET delivery = 'live', delivered_at = now() WHERE id = ANY($1::bigint[])`, [live]);
      if (held.length) await tx.query(`UPDATE notifications SET delivery = 'held' WHERE id = ANY($1::bigint[])`, [held]);
      return settled;
    });
  }

  /** Users with held notifications (for the sweep that re-checks their status). */
  async function usersWithHeld(limit: number): Promise<Array<{ tenantId: string; userId: string }>> {
    const { rows } = await db.query<{ tenant_id: string; user_id: string }>(
      `SELECT DISTINCT tenant_id, user_id FROM notifications WHERE delivery = 'held' LIMIT $1`,
      [limit],
    );
    return rows.map((r) => ({ tenantId: r.tenant_id, userId: r.user_id }));
  }

  /** Marks a user's held notifications released; returns them (exactly once across instances). */
  async function release(tenantId: string, userId: string): Promise<Row[]> {
    const { rows } = await db.query<Row>(
      `UPDATE notifications SET delivery = 'released', delivered_at = now()
       WHERE id IN (SELECT id FROM notifications WHERE tenant_id = $1 AND user_id = $2 AND delivery = 'held' FOR UPDATE SKIP LOCKED)
       RETURNING ${COLS}`,
      [tenantId, userId],
    );
    return rows.sort((a, b) => Number(a.seq) - Number(b.seq));
  }

  async function list(tenantId: string, userId: string, o: { unreadOnly: boolean; beforeSeq?: number | undefined; limit: number }) {
    const { rows } = await db.query<Row>(
      `SELECT ${COLS} FROM notifications WHERE tenant_id = $1 AND user_id = $2
         AND ($3::boolean = false OR read_at IS NULL) AND ($4::bigint IS NULL OR seq < $4)
       ORDER BY seq DESC LIMIT $5`,
      [tenantId, userId, o.unreadOnly, o.beforeSeq ?? null, o.limit],
    );
    return rows;
  }

  async function after(tenantId: string, userId: string, afterSeq: number, limit: number) {
    const { rows } = await db.query<Row>(
      `SELECT ${COLS} FROM notifications WHERE tenant_id = $1 AND user_id = $2 AND seq > $3 ORDER BY seq LIMIT $4`,
      [tenantId, userId, afterSeq, limit],
    );
    return rows;
  }

  async function unreadCount(tenantId: string, userId: string): Promise<number> {
    const { rows } = await db.query<{ n: string }>(
      `SELECT count(*)::text AS n FROM notifications WHERE tenant_id = $1 AND user_id = $2 AND read_at IS NULL`,
      [tenantId, userId],
    );
    return Number(rows[0]!.n);
  }

  async function markRead(tenantId: string, userId: string, ids: string[] | 'all'): Promise<string[]> {
    const { rows } = await db.query<{ id: string }>(
      `UPDATE notifications SET read_at = now()
       WHERE tenant_id = $1 AND user_id = $2 AND read_at IS NULL AND ($3::bigint[] IS NULL OR id = ANY($3::bigint[]))
       RETURNING id::text AS id`,
      [tenantId, userId, ids === 'all' ? null : ids],
    );
    return rows.map((r) => r.id);
  }

  return { insert, claimPending, usersWithHeld, release, list, after, unreadCount, markRead };
}
export type NotificationStore = ReturnType<typeof createNotificationStore>;

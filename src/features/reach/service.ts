/**
 * Notifications that reach people away from the page: per-user preferences, per-tenant channels
 * (SMTP, Slack, Teams) and the dispatcher that drains the outbox (notification_deliveries).
 *
 * The outbox rows are written in the notification's own transaction (`enqueue`, hooked into
 * app.notifications), so a notification that committed is never lost to a crash or a restart,
 * and the unique (notification, channel) index keeps it to one delivery per recipient per channel.
 * A non-urgent row waits the digest window first; when one comes due, every pending row of the
 * same user and channel is claimed with it and goes out as one message. rules.ts decides what is
 * skipped (read in the app meanwhile), held (do-not-disturb, quiet hours) or sent. Failures retry
 * on NOTIFY_RETRY_SCHEDULE, like webhooks; a claim is a lease, so a crashed sender's rows come due again.
 */
import type { Logger } from '../../ports/log.js';
import type { Conn, Database } from '../../db/client.js';
import { AppError } from '../../errors.js';
import type { Events } from '../events/service.js';
import { createLoop } from '../../loop.js';
import type { NotificationType } from '../notifications/messages.js';
import type { NotificationRow } from '../notifications/service.js';
import { type Lookup, systemLookup, type TargetPolicy } from '../../outbound/deliver.js';
import { createChannels } from './channels.js';
import { nextDelay } from '../../outbound/retry.js';
import type { Preferences, PreferencesInput } from './messages.js';
import { emailText, type Item, slackPayload, subjectOf, teamsPayload } from './render.js';
import { channelsFor, type OutboundChannel, pageLink, plan } from './rules.js';
import { PermanentFailure, postChat, sendMail, type SmtpConfig } from './send.js';
import type { ClaimedDelivery, PrefsRow, ReachStore } from './store.js';

export type Reach = ReturnType<typeof createReach>;

const MAX_GROUPS = 16;

export interface ReachDeps {
  db: Database;
  store: ReachStore;
  events: Events;
  presence: () => { getStatus(tenantId: string, userId: string): Promise<string | null | undefined> } | null;
  hostOrigins: (tenantId: string) => Promise<readonly string[]>;
  displayName: (tenantId: string, userId: string) => Promise<string | null>;
  /** ms since the epoch; tests move it to cross quiet hours. */
  clock: () => number;
  digestWindowMs: number;
  dndRecheckMs: number;
  retrySchedule: number[];
  timeoutMs: number;
  allowPrivateNetworks: boolean;
  log: Logger;
  lookup?: Lookup;
}

function publicPrefs(r: PrefsRow | undefined): Preferences {
  if (!r) return { email: null, chatChannelId: null, channels: ['in_app'], byKind: {}, timeZone: 'UTC', quietHours: null, updatedAt: null };
  return {
    email: r.email,
    chatChannelId: r.chatChannelId,
    channels: r.channels.default as Preferences['channels'],
    byKind: r.channels.byKind as Preferences['byKind'],
    timeZone: r.timeZone,
    quietHours: r.quietStart && r.quietEnd ? { start: r.quietStart, end: r.quietEnd } : null,
    updatedAt: r.updatedAt.toISOString(),
  };
}

const choiceOf = (r: PrefsRow) => ({ default: r.channels.default, byKind: r.channels.byKind });
const messageKey = (ids: number[], channel: string) => `<tandem-${channel}-${Math.min(...ids)}@notifications.tandem>`;

export function createReach(deps: ReachDeps) {
  const { store, log } = deps;
  /** Set when this instance wrote outbox rows: the next commit wake runs the loop (other commits do not). */
  let enqueuedHere = false;
  const policy: TargetPolicy = { allowPrivate: deps.allowPrivateNetworks, lookup: deps.lookup ?? systemLookup };
  const leaseMs = deps.timeoutMs * 3 + 30_000;

  /** In the notification's transaction: one outbox row per channel beyond the browser the user chose for this kind. */
  async function enqueue(q: Conn, n: NotificationRow) {
    const p = await store.prefsIn(q, n.tenantId, n.userId);
    if (!p) return;
    const want = channelsFor(choiceOf(p), n.type as NotificationType);
    const out: OutboundChannel[] = [];
    if (want.has('email') && p.email) out.push('email');
    if (want.has('chat') && p.chatChannelId) out.push('chat');
    const at = new Date(deps.clock() + (n.urgent ? 0 : deps.digestWindowMs));
    if (out.length) enqueuedHere = true;
    await store.enqueue(q, out.map((channel) => ({ tenantId: n.tenantId, userId: n.userId, notificationId: n.id, channel, urgent: n.urgent, nextAttemptAt: at })));
  }

  /** Whether the user's open tabs should pop this kind (the inbox keeps it either way). */
  async function wantsInApp(tenantId: string, userId: string, type: string): Promise<boolean> {
    const p = await store.getPrefs(tenantId, userId);
    return !p || channelsFor(choiceOf(p), type as NotificationType).has('in_app');
  }

  async function setPreferences(tenantId: string, userId: string, input: PreferencesInput): Promise<Preferences> {
    const uses = new Set([...input.channels, ...Object.values(input.byKind).flat()]);
    if (uses.has('email')) {
      if (!input.email) throw new AppError('validation_failed', 'The email channel needs an email address');
      if (!(await store.emailChannel(tenantId))) throw new AppError('validation_failed', 'This tenant has no email channel yet (POST /api/v1/notification-channels with kind "email")');
    }
    if (input.chatChannelId) {
      const c = await store.getChannel(tenantId, input.chatChannelId);
      if (!c || c.kind === 'email') throw new AppError('validation_failed', `No Slack or Teams channel "${input.chatChannelId}" in this tenant`);
    } else if (uses.has('chat')) {
      throw new AppError('validation_failed', 'The chat channel needs chatChannelId (a Slack or Teams channel of the tenant)');
    }
    const row = await store.putPrefs({
      tenantId,
      userId,
      email: input.email,
      chatChannelId: input.chatChannelId,
      channels: { default: input.channels, byKind: input.byKind as Record<string, string[]> },
      timeZone: input.timeZone,
      quietStart: input.quietHours?.start ?? null,
      quietEnd: input.quietHours?.end ?? null,
    });
    loop.wake(); // quiet hours may have ended, or a channel been added
    return publicPrefs(row);
  }

  const statusOf = async (tenantId: string, userId: string) => {
    try {
      return (await deps.presence()?.getStatus(tenantId, userId)) ?? null;
    } catch (err) {
      log.warn({ err }, 'presence status unavailable; not holding for do-not-disturb');
      return null;
    }
  };

  /** One attempt at one message carrying `rows`; records the outcome. */
  async function send(rows: ClaimedDelivery[], p: PrefsRow) {
    const { tenantId, userId, channel } = rows[0]!;
    const ids = rows.map((r) => r.id);
    const key = messageKey(ids, channel);
    const origins = await deps.hostOrigins(tenantId);
    const items: Item[] = rows.map((r) => ({ title: r.title, body: r.body, url: pageLink(r.link.url as string | undefined, r.roomUrl, origins), urgent: r.urgent, createdAt: r.createdAt }));
    const to = { userId, name: (await deps.displayName(tenantId, userId)) ?? userId };
    try {
      if (channel === 'email') {
        const c = await store.emailChannel(tenantId);
        if (!c) throw new PermanentFailure('the tenant has no email channel');
        await sendMail(c.config as unknown as SmtpConfig, { to: p.email!, subject: subjectOf(items), text: emailText(items, to), messageId: key }, policy, deps.timeoutMs);
      } else {
        const c = p.chatChannelId ? await store.getChannel(tenantId, p.chatChannelId) : undefined;
        if (!c) throw new PermanentFailure('the chat channel was removed');
        await postChat(String(c.config.url), c.kind === 'slack' ? slackPayload(items, to) : teamsPayload(items, to), policy, deps.timeoutMs);
      }
      await store.delivered(ids, key);
    } catch (err) {
      const attempts = Math.max(...rows.map((r) => r.attempts)) + 1;
      const delay = err instanceof PermanentFailure ? null : nextDelay(deps.retrySchedule, attempts);
      const error = (err as Error).message || 'delivery failed';
      await store.attemptFailed(ids, error, delay === null ? null : new Date(deps.clock() + delay * 1000), key);
      log.info({ tenantId, userId, channel, error, attempt: attempts, final: delay === null }, 'notification delivery failed');
    }
  }

  /** Decides and sends one user's claimed rows of one channel. */
  async function settle(rows: ClaimedDelivery[]) {
    const { tenantId, userId, channel } = rows[0]!;
    const p = await store.getPrefs(tenantId, userId);
    const gone = (r: ClaimedDelivery) => !p || !channelsFor(choiceOf(p), r.type as NotificationType).has(channel) || (channel === 'email' ? !p.email : !p.chatChannelId);
    await store.skipped(rows.filter(gone).map((r) => r.id), 'turned off in the preferences');
    const live = rows.filter((r) => !gone(r));
    if (!p || live.length === 0) return;
    const now = deps.clock();
    const quiet = p.quietStart && p.quietEnd ? { start: p.quietStart, end: p.quietEnd } : null;
    const d = plan(live, { now, status: await statusOf(tenantId, userId), quiet, timeZone: p.timeZone, dndRecheckMs: deps.dndRecheckMs });
    await store.skipped(d.skip.map((r) => r.id), 'read in the app');
    if (d.hold) await store.hold(d.hold.rows.map((r) => r.id), new Date(d.hold.until), d.hold.reason);
    if (d.send.length) await send(d.send, p);
  }

  let retryTimer: NodeJS.Timeout | undefined;
  let stopped = false;
  const loop = createLoop(
    async () => {
      enqueuedHere = false;
      const now = deps.clock();
      const claimed = await store.claimDue(new Date(now), new Date(now + leaseMs), MAX_GROUPS);
      const groups = new Map<string, ClaimedDelivery[]>();
      for (const r of claimed) {
        const k = `${r.tenantId}\u0000${r.userId}\u0000${r.channel}`;
        groups.set(k, [...(groups.get(k) ?? []), r]);
      }
      await Promise.all([...groups.values()].map((g) => settle(g).catch((err) => log.error({ err }, 'notification delivery could not be settled'))));
      if (groups.size === MAX_GROUPS) return true;
      // Wake for the next row that comes due (digest window, retry, quiet hours) before the poll would.
      const next = await store.nextDueAt();
      clearTimeout(retryTimer);
      if (next && !stopped) {
        retryTimer = setTimeout(() => loop.wake(), Math.min(Math.max(0, next.getTime() - deps.clock()) + 5, 60_000));
        retryTimer.unref();
      }
      return false;
    },
    log,
    'reach',
  );
  // Every poll tick, and the commit wakes after this instance enqueued: a claim per commit of
  // anything (chat, fields) would be a query per event for nothing. Rows another instance wrote
  // are found by its own wake or by the next poll tick here.
  const off = deps.events.onWake((tenantId) => {
    if (tenantId === null || enqueuedHere) loop.wake();
  });
  loop.wake(); // anything left over from before a restart

  return {
    enqueue,
    wantsInApp,
    getPreferences: async (tenantId: string, userId: string) => publicPrefs(await store.getPrefs(tenantId, userId)),
    setPreferences,
    channels: createChannels({ db: deps.db, store, policy, timeoutMs: deps.timeoutMs }),
    deliveries: (tenantId: string, userId: string, o: { status?: string | undefined; limit: number }) => store.listDeliveries(tenantId, userId, o),
    /** Leaving do-not-disturb: what it held goes out now. */
    async statusChanged(tenantId: string, userId: string, status: string | null | undefined) {
      if (status !== 'dnd' && (await store.releaseDnd(tenantId, userId, new Date(deps.clock()))) > 0) loop.wake();
    },
    kick: () => loop.wake(),
    async close() {
      stopped = true;
      off();
      clearTimeout(retryTimer);
      await loop.stop();
    },
  };
}

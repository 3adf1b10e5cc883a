/**
 * A tenant's channels: one SMTP server, Slack and Teams incoming webhooks. Each is checked before it
 * is saved (the SMTP server is connected to and logged in to; a webhook URL must be http(s), resolve,
 * and pass the network guard), and shown with its secrets masked. Used by the REST routes (through
 * app.reach) and by the CLI, which has no running server.
 */
import type { Database } from '../../db/client.js';
import { AppError } from '../../errors.js';
import { type AuditEntry, appendAudit } from '../../db/audit.js';
import { checkEndpointUrl, type TargetPolicy } from '../../outbound/deliver.js';
import type { Channel, ChannelInput } from './messages.js';
import { type SmtpConfig, verifySmtp } from './send.js';
import type { ChannelRow, ReachStore } from './store.js';

/** Webhook URLs carry their secret in the path: show the origin and the last characters only. */
const maskUrl = (url: string) => {
  const u = new URL(url);
  return `${u.origin}/…${(u.pathname + u.search).slice(-4)}`;
};

export function publicChannel(r: ChannelRow): Channel {
  const base = { id: r.id, kind: r.kind as Channel['kind'], name: r.name, createdAt: r.createdAt.toISOString() };
  if (r.kind === 'email') {
    const s = r.config as unknown as SmtpConfig;
    return { ...base, smtp: { host: s.host, port: s.port, secure: s.secure, requireTLS: s.requireTLS, user: s.user ?? null, passwordSet: !!s.password, from: s.from } };
  }
  return { ...base, url: maskUrl(String(r.config.url)) };
}

export type Channels = ReturnType<typeof createChannels>;

/** Who changes a channel, for the audit log: the API key (REST) or the operator (CLI). */
export type ChannelActor = AuditEntry['actor'];

export function createChannels(o: { db: Database; store: ReachStore; policy: TargetPolicy; timeoutMs: number }) {
  const { store, policy } = o;
  return {
    async add(tenantId: string, input: ChannelInput, actor: ChannelActor): Promise<Channel> {
      let config: Record<string, unknown>;
      if (input.kind === 'email') {
        const smtp = input.smtp;
        if (!/^[^\s@<>]+@[^\s@<>]+$/.test(smtp.from.replace(/^.*<(.+)>\s*$/, '$1'))) throw new AppError('validation_failed', 'smtp.from must be an address, e.g. "Tandem <tandem@example.com>"');
        try {
          await verifySmtp(smtp, policy, Math.min(o.timeoutMs, 10_000));
        } catch (err) {
          throw new AppError('validation_failed', `SMTP server ${smtp.host}:${smtp.port} refused or unreachable: ${(err as Error).message}`);
        }
        config = { ...smtp };
      } else {
        config = { url: await checkEndpointUrl(input.url, policy, { what: `${input.kind === 'slack' ? 'Slack' : 'Teams'} webhook URL`, mustResolve: true }) };
      }
      const shown = await o.db.transaction(async (tx) => {
        const row = await store.createChannel(tx, { tenantId, kind: input.kind, name: input.name, config });
        if (!row) throw new AppError('conflict', 'This tenant already has an email channel; remove it first');
        const c = publicChannel(row);
        // What the audit keeps is what the API shows: never a password or a full webhook URL.
        await appendAudit(tx, { tenantId, actor, action: 'notification_channel.created', subject: c.id, data: c });
        return c;
      });
      return shown;
    },
    list: async (tenantId: string) => (await store.listChannels(tenantId)).map(publicChannel),
    async remove(tenantId: string, id: string, actor: ChannelActor) {
      await o.db.transaction(async (tx) => {
        const gone = await store.removeChannel(tx, tenantId, id);
        if (!gone) throw new AppError('not_found', 'No such notification channel');
        await appendAudit(tx, { tenantId, actor, action: 'notification_channel.removed', subject: id, data: { kind: gone.kind, name: gone.name } });
      });
    },
  };
}

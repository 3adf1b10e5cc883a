// Issue 15: the audit trail can be read (GET /api/v1/audit), filtered by room, actor, kind and
// time, tenant-scoped; chat edits and deletes are in it with what the message said.
import type { Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, request } from '../helpers/clients.js';
import { createTenant, startTandem, type TestServer } from '../helpers/server.js';
import { uniqueId } from '../helpers/services.js';

type Entry = { id: number; actor: { type: string; id: string }; action: string; subject: string | null; roomId: string | null; data: Record<string, unknown>; at: string };

describe('the audit trail over REST', () => {
  let srv: TestServer;
  let t: Awaited<ReturnType<typeof createTenant>>;
  let other: Awaited<ReturnType<typeof createTenant>>;
  let alice: Socket;
  let bob: Socket;
  let roomId = '';
  let otherRoomId = '';
  const pageId = uniqueId();
  const audit = async (key: string, query: Record<string, string> = {}) => {
    const r = await fetch(`${srv.url}/api/v1/audit?${new URLSearchParams(query)}`, { headers: { authorization: `Bearer ${key}` } });
    return { status: r.status, body: (await r.json()) as { entries: Entry[]; nextBefore: number | null; error?: { code: string } } };
  };

  beforeAll(async () => {
    srv = await startTandem();
    t = await createTenant(srv.app, uniqueId('au'));
    other = await createTenant(srv.app, uniqueId('au'));
    alice = await connect(srv.url, await t.token('alice'));
    bob = await connect(srv.url, await t.token('bob'));
    const fields = [{ name: 'notes', kind: 'textarea', value: '' }, { name: 'status', kind: 'select', value: 'new' }];
    for (const s of [alice, bob]) roomId = (await request(s, 'room:join', { context: { url: `/admin/shop/order/${pageId}/change/`, title: 'Order', fields } })).roomId;
    otherRoomId = (await request(bob, 'room:join', { context: { url: `/admin/shop/order/${pageId}x/change/`, title: 'Other', fields } })).roomId;

    const sent = await request(alice, 'chat:send', { roomId, body: 'the discount is 10%', clientMsgId: 'a1' });
    expect((await request(alice, 'chat:edit', { roomId, messageId: sent.message.id, body: 'the discount is 15%' })).ok).toBe(true);
    expect((await request(alice, 'chat:delete', { roomId, messageId: sent.message.id })).ok).toBe(true);
    const d = await request(alice, 'work:delegate', { roomId, fields: ['status'], assigneeId: 'bob', note: 'please check' });
    expect(d.ok, JSON.stringify(d)).toBe(true);
    const m2 = await request(bob, 'chat:send', { roomId: otherRoomId, body: 'elsewhere', clientMsgId: 'b1' });
    expect((await request(bob, 'chat:delete', { roomId: otherRoomId, messageId: m2.message.id })).ok).toBe(true);
  });
  afterAll(async () => {
    alice?.close();
    bob?.close();
    await srv?.close();
  });

  it('has chat edits and deletes with what the message said, and the delegation, for the room', async () => {
    const { status, body } = await audit(t.apiKey, { roomId });
    expect(status).toBe(200);
    const actions = body.entries.map((e) => e.action);
    expect(actions).toEqual(['delegation.created', 'chat.message.deleted', 'chat.message.edited']);
    const edited = body.entries.find((e) => e.action === 'chat.message.edited')!;
    expect(edited).toMatchObject({ actor: { type: 'user', id: 'alice' }, roomId, data: { before: 'the discount is 10%', after: 'the discount is 15%' } });
    expect(body.entries.find((e) => e.action === 'chat.message.deleted')!.data).toMatchObject({ body: 'the discount is 15%' });
    // The same room by its page key.
    expect((await audit(t.apiKey, { pageKey: `shop.order:${pageId}` })).body.entries.map((e) => e.id)).toEqual(body.entries.map((e) => e.id));
  });

  it('filters by actor, kind (exact or prefix) and time, and pages', async () => {
    const byBob = (await audit(t.apiKey, { actor: 'bob' })).body.entries;
    expect(byBob.map((e) => [e.action, e.roomId])).toEqual([['chat.message.deleted', otherRoomId]]);
    const chat = (await audit(t.apiKey, { kind: 'chat.*' })).body.entries;
    expect(chat.map((e) => e.action)).toEqual(['chat.message.deleted', 'chat.message.deleted', 'chat.message.edited']);
    expect((await audit(t.apiKey, { kind: 'chat.message.edited' })).body.entries).toHaveLength(1);
    const all = (await audit(t.apiKey)).body.entries;
    expect(all.map((e) => e.action)).toContain('api_key.created');
    const future = new Date(Date.now() + 60_000).toISOString();
    expect((await audit(t.apiKey, { since: future })).body.entries).toEqual([]);
    expect((await audit(t.apiKey, { until: future })).body.entries).toHaveLength(all.length);
    const page1 = (await audit(t.apiKey, { limit: '2' })).body;
    expect(page1.entries).toHaveLength(2);
    const page2 = (await audit(t.apiKey, { limit: '2', before: String(page1.nextBefore) })).body;
    expect(page2.entries[0]!.id).toBeLessThan(page1.entries[1]!.id);
  });

  it('never shows another tenant, and refuses bad filters', async () => {
    const theirs = (await audit(other.apiKey, { roomId })).body.entries;
    expect(theirs).toEqual([]);
    expect((await audit(other.apiKey)).body.entries.every((e) => !String(e.roomId ?? '').includes(roomId))).toBe(true);
    const bad: Array<Record<string, string>> = [{ roomId: 'nope' }, { kind: 'DROP TABLE' }, { since: 'yesterday' }, { limit: '0' }, { roomId, pageKey: 'x' }];
    for (const q of bad) {
      const r = await audit(t.apiKey, q);
      expect(r.status, JSON.stringify(q)).toBe(400);
      expect(r.body.error?.code).toBe('validation_failed');
    }
    expect((await audit(t.apiKey, { pageKey: 'shop.order:none' })).status).toBe(404);
    expect((await fetch(`${srv.url}/api/v1/audit`)).status).toBe(401);
  });
});

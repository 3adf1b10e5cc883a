import type { Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, request, waitFor, waitForRoomEvent } from '../helpers/clients.js';
import { createTestDatabase, hasPg, uniqueId } from '../helpers/services.js';
import { createTenant, startTandem, type TestServer } from '../helpers/server.js';

const context = (pageKey: string) => ({
  context: {
    url: `/p/${pageKey}`,
    pageKey,
    fields: [
      { name: 'note', kind: 'textarea', value: 'the quick brown fox' },
      { name: 'status', kind: 'select', value: 'open' },
    ],
  },
});

describe.skipIf(!hasPg)('field comments (Postgres, real sockets)', () => {
  let srv: TestServer;
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let tenant: Awaited<ReturnType<typeof createTenant>>;
  const open: Socket[] = [];
  const user = async (id: string) => {
    const s = await connect(srv.url, await tenant.token(id, { name: id.toUpperCase() }));
    open.push(s);
    return s;
  };

  beforeAll(async () => {
    db = await createTestDatabase();
    srv = await startTandem({ databaseUrl: db.url, env: { EVENTS_POLL_MS: '200' } });
    tenant = await createTenant(srv.app, uniqueId());
  });
  afterAll(async () => {
    for (const s of open) s.close();
    await srv?.close();
    await db?.drop();
  });

  it('threads on a field: create, reply, resolve, reopen, edit and delete own; listed per field and per room', async () => {
    const a = await user('ava');
    const b = await user('bea');
    const { roomId } = await request(a, 'room:join', context('cm:1'));
    await request(b, 'room:join', context('cm:1'));
    const live = waitForRoomEvent(b, (e) => e.type === 'comment.created');
    const root = await request(a, 'comment:create', { roomId, field: 'status', body: 'Why open?' });
    expect(root).toMatchObject({ ok: true, comment: { field: 'status', parentId: null, resolved: false, range: null, author: { id: 'ava' } } });
    expect((await live).data.comment.id).toBe(root.comment.id);
    const note = waitFor(a, 'notification', (n) => n.type === 'comment');
    const reply = await request(b, 'comment:create', { roomId, field: 'ignored', parentId: root.comment.id, body: 'Waiting for stock' });
    expect(reply.comment).toMatchObject({ field: 'status', parentId: root.comment.id });
    expect(await note).toMatchObject({ title: 'BEA replied to a comment on status', link: { roomId, field: 'status' } });
    await request(a, 'comment:create', { roomId, field: 'note', body: 'Typo?' });

    const perField = await request(a, 'comment:list', { roomId, field: 'status' });
    expect(perField.threads).toHaveLength(1);
    expect(perField.threads[0].replies.map((r: { body: string }) => r.body)).toEqual(['Waiting for stock']);
    expect((await request(a, 'comment:list', { roomId })).threads.map((t: { field: string }) => t.field)).toEqual(['status', 'note']);

    expect(await request(b, 'comment:resolve', { roomId, commentId: reply.comment.id })).toMatchObject({ ok: false, error: { code: 'validation_failed' } });
    expect(await request(b, 'comment:resolve', { roomId, commentId: root.comment.id })).toMatchObject({ ok: true, comment: { resolved: true, resolvedBy: 'bea' } });
    expect(await request(b, 'comment:resolve', { roomId, commentId: root.comment.id })).toMatchObject({ ok: false, error: { code: 'invalid_transition' } });
    expect((await request(a, 'comment:list', { roomId, field: 'status' })).threads).toHaveLength(0);
    expect((await request(a, 'comment:list', { roomId, field: 'status', includeResolved: true })).threads).toHaveLength(1);
    expect(await request(a, 'comment:reopen', { roomId, commentId: root.comment.id })).toMatchObject({ ok: true, comment: { resolved: false } });

    expect(await request(b, 'comment:edit', { roomId, commentId: root.comment.id, body: 'mine now' })).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect(await request(a, 'comment:edit', { roomId, commentId: root.comment.id, body: 'Why still open?' })).toMatchObject({ ok: true, comment: { body: 'Why still open?' } });
    expect(await request(b, 'comment:delete', { roomId, commentId: reply.comment.id })).toMatchObject({ ok: true, comment: { body: null, deleted: true } });

    // A joiner gets the open threads for the pins.
    const c = await user('cy');
    const j = await request(c, 'room:join', context('cm:1'));
    expect(j.comments.threads.map((t: { body: string }) => t.body)).toEqual(['Why still open?', 'Typo?']);
  });

  it('a text range follows co-editing ops', async () => {
    const a = await user('dee');
    const { roomId, document } = await request(a, 'room:join', context('cm:2'));
    const version = document?.fields?.note?.version ?? 0;
    // "the quick brown fox": comment on "brown" (10..15).
    const c = await request(a, 'comment:create', { roomId, field: 'note', body: 'colour?', range: { start: 10, end: 15, version } });
    expect(c.comment.range).toEqual({ start: 10, end: 15, version });
    // Someone inserts "very " before "quick" (at 4), then deletes "the " (0..4).
    const op1 = await request(a, 'field:op', { roomId, field: 'note', baseVersion: version, op: [4, 'very '], clientId: 'client-aaaa', seq: 1 });
    expect(op1.ok).toBe(true);
    const op2 = await request(a, 'field:op', { roomId, field: 'note', baseVersion: version + 1, op: [{ d: 4 }], clientId: 'client-aaaa', seq: 2 });
    expect(op2.ok).toBe(true);
    const list = await request(a, 'comment:list', { roomId, field: 'note' });
    expect(list.threads[0].range).toEqual({ start: 11, end: 16, version: version + 2 });
    // "very quick brown fox".slice(11, 16) === "brown"
    expect('very quick brown fox'.slice(11, 16)).toBe('brown');

    expect(await request(a, 'comment:create', { roomId, field: 'status', body: 'x', range: { start: 0, end: 1, version: 0 } })).toMatchObject({ ok: false, error: { code: 'validation_failed' } });
    expect(await request(a, 'comment:create', { roomId, field: 'note', body: 'x', range: { start: 0, end: 1, version: 99 } })).toMatchObject({ ok: false, error: { code: 'validation_failed' } });
    expect(await request(a, 'comment:create', { roomId, field: 'nope', body: 'x' })).toMatchObject({ ok: false, error: { code: 'not_found' } });
  });

  it('business apps list and post comments over REST; read-only users and other tenants cannot', async () => {
    const a = await user('eli');
    const { roomId } = await request(a, 'room:join', context('cm:3'));
    const h = { authorization: `Bearer ${tenant.apiKey}`, 'content-type': 'application/json' };
    const post = await fetch(`${srv.url}/api/v1/rooms/cm:3/comments`, { method: 'POST', headers: h, body: JSON.stringify({ field: 'status', body: 'Checked by ERP' }) });
    expect(post.status).toBe(201);
    expect((await post.json()).comment.author.type).toBe('app');
    const list = await fetch(`${srv.url}/api/v1/rooms/${roomId}/comments?field=status`, { headers: h });
    expect((await list.json()).threads.map((t: { body: string }) => t.body)).toEqual(['Checked by ERP']);
    const other = await createTenant(srv.app, uniqueId());
    expect((await fetch(`${srv.url}/api/v1/rooms/${roomId}/comments`, { headers: { authorization: `Bearer ${other.apiKey}` } })).status).toBe(404);
    const reader = await connect(srv.url, await tenant.token('ro', { perms: { 'cm:*': ['read'] } }));
    open.push(reader);
    await request(reader, 'room:join', context('cm:3'));
    expect(await request(reader, 'comment:create', { roomId, field: 'status', body: 'x' })).toMatchObject({ ok: false, error: { code: 'forbidden' } });
  });
});

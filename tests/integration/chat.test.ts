import type { Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, onRoomEvent, request, waitFor, waitForRoomEvent } from '../helpers/clients.js';
import { createTestDatabase, hasPg, uniqueId } from '../helpers/services.js';
import { createTenant, startTandem, type TestServer } from '../helpers/server.js';

const ctx = (pageKey: string) => ({ context: { url: `/x/${pageKey}`, pageKey, title: pageKey, fields: [{ name: 'note', kind: 'textarea' }] } });

describe.skipIf(!hasPg)('room chat (Postgres, real sockets)', () => {
  let srv: TestServer;
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let tenant: Awaited<ReturnType<typeof createTenant>>;
  const open: Socket[] = [];
  const user = async (id: string, name = id, extra = {}) => {
    const s = await connect(srv.url, await tenant.token(id, { name, ...extra }));
    open.push(s);
    return s;
  };
  const join = async (s: Socket, key: string) => {
    const r = await request(s, 'room:join', ctx(key));
    expect(r.ok).toBe(true);
    return r;
  };
  let n = 0;
  const cid = () => `c${++n}`;

  beforeAll(async () => {
    db = await createTestDatabase();
    srv = await startTandem({ databaseUrl: db.url, env: { WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true', EVENTS_POLL_MS: '200', CHAT_SEND_BURST: '1000', CHAT_SEND_PER_SECOND: '1000', CHAT_MESSAGE_MAX_CHARS: '200', CHAT_MENTIONS_MAX: '3' } });
    tenant = await createTenant(srv.app, uniqueId());
  });
  afterAll(async () => {
    for (const s of open) s.close();
    await srv?.close();
    await db?.drop();
  });

  it('sends, acks after commit, broadcasts, dedups a resend, edits own, soft-deletes', async () => {
    const a = await user('ann', 'Ann Lee');
    const b = await user('ben', 'Ben Ito');
    const { roomId } = await join(a, 'chat:flow');
    await join(b, 'chat:flow');
    const seen = waitForRoomEvent(b, (e) => e.type === 'chat.message.created');
    const sent = await request(a, 'chat:send', { roomId, body: 'hello https://example.com/x?a=1.', clientMsgId: 'm-1' });
    expect(sent).toMatchObject({ ok: true, duplicate: false, message: { body: 'hello https://example.com/x?a=1.', author: { type: 'user', id: 'ann', name: 'Ann Lee' } } });
    expect(sent.message.links).toEqual([{ start: 6, end: 31, url: 'https://example.com/x?a=1' }]);
    const ev = await seen;
    expect(ev).toMatchObject({ type: 'chat.message.created', seq: sent.message.seq, data: { message: { id: sent.message.id } } });
    // The acked message is in the database already.
    const { rows } = await srv.app.db.query(`SELECT body FROM chat_messages WHERE id = $1`, [sent.message.id]);
    expect(rows).toHaveLength(1);

    const again = await request(a, 'chat:send', { roomId, body: 'hello https://example.com/x?a=1.', clientMsgId: 'm-1' });
    expect(again).toMatchObject({ ok: true, duplicate: true, message: { id: sent.message.id, seq: sent.message.seq } });
    const count = await srv.app.db.query(`SELECT count(*)::int AS n FROM chat_messages WHERE room_id = $1`, [roomId]);
    expect(count.rows[0]).toEqual({ n: 1 });

    expect(await request(b, 'chat:edit', { roomId, messageId: sent.message.id, body: 'hijack' })).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    const edited = waitForRoomEvent(b, (e) => e.type === 'chat.message.edited');
    const e = await request(a, 'chat:edit', { roomId, messageId: sent.message.id, body: 'hello again' });
    expect(e).toMatchObject({ ok: true, message: { body: 'hello again' } });
    expect(e.message.editedAt).not.toBeNull();
    expect((await edited).data.message.body).toBe('hello again');

    expect(await request(b, 'chat:delete', { roomId, messageId: sent.message.id })).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    const deleted = waitForRoomEvent(b, (e) => e.type === 'chat.message.deleted');
    expect(await request(a, 'chat:delete', { roomId, messageId: sent.message.id })).toMatchObject({ ok: true, message: { body: null, deleted: true } });
    expect((await deleted).data.message.body).toBeNull();
    const stored = await srv.app.db.query(`SELECT body, deleted_at FROM chat_messages WHERE id = $1`, [sent.message.id]);
    expect(stored.rows[0]).toMatchObject({ body: null });
    expect(stored.rows[0]!.deleted_at).not.toBeNull();
    expect(await request(a, 'chat:edit', { roomId, messageId: sent.message.id, body: 'back' })).toMatchObject({ ok: false, error: { code: 'conflict' } });
  });

  it('threads, reactions (toggle, fixed set), mentions stored as ids and notified', async () => {
    const a = await user('cat', 'Cat Stevens');
    const b = await user('dan', 'Dan Brown');
    const c = await user('eve', 'Eve Adams');
    const { roomId } = await join(a, 'chat:thread');
    await join(b, 'chat:thread');
    const root = await request(a, 'chat:send', { roomId, body: 'root question', clientMsgId: cid() });
    const mentionNote = waitFor(c, 'notification', (x) => x.type === 'mention');
    const replyNote = waitFor(a, 'notification', (x) => x.type === 'reply');
    const reply = await request(b, 'chat:send', { roomId, body: 'answer for @eve and @nobody, cc @Cat', clientMsgId: cid(), threadRootId: root.message.id });
    expect(reply.message).toMatchObject({ threadRootId: root.message.id, mentions: ['eve', 'cat'] });
    expect(await mentionNote).toMatchObject({ type: 'mention', title: 'Dan Brown mentioned you', link: { roomId, pageKey: 'chat:thread' } });
    // cat is mentioned *and* in the thread: one notification (the mention), not two.
    const catNote = await Promise.race([replyNote, waitFor(a, 'notification', (x) => x.type === 'mention')]);
    expect(catNote.type).toBe('mention');

    const top = await request(a, 'chat:history', { roomId });
    expect(top.messages.map((m: { id: string }) => m.id)).toEqual([root.message.id]);
    expect(top.messages[0].replyCount).toBe(1);
    const thread = await request(a, 'chat:history', { roomId, threadRootId: root.message.id });
    expect(thread.messages.map((m: { id: string }) => m.id)).toEqual([reply.message.id]);
    expect(await request(a, 'chat:send', { roomId, body: 'nested', clientMsgId: cid(), threadRootId: reply.message.id })).toMatchObject({
      ok: false,
      error: { code: 'validation_failed' },
    });

    const r1 = await request(a, 'chat:react', { roomId, messageId: root.message.id, emoji: '👍' });
    const r2 = await request(b, 'chat:react', { roomId, messageId: root.message.id, emoji: '👍' });
    expect(r1).toMatchObject({ ok: true, added: true });
    expect(r2.message.reactions).toEqual([{ emoji: '👍', users: ['cat', 'dan'] }]);
    const r3 = await request(a, 'chat:react', { roomId, messageId: root.message.id, emoji: '👍' });
    expect(r3).toMatchObject({ added: false, message: { reactions: [{ emoji: '👍', users: ['dan'] }] } });
    expect(await request(a, 'chat:react', { roomId, messageId: root.message.id, emoji: '🦄' })).toMatchObject({ ok: false, error: { code: 'validation_failed' } });
  });

  it('tells the others in the room who is typing, and when they stop', async () => {
    const a = await user('tia', 'Tia Typist');
    const b = await user('uma');
    const { roomId } = await join(a, 'chat:typing');
    await join(b, 'chat:typing');
    const started = waitFor(b, 'chat:typing', (t) => t.userId === 'tia' && t.typing === true);
    expect(await request(a, 'chat:typing', { roomId, typing: true })).toEqual({ ok: true });
    expect(await started).toEqual({ roomId, userId: 'tia', name: 'Tia Typist', typing: true });
    // Stopping is never throttled, however soon it follows.
    const stopped = waitFor(b, 'chat:typing', (t) => t.userId === 'tia' && t.typing === false);
    expect(await request(a, 'chat:typing', { roomId, typing: false })).toEqual({ ok: true });
    expect(await stopped).toEqual({ roomId, userId: 'tia', name: 'Tia Typist', typing: false });
  });

  it('refuses bad input without storing anything: empty, too long, too many mentions, read-only users', async () => {
    const a = await user('fay');
    for (const u of ['u1', 'u2', 'u3', 'u4']) await srv.app.directory.upsertFromIdentity({ tenantId: tenant.tenant.id, userId: u, name: u, avatar: undefined, roles: [], expertise: [], perms: {}, expiresAt: 0 });
    const { roomId } = await join(a, 'chat:bad');
    expect(await request(a, 'chat:send', { roomId, body: '   ', clientMsgId: cid() })).toMatchObject({ ok: false, error: { code: 'validation_failed' } });
    expect(await request(a, 'chat:send', { roomId, body: 'x'.repeat(201), clientMsgId: cid() })).toMatchObject({ ok: false, error: { code: 'validation_failed' } });
    // 200 emoji are 200 characters (code points), though 400 UTF-16 units.
    expect(await request(a, 'chat:send', { roomId, body: '😀'.repeat(200), clientMsgId: cid() })).toMatchObject({ ok: true });
    expect(await request(a, 'chat:send', { roomId, body: '@u1 @u2 @u3 @u4', clientMsgId: cid() })).toMatchObject({ ok: false, error: { code: 'validation_failed' } });
    expect(await request(a, 'chat:send', { roomId, body: 'x', clientMsgId: 'bad id with spaces' })).toMatchObject({ ok: false, error: { code: 'validation_failed' } });
    const reader = await user('gus', 'gus', { perms: { 'chat:*': ['read'] } });
    await join(reader, 'chat:bad');
    expect(await request(reader, 'chat:send', { roomId, body: 'hi', clientMsgId: cid() })).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    const outsider = await user('hal');
    expect(await request(outsider, 'chat:send', { roomId, body: 'hi', clientMsgId: cid() })).toMatchObject({ ok: false, error: { code: 'not_found' } });
    const { rows } = await srv.app.db.query(`SELECT count(*)::int AS n FROM chat_messages WHERE room_id = $1`, [roomId]);
    expect(rows[0]).toEqual({ n: 1 });
  });

  it('pages newest first without gaps or repeats while messages keep arriving', async () => {
    const a = await user('ida');
    const b = await user('jon');
    const { roomId } = await join(a, 'chat:paging');
    await join(b, 'chat:paging');
    for (let i = 0; i < 30; i++) await request(a, 'chat:send', { roomId, body: `old ${i}`, clientMsgId: `old-${i}` });
    const seen: string[] = [];
    let before: number | undefined;
    let k = 0;
    for (;;) {
      // Writers insert concurrently with every page read.
      const writes = Array.from({ length: 3 }, () => request(b, 'chat:send', { roomId, body: `new ${k}`, clientMsgId: `new-${k++}` }));
      const page = await request(a, 'chat:history', { roomId, limit: 7, ...(before ? { before } : {}) });
      await Promise.all(writes);
      seen.push(...page.messages.map((m: { body: string }) => m.body));
      if (page.nextBefore === null) break;
      before = page.nextBefore;
    }
    const old = seen.filter((s) => s.startsWith('old'));
    expect(old).toEqual(Array.from({ length: 30 }, (_, i) => `old ${29 - i}`));
    expect(new Set(seen).size).toBe(seen.length);
  });

  it('counts unread messages by others and follows the read position across tabs', async () => {
    const a = await user('kim');
    const b = await user('lou');
    const b2 = await user('lou');
    const { roomId } = await join(a, 'chat:unread');
    const jb = await join(b, 'chat:unread');
    await join(b2, 'chat:unread');
    expect(jb.chat).toMatchObject({ unread: 0, lastReadSeq: 0 });
    const sent = [];
    for (let i = 0; i < 5; i++) sent.push((await request(a, 'chat:send', { roomId, body: `m${i}`, clientMsgId: cid() })).message);
    await request(b, 'chat:send', { roomId, body: 'mine', clientMsgId: cid() });
    await request(a, 'chat:delete', { roomId, messageId: sent[4].id });
    const rejoin = await user('lou');
    const j = await join(rejoin, 'chat:unread');
    expect(j.chat.unread).toBe(4);
    expect(j.chat.messages.map((m: { body: string | null }) => m.body)).toEqual(['mine', null, 'm3', 'm2', 'm1', 'm0']);
    const other = waitFor(b2, 'chat:read');
    expect(await request(b, 'chat:read', { roomId, seq: sent[1].seq })).toMatchObject({ ok: true, unread: 2, lastReadSeq: sent[1].seq });
    expect(await other).toMatchObject({ roomId, unread: 2 });
    // Read positions never go back.
    expect(await request(b, 'chat:read', { roomId, seq: 1 })).toMatchObject({ unread: 2, lastReadSeq: sent[1].seq });
  });

  it('a reconnecting client gets every event it missed from its last seq, in order', async () => {
    const a = await user('max');
    const b = await user('ned');
    const { roomId } = await join(a, 'chat:resume');
    const jb = await join(b, 'chat:resume');
    const m = await request(a, 'chat:send', { roomId, body: 'before', clientMsgId: cid() });
    const last = (await waitForRoomEvent(b)).seq;
    expect(last).toBe(m.message.seq);
    b.close();
    const m2 = await request(a, 'chat:send', { roomId, body: 'while away', clientMsgId: cid() });
    await request(a, 'chat:edit', { roomId, messageId: m.message.id, body: 'before (edited)' });
    await request(a, 'chat:react', { roomId, messageId: m2.message.id, emoji: '🎉' });
    await request(a, 'chat:delete', { roomId, messageId: m2.message.id });
    const back = await user('ned');
    await join(back, 'chat:resume');
    const sync = await request(back, 'chat:sync', { roomId, afterSeq: last });
    expect(sync.complete).toBe(true);
    expect(sync.events.map((e: { type: string }) => e.type)).toEqual(['chat.message.created', 'chat.message.edited', 'chat.reaction.changed', 'chat.message.deleted']);
    expect(sync.events.map((e: { seq: number }) => e.seq)).toEqual([last + 1, last + 2, last + 3, last + 4]);
    expect(sync.head).toBe(last + 4);
    expect(jb.chat.head).toBe(0);
  });

  it('concurrent senders in one room (group commit): each gets its own ack, positions stay gap-free, a resend in a batch still dedups', async () => {
    const senders = [await user('q1'), await user('q2'), await user('q3')];
    let roomId = '';
    for (const s of senders) roomId = (await join(s, 'chat:burst')).roomId;
    const first = await request(senders[0]!, 'chat:send', { roomId, body: 'first', clientMsgId: 'burst-0' });
    const acks = await Promise.all(
      senders.flatMap((s, i) => [
        ...Array.from({ length: 10 }, (_, k) => request(s, 'chat:send', { roomId, body: `s${i} m${k}`, clientMsgId: `burst-${i}-${k}` })),
        ...(i === 0 ? [request(s, 'chat:send', { roomId, body: 'first', clientMsgId: 'burst-0' })] : []),
      ]),
    );
    expect(acks.every((a) => a.ok)).toBe(true);
    expect(acks.filter((a) => a.duplicate).map((a) => a.message.id)).toEqual([first.message.id]);
    const seqs = acks.filter((a) => !a.duplicate).map((a) => a.message.seq).sort((a, b) => a - b);
    expect(seqs).toEqual(Array.from({ length: 30 }, (_, i) => first.message.seq + 1 + i));
    const { rows } = await srv.app.db.query(`SELECT count(*)::int AS n FROM chat_messages WHERE room_id = $1`, [roomId]);
    expect(rows[0]).toEqual({ n: 31 });
  });

  it('one batch spans rooms: positions gap-free per room, a resend and two tabs repeating one client id each dedup, events in position order', async () => {
    // One connection per concurrent send: a connection's own messages are handled one at a time.
    const [a1, a2, a3, c] = [await user('bt1'), await user('bt1'), await user('bt1'), await user('bt3')];
    const bs = [await user('bt2'), await user('bt2'), await user('bt2'), await user('bt2')];
    const b = bs[0]!;
    const roomA = (await join(a1, 'chat:batch-a')).roomId;
    for (const s of [a2, a3, c]) await join(s, 'chat:batch-a');
    const roomB = (await join(b, 'chat:batch-b')).roomId;
    for (const s of bs.slice(1)) await join(s, 'chat:batch-b');
    const old = await request(a1, 'chat:send', { roomId: roomA, body: 'old', clientMsgId: 'bt-old' });
    // A webhook subscriber for the batch's events (the outbox rows are written with them).
    const hook = await fetch(`${srv.url}/api/v1/webhooks`, {
      method: 'POST',
      headers: { authorization: `Bearer ${tenant.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ url: 'http://127.0.0.1:9/hook', eventTypes: ['chat.message.*'] }),
    });
    expect(hook.status).toBe(201);
    const hookId = (await hook.json()).id;
    const head = (roomId: string) => srv.app.events.roomHead(roomId);
    const [headA, headB] = [await head(roomA), await head(roomB)];
    const seenA: number[] = [];
    const seenB: number[] = [];
    onRoomEvent(b, (e) => e.roomId === roomB && e.seq > headB && seenB.push(e.seq));
    onRoomEvent(a2, (e) => e.roomId === roomA && e.seq > headA && seenA.push(e.seq));
    // Hold room A's log position: the batch in flight waits, everything after rides the next one.
    const blocker = await srv.app.db.transaction(async (tx) => {
      await tx.query(`SELECT 1 FROM stream_seqs WHERE key = $1 FOR UPDATE`, ['r:' + roomA]);
      const first = request(c, 'chat:send', { roomId: roomA, body: 'first', clientMsgId: 'bt-first' });
      await new Promise((r) => setTimeout(r, 150));
      const batches = srv.app.chat.stats.batches;
      const rest = [
        ...bs.map((s, k) => request(s, 'chat:send', { roomId: roomB, body: `b${k}`, clientMsgId: `bt-b${k}` })),
        request(a1, 'chat:send', { roomId: roomA, body: 'twice', clientMsgId: 'bt-twice' }),
        request(a2, 'chat:send', { roomId: roomA, body: 'twice', clientMsgId: 'bt-twice' }),
        request(a3, 'chat:send', { roomId: roomA, body: 'old', clientMsgId: 'bt-old' }),
      ];
      await new Promise((r) => setTimeout(r, 150));
      // Nothing committed or acknowledged while the position is held.
      expect(srv.app.chat.stats.batches).toBe(batches);
      return { first, rest };
    });
    const first = await blocker.first;
    const rest = await Promise.all(blocker.rest);
    expect([first, ...rest].every((r) => r.ok)).toBe(true);
    expect(srv.app.chat.stats.lastBatchSize).toBe(6); // 4 in B, "twice" once, the resend of "old"
    const twice = rest.slice(4, 6);
    expect(twice.filter((r) => r.duplicate)).toHaveLength(1);
    expect(twice[0].message.id).toBe(twice[1].message.id);
    expect(rest[6]).toMatchObject({ duplicate: true, message: { id: old.message.id, seq: old.message.seq } });
    expect(rest.slice(0, 4).map((r) => r.message.seq).sort((x, y) => x - y)).toEqual([1, 2, 3, 4].map((i) => headB + i));
    const twiceSeq = twice.find((r) => !r.duplicate).message.seq;
    expect([first.message.seq, twiceSeq]).toEqual([headA + 1, headA + 2]);
    expect(await head(roomA)).toBe(headA + 2);
    await new Promise((r) => setTimeout(r, 100));
    expect(seenA).toEqual([headA + 1, headA + 2]);
    expect(seenB).toEqual([1, 2, 3, 4].map((i) => headB + i));
    const sync = await request(b, 'chat:sync', { roomId: roomB, afterSeq: headB });
    expect(sync.events.map((e: { seq: number; data: { message: { id: string } } }) => [e.seq, e.data.message.id])).toEqual(
      rest.slice(0, 4).map((r) => [r.message.seq, r.message.id]).sort((x, y) => x[0] - y[0]),
    );
    // What the log (and so every webhook and resync) holds is the message as acked, time included.
    const acked = rest.slice(0, 4).map((r) => r.message).sort((x, y) => x.seq - y.seq);
    expect(sync.events.map((e: { data: { message: unknown } }) => e.data.message)).toEqual(acked);
    const times = await srv.app.db.query<{ id: string; created_at: Date }>(`SELECT id::text, created_at FROM chat_messages WHERE room_id = $1`, [roomB]);
    for (const m of acked) expect(times.rows.find((r) => r.id === m.id)!.created_at.toISOString()).toBe(m.createdAt);
    const { rows } = await srv.app.db.query(`SELECT count(*)::int AS n FROM chat_messages WHERE client_msg_id = 'bt-twice'`);
    expect(rows[0]).toEqual({ n: 1 });
    const outbox = await srv.app.db.query<{ room_seq: string }>(
      `SELECT e.room_seq::text FROM webhook_deliveries d JOIN events e ON e.id = d.event_id
        WHERE d.endpoint_id::text = $1 AND e.type = 'chat.message.created' ORDER BY e.room_seq`,
      [hookId],
    );
    expect(outbox.rows.map((r) => Number(r.room_seq)).sort((x, y) => x - y)).toEqual([headA + 1, headA + 2, ...[1, 2, 3, 4].map((i) => headB + i)].sort((x, y) => x - y));
    await fetch(`${srv.url}/api/v1/webhooks/${hookId}`, { method: 'DELETE', headers: { authorization: `Bearer ${tenant.apiKey}` } });
  });

  it('rate limit trips with a retry hint and recovers', async () => {
    srv.app.sendLimiter.close();
    const tight = await startTandem({ databaseUrl: db.url, env: { CHAT_SEND_BURST: '3', CHAT_SEND_PER_SECOND: '0.25' } });
    try {
      const s = await connect(tight.url, await tenant.token('ola'));
      const { roomId } = await request(s, 'room:join', ctx('chat:rate'));
      const results = [];
      for (let i = 0; i < 5; i++) results.push(await request(s, 'chat:send', { roomId, body: `r${i}`, clientMsgId: `r-${i}` }));
      expect(results.slice(0, 3).every((r) => r.ok)).toBe(true);
      const limited = results[3];
      expect(limited).toMatchObject({ ok: false, error: { code: 'rate_limited' } });
      expect(limited.error.details.retryAfterMs).toBeGreaterThan(0);
      // A resend of an accepted message is not a new send: no token, original ack.
      expect(await request(s, 'chat:send', { roomId, body: 'r0', clientMsgId: 'r-0' })).toMatchObject({ ok: true, duplicate: true });
      await new Promise((r) => setTimeout(r, limited.error.details.retryAfterMs + 50));
      expect(await request(s, 'chat:send', { roomId, body: 'after', clientMsgId: 'r-after' })).toMatchObject({ ok: true });
      s.close();
    } finally {
      await tight.close();
    }
  });

  it('business apps post as a bot and read messages over REST; no cross-tenant reads or mentions', async () => {
    const a = await user('pat');
    const { roomId } = await join(a, 'shop.order:9');
    const live = waitForRoomEvent(a, (e) => e.data.message?.author.type === 'app');
    const post = await fetch(`${srv.url}/api/v1/rooms/${encodeURIComponent('shop.order:9')}/messages`, {
      method: 'POST',
      headers: { authorization: `Bearer ${tenant.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ body: 'Order shipped, @pat', clientMsgId: 'ship-1' }),
    });
    expect(post.status).toBe(201);
    const posted = await post.json();
    expect(posted.message).toMatchObject({ author: { type: 'app', name: 'test' }, mentions: ['pat'] });
    expect((await live).data.message.id).toBe(posted.message.id);
    const list = await fetch(`${srv.url}/api/v1/rooms/${roomId}/messages?limit=5`, { headers: { authorization: `Bearer ${tenant.apiKey}` } });
    expect((await list.json()).messages[0].id).toBe(posted.message.id);

    const other = await createTenant(srv.app, uniqueId());
    const foreign = await fetch(`${srv.url}/api/v1/rooms/${roomId}/messages`, { headers: { authorization: `Bearer ${other.apiKey}` } });
    expect(foreign.status).toBe(404);
    // "pat" exists only in the first tenant: a message in the other tenant mentions nobody.
    const s = await connect(srv.url, await other.token('zed'));
    const { roomId: r2 } = await request(s, 'room:join', ctx('x:1'));
    const sent = await request(s, 'chat:send', { roomId: r2, body: 'hi @pat', clientMsgId: cid() });
    expect(sent.message.mentions).toEqual([]);
    s.close();
  });
});

describe('room chat on embedded PGlite', () => {
  let srv: TestServer;
  beforeAll(async () => {
    srv = await startTandem({ env: { EVENTS_POLL_MS: '5000' } });
  });
  afterAll(() => srv?.close());

  it('sends, resumes by seq and wakes notification delivery after commit without Postgres LISTEN', async () => {
    const tenant = await createTenant(srv.app, uniqueId());
    const a = await connect(srv.url, await tenant.token('una'));
    const b = await connect(srv.url, await tenant.token('vic'));
    const { roomId } = await request(a, 'room:join', ctx('lite:1'));
    await request(b, 'room:join', ctx('lite:1'));
    const started = Date.now();
    const note = waitFor(b, 'notification');
    const m = await request(a, 'chat:send', { roomId, body: 'hi @vic', clientMsgId: 'l1' });
    expect(m).toMatchObject({ ok: true, message: { mentions: ['vic'] } });
    expect(await note).toMatchObject({ type: 'mention' });
    // Woken by the commit watcher, not by the 5 s poll.
    expect(Date.now() - started).toBeLessThan(4000);
    await request(a, 'chat:react', { roomId, messageId: m.message.id, emoji: '✅' });
    const sync = await request(b, 'chat:sync', { roomId, afterSeq: 0 });
    expect(sync.events.map((e: { type: string }) => e.type)).toEqual(['chat.message.created', 'chat.reaction.changed']);
    a.close();
    b.close();
  });
});

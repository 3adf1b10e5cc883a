/**
 * The feature services without Socket.IO or Fastify (issue 13): rooms, co-editing and presence
 * built from their real stores on PGlite, with the in-memory Broadcast and Connection ports.
 * Callers are made here the way socket handlers and REST routes make them.
 */
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTenantService } from '../../src/auth/tenants.js';
import { loadConfig } from '../../src/config.js';
import { type Database, openDatabase } from '../../src/db/client.js';
import { createFields } from '../../src/features/fields/service.js';
import { createFieldStore } from '../../src/features/fields/store.js';
import { createMemoryLiveStore } from '../../src/features/presence/live.js';
import { createPresence } from '../../src/features/presence/service.js';
import { createVisitStore } from '../../src/features/presence/store.js';
import { createRooms } from '../../src/features/rooms/service.js';
import { createRoomStore } from '../../src/features/rooms/store.js';
import { appCaller, userCaller } from '../../src/ports/caller.js';
import { identity, recordingBroadcast } from '../helpers/ports.js';

const config = loadConfig({ NODE_ENV: 'test', DATA_DIR: ':memory:', LOG_LEVEL: 'silent' });
const log = pino({ level: 'silent' });

describe('services without a transport (PGlite, in-memory Broadcast)', () => {
  let db: Database;
  const rec = recordingBroadcast();
  let rooms: ReturnType<typeof createRooms>;
  let fields: ReturnType<typeof createFields>;
  let presence: ReturnType<typeof createPresence>;
  const form = [
    { name: 'notes', kind: 'textarea' as const, label: 'Notes', value: 'hello', readOnly: false },
    { name: 'locked', kind: 'text' as const, label: 'Locked', value: 'fixed', readOnly: true },
  ];
  const page = (n: number) => ({ url: `/admin/shop/order/${n}/change/`, title: `Order ${n}`, fields: form });

  beforeAll(async () => {
    db = openDatabase({ dataDir: ':memory:', poolSize: 1, log });
    await db.migrate();
    await createTenantService(db).createTenant({ id: 't1', jwtSecret: 'x'.repeat(32) });
    rooms = createRooms(createRoomStore(db), { maxRoomsPerConnection: 10, hostOrigins: async () => [] });
    fields = createFields({ db, store: createFieldStore(db), rooms, broadcast: rec.broadcast, config: config.fields, log });
    presence = createPresence({ broadcast: rec.broadcast, instanceId: 'i1', live: createMemoryLiveStore(), visits: createVisitStore(db), log, config: config.presence });
    rooms.onJoin('document', (ctx) => fields.onJoin(ctx));
    rooms.onJoin('presence', (ctx) => presence.joined(ctx), { last: true });
    rooms.onLeave((conn, m, reason) => presence.left(conn, m.roomId, reason));
  });
  afterAll(async () => {
    await presence.stop();
    await fields.close();
    await db.close();
  });

  it('a writer joins, types and is broadcast once after commit; a resend gets the original version and nothing more', async () => {
    const ann = rec.connection('c-ann', identity('ann', { 'shop.order:*': ['read', 'write'] }));
    const joined = (await rooms.join(ann, page(1))) as { roomId: string; document: { fields: Record<string, { value: unknown; version: number }> } };
    expect(joined.document.fields.notes).toMatchObject({ value: 'hello', version: 0 });
    const caller = userCaller(ann.user, ann.rooms.get(joined.roomId));
    rec.clear();
    const op = { roomId: joined.roomId, field: 'notes', baseVersion: 0, op: [5, ' world'], clientId: 'cl-ann-1', seq: 1 };
    expect(await fields.submitOp(caller, op)).toEqual({ version: 1 });
    const ops = rec.of('field:ops');
    expect(ops).toHaveLength(1);
    expect(ops[0]!.to).toEqual({ tenantId: 't1', rooms: [joined.roomId] });
    expect(ops[0]!.payload.ops).toMatchObject([{ field: 'notes', version: 1, clientId: 'cl-ann-1', by: { id: 'user:ann', name: 'ANN' } }]);
    // Durable before the ack: the op is in the log.
    expect((await createFieldStore(db).opsSince(db, joined.roomId, 'notes', 0, 10)).map((o) => o.version)).toEqual([1]);
    expect(await fields.submitOp(caller, op)).toEqual({ version: 1 });
    expect(rec.of('field:ops')).toHaveLength(1);
  });

  it('refuses what the caller may not do with a typed error, and writes and sends nothing', async () => {
    const ann = rec.connection('c-ann2', identity('ann', { 'shop.order:*': ['read', 'write'] }));
    const { roomId } = (await rooms.join(ann, page(2))) as { roomId: string };
    const ben = rec.connection('c-ben', identity('ben', { 'shop.order:*': ['read'] }));
    await rooms.join(ben, page(2));
    rec.clear();
    const reader = userCaller(ben.user, ben.rooms.get(roomId));
    const notJoined = userCaller(identity('cat', { '*': ['read', 'write'] }));
    const writer = userCaller(ann.user, ann.rooms.get(roomId));
    const m = { roomId, field: 'notes', baseVersion: 0, op: [0, 'x'], clientId: 'cl-x', seq: 1 };
    await expect(fields.submitOp(reader, m)).rejects.toMatchObject({ code: 'forbidden' });
    await expect(fields.submitOp(notJoined, m)).rejects.toMatchObject({ code: 'not_found' });
    // A read-only field stays as it is for every client write, whatever its clientId says.
    await expect(fields.submitOp(writer, { ...m, field: 'locked', clientId: 'srv-abcdefgh' })).rejects.toMatchObject({ code: 'forbidden' });
    await expect(fields.setValue(reader, { roomId, field: 'notes', baseVersion: 0, value: 'y', clientId: 'cl-y', seq: 1 })).rejects.toMatchObject({ code: 'forbidden' });
    expect(rec.of('field:ops')).toEqual([]);
    expect(await createFieldStore(db).opsSince(db, roomId, 'locked', 0, 10)).toEqual([]);
  });

  it("only a system write made in code re-bases a read-only field (the business app's saved record)", async () => {
    const ann = rec.connection('c-ann3', identity('ann', { 'shop.order:*': ['read', 'write'] }));
    const { roomId } = (await rooms.join(ann, page(3))) as { roomId: string };
    rec.clear();
    const app = appCaller({ tenantId: 't1', keyId: 'k1', keyName: 'ERP' });
    const out = await fields.recordChanged(app, { pageKey: 'shop.order:3', values: { locked: 'from ERP' } });
    expect(out).toEqual({ roomId, rebased: ['locked'] });
    const [ops] = rec.of('field:ops');
    expect(ops!.payload.ops).toMatchObject([{ field: 'locked', by: { id: 'app:k1', name: 'ERP' } }]);
    expect(rec.of('form:record-changed')).toMatchObject([{ to: { tenantId: 't1', rooms: [roomId] }, payload: { rebased: ['locked'] } }]);
  });

  it('presence tells the room about a joiner, except the joiner itself', async () => {
    const dan = rec.connection('c-dan', identity('dan', { 'shop.order:*': ['read'] }));
    rec.clear();
    const { roomId, presence: snapshot } = (await rooms.join(dan, page(4))) as { roomId: string; presence: { participants: Array<{ userId: string }> } };
    expect(snapshot.participants.map((p) => p.userId)).toEqual(['dan']);
    expect(rec.of('presence:join')).toMatchObject([{ to: { tenantId: 't1', rooms: [roomId], except: 'c-dan' }, payload: { participant: { userId: 'dan' } } }]);
    await rooms.leave(dan, roomId, 'leave');
    expect(rec.of('presence:leave')).toMatchObject([{ to: { tenantId: 't1', rooms: [roomId] }, payload: { userId: 'dan' } }]);
  });
});

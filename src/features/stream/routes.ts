import type { FastifyPluginAsync } from 'fastify';
import type { WebSocket } from 'ws';
import { tenantOf } from '../../auth/plugin.js';
import { createLoop } from '../../loop.js';
import type { TenantCursor } from '../events/service.js';
import type { TandemEventWire } from '../events/messages.js';
import { passes, type StreamFilter } from './filter.js';
import { streamClientMessage as inbound, streamQuery as query, type StreamFrame } from './messages.js';

/** Frames buffered beyond this pause reading the log until the client catches up. */
const MAX_BUFFERED = 1 << 20;
const BATCH = 500;

/**
 * The service event stream over plain WebSocket, for business apps that do not speak Socket.IO.
 * Authenticated by API key in the upgrade request; tenant-scoped. Query: `types`, `rooms`
 * (page-key patterns), `lastEventId` (or a `Last-Event-ID` header) to resume after the last
 * event seen, within STREAM_RETENTION_SECONDS. Frames: `hello`, `event` {event}, `reset`
 * (the resume point is gone; replay starts at the oldest retained event), `pong`, `error`.
 */
const streamRoutes: FastifyPluginAsync = async (app) => {
  const open = new Set<WebSocket>();
  app.addHook('preClose', async () => {
    for (const s of open) s.close(1001, 'server going away');
  });

  app.get('/stream', { websocket: true, preHandler: app.auth.app, schema: { hide: true } }, async (socket, req) => {
    const tenantId = tenantOf(req);
    const send = (frame: StreamFrame) => socket.readyState === socket.OPEN && socket.send(JSON.stringify(frame));
    const q = query.safeParse(req.query);
    if (!q.success) {
      send({ type: 'error', error: { code: 'validation_failed', message: q.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') } });
      socket.close(1008, 'invalid query');
      return;
    }
    open.add(socket);
    const filter: StreamFilter = { types: q.data.types ?? [], rooms: q.data.rooms ?? [] };
    const header = req.headers['last-event-id'];
    const lastEventId = q.data.lastEventId ?? (typeof header === 'string' && /^\d{1,18}$/.test(header) ? header : undefined);

    let cursor: TenantCursor;
    let closed = false;
    socket.on('close', () => {
      closed = true;
      open.delete(socket);
      off();
      void pump.stop();
    });
    // Buffer wake-ups until the starting cursor is known.
    let ready = false;
    const pump = createLoop(
      async () => {
        if (!ready || closed) return false;
        if (socket.bufferedAmount > MAX_BUFFERED) {
          setTimeout(() => pump.wake(), 50).unref();
          return false;
        }
        const batch = await app.events.readTenant(tenantId, cursor, BATCH);
        for (const e of batch) {
          const { cursor: c, ...event } = e;
          cursor = c;
          // The log stores what the services published; the Event schema describes those shapes (the client's stream tests check frames against it).
          if (passes(filter, event)) send({ type: 'event', event: event as TandemEventWire });
        }
        return batch.length === BATCH;
      },
      req.log,
      'stream',
    );
    const off = app.events.onWake((t) => (t === null || t === tenantId) && pump.wake());

    socket.on('message', (data, isBinary) => {
      let msg: unknown;
      try {
        msg = isBinary ? undefined : JSON.parse(data.toString());
      } catch {
        msg = undefined;
      }
      const parsed = inbound.safeParse(msg);
      if (!parsed.success) {
        send({ type: 'error', error: { code: 'validation_failed', message: 'Expected a JSON message like {"type":"ping"}' } });
        return;
      }
      send({ type: 'pong', id: parsed.data.id ?? null, at: new Date().toISOString() });
    });

    let resumed: 'live' | 'resumed' | 'reset' = 'live';
    if (lastEventId) {
      const at = await app.events.cursorOf(tenantId, lastEventId);
      if (at) {
        cursor = at;
        resumed = 'resumed';
      } else {
        cursor = await app.events.oldestCursor(tenantId);
        resumed = 'reset';
      }
    } else {
      cursor = await app.events.currentCursor();
    }
    send({ type: 'hello', tenantId, instanceId: app.realtime.instanceId, filter, resume: resumed });
    if (resumed === 'reset') send({ type: 'reset', reason: `Event ${lastEventId} is unknown or past the retention window; replaying from the oldest retained event` });
    ready = true;
    pump.wake();
  });
};
export default streamRoutes;

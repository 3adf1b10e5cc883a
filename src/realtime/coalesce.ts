/**
 * Fewer frames to busy rooms. Each delivery costs the server one WebSocket frame and one write
 * syscall per member (the profile of `npm run bench 20` at 1,000 ops/s put the fan-out at half of
 * the server's CPU, the kernel write alone at a third), so a room that was sent something less
 * than `windowMs` ago gets its next events held until the window ends, then sent in one go:
 * consecutive `field:ops` become one frame (their op lists concatenated, which every client
 * already reads: a group commit sends several ops in one message), consecutive `room:event`s
 * become one `room:events` frame `{ roomId, events }` (docs/protocol.md). A room that has been quiet for a window gets its event at once,
 * so a lone edit or message is never delayed; a busy one waits at most `windowMs`.
 *
 * Order is kept per room: while a room has events held, everything else for that room queues
 * behind them (`except` kept per event), and `flush(room)` sends them before anything that must
 * not overtake them. Pure: the clock, the timer and the sending are injected.
 */

export interface Emit {
  (room: string, event: string, payload: unknown, except?: string): void;
}

interface Held {
  event: string;
  payload: unknown;
  except: string | undefined;
  /** Joined `room:event` payloads, when more than one. */
  events?: unknown[];
}

export interface CoalescerOptions {
  /** 0 sends every event at once. */
  windowMs: number;
  now: () => number;
  /** Runs fn after ms; returns its cancel. */
  schedule: (fn: () => void, ms: number) => () => void;
  emit: Emit;
}


export function createCoalescer(o: CoalescerOptions) {
  /** When each room was last sent something (only rooms sent to within the last window matter). */
  const lastSent = new Map<string, number>();
  const held = new Map<string, { list: Held[]; cancel: () => void }>();
  let sinceSweep = 0;

  function sweep(t: number) {
    // Forget rooms quiet for a window: keeps the map to the rooms that are busy now.
    if (++sinceSweep < 1024 && lastSent.size < 4096) return;
    sinceSweep = 0;
    for (const [room, at] of lastSent) if (t - at >= o.windowMs && !held.has(room)) lastSent.delete(room);
  }

  function append(list: Held[], e: Held) {
    const tail = list[list.length - 1];
    if (tail && tail.event === 'field:ops' && e.event === 'field:ops' && tail.except === undefined && e.except === undefined) {
      const a = tail.payload as { roomId: string; ops: unknown[] };
      const b = e.payload as { ops: unknown[] };
      // A fresh payload: the first one may still be referenced by whoever built it.
      tail.payload = { ...a, ops: a.ops.concat(b.ops) };
      return;
    }
    if (tail && tail.event === 'room:event' && e.event === 'room:event' && tail.except === undefined && e.except === undefined) {
      (tail.events ??= [tail.payload]).push(e.payload);
      return;
    }
    list.push(e);
  }

  function send(room: string, e: Held) {
    if (!e.events) return o.emit(room, e.event, e.payload, e.except);
    o.emit(room, 'room:events', { roomId: (e.payload as { roomId?: string }).roomId, events: e.events }, e.except);
  }

  function flush(room: string) {
    const h = held.get(room);
    if (!h) return;
    held.delete(room);
    h.cancel();
    lastSent.set(room, o.now());
    for (const e of h.list) send(room, e);
  }

  return {
    /** Sends `event` to `room` now, or after the room's window when it is busy. */
    post(room: string, event: string, payload: unknown, except?: string) {
      const e: Held = { event, payload, except };
      const h = held.get(room);
      if (h) return append(h.list, e);
      const t = o.now();
      const prev = lastSent.get(room);
      if (o.windowMs <= 0 || prev === undefined || t - prev >= o.windowMs) {
        lastSent.set(room, t);
        sweep(t);
        return send(room, e);
      }
      held.set(room, { list: [e], cancel: o.schedule(() => flush(room), prev + o.windowMs - t) });
    },
    /** Sends what `room` holds now (before something that must not overtake it). */
    flush,
    /** Sends everything held (shutdown). */
    flushAll() {
      for (const room of [...held.keys()]) flush(room);
    },
    /** Rooms with events held, for tests and metrics. */
    get heldRooms() {
      return held.size;
    },
  };
}

export type Coalescer = ReturnType<typeof createCoalescer>;

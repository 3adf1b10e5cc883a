import { caretDelay } from './presence.js';

/** A caret position as it is broadcast; `seq` orders one tab's carets (see Caret.seq). */
export interface SentCaret {
  field: string;
  anchor: number;
  head: number;
  seq: number;
}

export type CaretQueue = ReturnType<typeof createCaretQueue>;

/**
 * One connection's caret broadcasts, coalesced: at most `perSecond`, the latest position per room
 * wins, and the last one always goes out. Carets are ordered per tab by this local counter, not by
 * the shared participant version: only this instance moves this tab's caret, and a caret must
 * stay free of store round trips.
 */
export function createCaretQueue(o: {
  perSecond: number;
  now: () => number;
  /** Sends one room's caret (the room may have been left meanwhile: then send nothing). */
  send: (roomId: string, caret: SentCaret) => void;
  /** After a flush that sent something. */
  sent: () => void;
}) {
  const pending = new Map<string, Omit<SentCaret, 'seq'>>();
  let lastSentAt: number | undefined;
  let timer: NodeJS.Timeout | undefined;
  let seq = 0;

  function flush() {
    timer = undefined;
    if (pending.size === 0) return;
    lastSentAt = o.now();
    for (const [roomId, p] of pending) o.send(roomId, { ...p, seq: ++seq });
    pending.clear();
    o.sent();
  }

  return {
    /** Queues a room's caret; `queued: false` when it went out at once. */
    post(roomId: string, caret: Omit<SentCaret, 'seq'>): { queued: boolean } {
      pending.set(roomId, caret);
      if (timer) return { queued: true };
      const wait = caretDelay(lastSentAt, o.now(), o.perSecond);
      if (wait === 0) {
        flush();
        return { queued: false };
      }
      timer = setTimeout(flush, wait);
      return { queued: true };
    },
    /** Forgets a room's queued caret (the connection left it). */
    drop: (roomId: string) => void pending.delete(roomId),
    stop: () => clearTimeout(timer),
  };
}

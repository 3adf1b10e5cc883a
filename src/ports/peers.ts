/**
 * The other Tandem instances, as services need them: who owns a key now, and a call to one of
 * them. Redis stands behind it in a cluster (src/realtime/peers.ts); a single instance owns
 * everything (`soloPeers`).
 */
export interface Peers {
  /** The instance that owns `key` now, or null when this one does (or there is no cluster). */
  ownerOf(key: string): string | null;
  /** Calls `method` on instance `to`; rejects with the AppError it answered, or a PeerUnreachable. */
  call<T>(to: string, method: string, payload: unknown, timeoutMs: number): Promise<T>;
  /** Answers calls of `method` from other instances. */
  serve(method: string, fn: (payload: unknown) => Promise<unknown>): void;
  /** Runs after the set of live instances changed (ownership of some keys moved). */
  onChange(fn: () => void): void;
}

/** The peer did not answer in time, was gone, or Redis could not carry the call: nothing is known of its outcome. */
export class PeerUnreachable extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PeerUnreachable';
  }
}

export const soloPeers: Peers = {
  ownerOf: () => null,
  call: () => Promise.reject(new PeerUnreachable('no other instances')),
  serve: () => undefined,
  onChange: () => undefined,
};

/**
 * The one way services reach connected clients. Socket.IO stands behind it in the app
 * (src/realtime/broadcast.ts); tests may use an in-memory recorder, so a service runs without
 * sockets, and another transport can be added behind the same port. Every audience is inside one
 * tenant by construction.
 */
export interface Audience {
  tenantId: string;
  /** Everyone in these page rooms… */
  rooms?: readonly string[];
  /** …and these users' connections… */
  users?: readonly string[];
  /** …and connections watching every status change of the tenant… */
  statusWatchers?: boolean;
  /** …and these connections (by id; a call's signals go to one leg). The sender checks they are the tenant's. */
  connections?: readonly string[];
  /** Not this connection (the sender's own). */
  except?: string;
}

export interface Broadcast {
  /** Sends one event to the audience, encoded once; each recipient gets it once. */
  send(to: Audience, event: string, payload: unknown): void;
  /** Shorthand for the hot path: one page room. */
  toRoom(tenantId: string, roomId: string, event: string, payload: unknown): void;
  /** Ids of the connections in a page room (on every instance). */
  connectionsIn(tenantId: string, roomId: string): Promise<string[]>;
}

/**
 * This instance's own connections. Resync announces each room's heads to the clients connected
 * here (every instance announces to its own), so it needs the local view the Broadcast port hides.
 */
export interface LocalConnections {
  /** The page rooms with at least one connection on this instance. */
  pageRooms(): Array<{ tenantId: string; roomId: string }>;
  /** Sends to a page room's connections on this instance only, after the events the room holds. */
  sendLocal(tenantId: string, roomId: string, event: string, payload: unknown): void;
  /** How many connections this instance holds. */
  count(): number;
}

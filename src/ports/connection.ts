/**
 * One client connection as services see it: who is on it, the rooms it joined, and receiving a
 * room's broadcasts. The gateway implements it over a Socket.IO socket (src/realtime/connection.ts);
 * services never see the socket itself.
 */
import type { UserIdentity } from '../auth/identity.js';
import type { RoomGrant } from './caller.js';

/** A room this connection has joined, with the rights its token grants there (updated on refresh). */
export type RoomMembership = RoomGrant & { rights: RoomGrant['rights'] };

export interface Connection {
  readonly id: string;
  /** The current identity (auth:refresh may swap in a new token for the same user). */
  readonly user: UserIdentity;
  /** Rooms joined on this connection, by room id. */
  readonly rooms: Map<string, RoomMembership>;
  /** Starts or stops receiving a page room's broadcasts. */
  subscribe(roomId: string): Promise<void>;
  unsubscribe(roomId: string): Promise<void>;
  /** Starts or stops receiving every status change of the tenant. */
  watchStatuses(on: boolean): Promise<void>;
}

import { z } from 'zod';
import { roomPermissionsSchema } from './permissions.js';

const id = z.string().min(1).max(128);

/** Tandem's claims in a user token, besides the registered ones (iss, aud, exp, nbf, iat). */
export const userClaimsSchema = z.object({
  sub: id,
  tenant: id,
  name: z.string().min(1).max(200),
  avatar: z.url().max(2000).optional(),
  roles: z.array(z.string().min(1).max(64)).max(50).default([]),
  expertise: z.array(z.string().min(1).max(64)).max(50).default([]),
  perms: roomPermissionsSchema.default({}),
});
export type UserClaims = z.infer<typeof userClaimsSchema>;

/** A verified user: everything below the gateway trusts this and nothing else. */
export interface UserIdentity {
  tenantId: string;
  userId: string;
  name: string;
  avatar: string | undefined;
  roles: string[];
  expertise: string[];
  perms: z.infer<typeof roomPermissionsSchema>;
  /** Token expiry, epoch milliseconds. */
  expiresAt: number;
}

/** A verified business app (API key). */
export interface AppIdentity {
  tenantId: string;
  keyId: string;
  keyName: string;
}

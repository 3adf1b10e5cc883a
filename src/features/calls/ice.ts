/**
 * Pure: the ICE servers a caller's browser gets. STUN (and TURN with its own credentials) from
 * CALL_ICE_SERVERS as configured; TURN_URLS with credentials minted for this user and valid for
 * TURN_TTL_SECONDS, in the REST scheme coturn supports (`use-auth-secret`):
 *
 *   username   = "<expiry, unix seconds>:<userId>"
 *   credential = base64(HMAC-SHA1(static-auth-secret, username))
 *
 * so the secret never leaves the server and a leaked credential stops working by itself. Nothing
 * configured: an empty list, and calls connect on the same network (host candidates).
 */
import { createHmac } from 'node:crypto';

export interface IceServer {
  urls: string[];
  username?: string;
  credential?: string;
}

export interface IceConfig {
  iceServers: readonly string[];
  turnUrls: readonly string[];
  turnSecret: string | undefined;
  turnTtlSeconds: number;
}

export function turnCredential(secret: string, userId: string, expiresAtSeconds: number) {
  const username = `${expiresAtSeconds}:${userId}`;
  return { username, credential: createHmac('sha1', secret).update(username).digest('base64') };
}

export function iceServersFor(cfg: IceConfig, userId: string, nowMs: number): { iceServers: IceServer[]; expiresAt: string | null } {
  const iceServers: IceServer[] = cfg.iceServers.length > 0 ? [{ urls: [...cfg.iceServers] }] : [];
  if (!cfg.turnSecret || cfg.turnUrls.length === 0) return { iceServers, expiresAt: null };
  const expiry = Math.floor(nowMs / 1000) + cfg.turnTtlSeconds;
  iceServers.push({ urls: [...cfg.turnUrls], ...turnCredential(cfg.turnSecret, userId, expiry) });
  return { iceServers, expiresAt: new Date(expiry * 1000).toISOString() };
}

import { lookup as dnsLookup } from 'node:dns/promises';
import http from 'node:http';
import https from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { AppError } from '../errors.js';
import { checkTarget, hostOf, isLocalName, PRIVATE_NETWORKS_HINT } from './network.js';

export interface Resolved {
  address: string;
  family: number;
}
/** Every address a name resolves to (dns.lookup with `all: true`, i.e. what the OS would use). */
export type Lookup = (host: string) => Promise<Resolved[]>;
export const systemLookup: Lookup = (host) => dnsLookup(host, { all: true, verbatim: true });

/** The endpoint is not allowed by policy; retrying will not help. */
export class RefusedTarget extends Error {
  constructor(reason: string) {
    super(`refused: ${reason}; ${PRIVATE_NETWORKS_HINT}`);
    this.name = 'RefusedTarget';
  }
}

export interface TargetPolicy {
  allowPrivate: boolean;
  lookup: Lookup;
}

/**
 * The addresses to connect to for `url`: an IP literal as is, a name resolved once. Unless private
 * networks are allowed, every address is vetted and a refusal throws RefusedTarget.
 */
export async function resolveTarget(url: URL, policy: TargetPolicy): Promise<Resolved[]> {
  const host = hostOf(url);
  const family = isIP(host);
  let addresses: Resolved[];
  if (family) {
    addresses = [{ address: host, family }];
  } else {
    try {
      addresses = await policy.lookup(host);
    } catch (err) {
      throw new Error(`DNS lookup of ${host} failed: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
    if (addresses.length === 0) throw new Error(`DNS lookup of ${host} returned no address`);
  }
  if (!policy.allowPrivate) {
    const v = checkTarget(host, addresses.map((a) => a.address));
    if (!v.allowed) throw new RefusedTarget(v.reason);
  }
  return addresses;
}

/**
 * POSTs `body` to `url` and resolves with the response status. The host is resolved and vetted
 * once, and the socket connects to exactly those vetted addresses (a pinned `lookup`), so a DNS
 * answer that changes between the check and the connection (rebinding) cannot redirect it.
 * TLS still verifies the certificate against the URL's host name (SNI + hostname check).
 * Redirects are never followed (node:http does not follow them): a 3xx is just a status.
 */
export async function postPinned(
  url: string,
  o: { headers: Record<string, string>; body: string; signal: AbortSignal; policy: TargetPolicy },
): Promise<number> {
  const u = new URL(url);
  // dns.lookup cannot be cancelled; the abort signal (the attempt's timeout) still ends the wait.
  const addresses = await new Promise<Resolved[]>((resolve, reject) => {
    const onAbort = () => reject(o.signal.reason);
    if (o.signal.aborted) return onAbort();
    o.signal.addEventListener('abort', onAbort, { once: true });
    resolveTarget(u, o.policy)
      .then(resolve, reject)
      .finally(() => o.signal.removeEventListener('abort', onAbort));
  });
  const pinned = ((_host: string, opts: { all?: boolean }, cb: (...a: unknown[]) => void) => {
    if (opts.all) cb(null, addresses);
    else cb(null, addresses[0]!.address, addresses[0]!.family);
  }) as unknown as LookupFunction;
  const client = u.protocol === 'https:' ? https : http;
  return new Promise<number>((resolve, reject) => {
    const req = client.request(
      {
        protocol: u.protocol,
        hostname: hostOf(u),
        port: u.port || undefined,
        path: `${u.pathname}${u.search}`,
        method: 'POST',
        headers: { ...o.headers, 'content-length': String(Buffer.byteLength(o.body)) },
        lookup: pinned,
        agent: false,
        signal: o.signal,
      },
      (res) => {
        resolve(res.statusCode ?? 0);
        res.destroy();
      },
    );
    req.on('error', reject);
    req.end(o.body);
  });
}

/** Registration does not wait longer than this for DNS; delivery re-checks anyway. */
const REGISTER_LOOKUP_MS = 3000;

/**
 * Checks a URL someone registers for Tandem to POST to (webhooks, Slack and Teams channels) and
 * returns it normalised: http(s), no credentials, and unless private networks are allowed, not a
 * local or private address. `mustResolve`: a name that does not resolve (within 3 s) is refused
 * too; webhooks accept one (every delivery resolves and vets it again).
 */
export async function checkEndpointUrl(raw: string, policy: TargetPolicy, o: { what: string; mustResolve: boolean }): Promise<string> {
  const What = o.what[0]!.toUpperCase() + o.what.slice(1);
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw new AppError('validation_failed', `The ${o.what} is not a URL`);
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') throw new AppError('validation_failed', `${What}s must be http or https`);
  if (u.username || u.password) throw new AppError('validation_failed', `Put no credentials (user:password@) in a ${o.what}`);
  if (!policy.allowPrivate && isLocalName(hostOf(u))) {
    throw new AppError('validation_failed', `${What} refused: host ${JSON.stringify(hostOf(u))} names the local machine; ${PRIVATE_NETWORKS_HINT}`);
  }
  if (!policy.allowPrivate || o.mustResolve) {
    const lookup: Lookup = (host) =>
      Promise.race([
        policy.lookup(host),
        new Promise<never>((_, reject) => setTimeout(() => reject(new Error('DNS timeout')), REGISTER_LOOKUP_MS).unref()),
      ]);
    try {
      await resolveTarget(u, { ...policy, lookup });
    } catch (err) {
      if (err instanceof RefusedTarget) throw new AppError('validation_failed', `${What} ${err.message}`);
      if (o.mustResolve) throw new AppError('validation_failed', `${What} is unreachable: ${(err as Error).message}`);
    }
  }
  return u.toString();
}

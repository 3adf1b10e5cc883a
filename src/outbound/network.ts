import { isIP } from 'node:net';

/**
 * Pure: which network addresses a webhook may be sent to (SSRF guard). With
 * WEBHOOK_ALLOW_PRIVATE_NETWORKS=false Tandem refuses endpoints whose host is, or resolves to, an
 * address that is not globally routable: loopback, RFC 1918 / unique-local, link-local (cloud
 * metadata at 169.254.169.254), CGNAT, unspecified, multicast, broadcast and other special ranges,
 * including those same IPv4 addresses written as IPv6 (mapped `::ffff:a.b.c.d`, SIIT, NAT64
 * `64:ff9b::/96`, 6to4 `2002::/16`).
 *
 * A byte-prefix table rather than net.BlockList: the refusal must say which range matched, and
 * IPv4 embedded in NAT64/6to4/SIIT addresses is not something BlockList unwraps.
 */
export type Verdict = { allowed: true } | { allowed: false; reason: string };

type Range = readonly [prefix: number[], bits: number, what: string];

const V4: readonly Range[] = [
  [[0, 0, 0, 0], 8, 'unspecified ("this network")'],
  [[10, 0, 0, 0], 8, 'private (RFC 1918)'],
  [[100, 64, 0, 0], 10, 'carrier-grade NAT (RFC 6598)'],
  [[127, 0, 0, 0], 8, 'loopback'],
  [[169, 254, 0, 0], 16, 'link-local (cloud metadata)'],
  [[172, 16, 0, 0], 12, 'private (RFC 1918)'],
  [[192, 0, 0, 0], 24, 'IETF protocol assignments'],
  [[192, 0, 2, 0], 24, 'documentation'],
  [[192, 88, 99, 0], 24, '6to4 relay anycast'],
  [[192, 168, 0, 0], 16, 'private (RFC 1918)'],
  [[198, 18, 0, 0], 15, 'benchmarking'],
  [[198, 51, 100, 0], 24, 'documentation'],
  [[203, 0, 113, 0], 24, 'documentation'],
  [[224, 0, 0, 0], 4, 'multicast'],
  [[255, 255, 255, 255], 32, 'broadcast'],
  [[240, 0, 0, 0], 4, 'reserved'],
];

const hex = (groups: number[]) => groups.flatMap((g) => [g >> 8, g & 0xff]);
const V6: readonly Range[] = [
  [hex([0, 0, 0, 0, 0, 0, 0, 0]), 128, 'unspecified'],
  [hex([0, 0, 0, 0, 0, 0, 0, 1]), 128, 'loopback'],
  [hex([0, 0, 0, 0, 0, 0]), 96, 'IPv4-compatible (deprecated)'],
  [hex([0x64, 0xff9b, 1]), 48, 'local-use NAT64'],
  [hex([0x100, 0, 0, 0]), 64, 'discard-only'],
  [hex([0x2001, 0]), 32, 'Teredo'],
  [hex([0x2001, 0xdb8]), 32, 'documentation'],
  [hex([0xfc00]), 7, 'unique local (private)'],
  [hex([0xfe80]), 10, 'link-local'],
  [hex([0xfec0]), 10, 'site-local (deprecated)'],
  [hex([0xff00]), 8, 'multicast'],
];

/** IPv6 prefixes that carry an IPv4 address in their last 32 bits (or at byte 2 for 6to4). */
const EMBEDDING: ReadonlyArray<readonly [prefix: number[], bits: number, v4At: number, what: string]> = [
  [hex([0, 0, 0, 0, 0, 0xffff]), 96, 12, 'IPv4-mapped'],
  [hex([0, 0, 0, 0, 0xffff, 0]), 96, 12, 'IPv4-translated'],
  [hex([0x64, 0xff9b, 0, 0, 0, 0]), 96, 12, 'NAT64'],
  [hex([0x2002]), 16, 2, '6to4'],
];

function matches(bytes: readonly number[], prefix: readonly number[], bits: number): boolean {
  for (let i = 0; i < bits; i += 8) {
    const take = Math.min(8, bits - i);
    const mask = (0xff << (8 - take)) & 0xff;
    if (((bytes[i / 8] ?? 0) & mask) !== ((prefix[i / 8] ?? 0) & mask)) return false;
  }
  return true;
}

function v4Bytes(ip: string): number[] {
  return ip.split('.').map(Number);
}

/** 16 bytes of a valid IPv6 literal (zone id dropped, dotted-quad tail allowed). */
function v6Bytes(ip: string): number[] {
  let addr = ip.split('%')[0]!;
  const lastColon = addr.lastIndexOf(':');
  if (addr.includes('.', lastColon)) {
    const [a, b, c, d] = v4Bytes(addr.slice(lastColon + 1)) as [number, number, number, number];
    addr = `${addr.slice(0, lastColon + 1)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const parse = (s: string) => (s === '' ? [] : s.split(':').map((g) => parseInt(g, 16)));
  const dbl = addr.indexOf('::');
  if (dbl < 0) return hex(parse(addr));
  const left = parse(addr.slice(0, dbl));
  const right = parse(addr.slice(dbl + 2));
  return hex([...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right]);
}

function classifyV4(bytes: readonly number[], shown: string): Verdict {
  for (const [prefix, bits, what] of V4) if (matches(bytes, prefix, bits)) return { allowed: false, reason: `${shown} is a ${what} address` };
  return { allowed: true };
}

/** Is this IP literal (IPv4 dotted quad or IPv6, without brackets) a public, unicast address? */
export function classifyAddress(ip: string): Verdict {
  const family = isIP(ip);
  if (family === 4) return classifyV4(v4Bytes(ip), ip);
  if (family !== 6) return { allowed: false, reason: `${JSON.stringify(ip)} is not an IP address` };
  const bytes = v6Bytes(ip);
  for (const [prefix, bits, at, what] of EMBEDDING) {
    if (matches(bytes, prefix, bits)) {
      const v4 = bytes.slice(at, at + 4);
      const inner = classifyV4(v4, `${ip} (${what} ${v4.join('.')})`);
      if (!inner.allowed) return inner;
      // The mapped / translated forms of a public IPv4 are fine; 6to4 and NAT64 of one too.
      return { allowed: true };
    }
  }
  for (const [prefix, bits, what] of V6) if (matches(bytes, prefix, bits)) return { allowed: false, reason: `${ip} is a ${what} address` };
  return { allowed: true };
}

/** Names that mean "this machine" whatever DNS says (RFC 6761 `localhost` and common aliases). */
export function isLocalName(host: string): boolean {
  const h = host.toLowerCase().replace(/\.+$/, '');
  return (
    h === 'localhost' ||
    h.endsWith('.localhost') ||
    h === 'localhost.localdomain' ||
    h === 'ip6-localhost' ||
    h === 'ip6-loopback' ||
    h === 'localhost6' ||
    h === 'localhost6.localdomain6'
  );
}

/** The host of a parsed URL as a resolver or isIP wants it (IPv6 without brackets). */
export function hostOf(u: URL): string {
  return u.hostname.startsWith('[') && u.hostname.endsWith(']') ? u.hostname.slice(1, -1) : u.hostname;
}

/**
 * Vets a host and the addresses it resolved to: refused if the name is a localhost alias or if
 * ANY address is not public (a name with one public and one private answer is refused too, since
 * the connection may take either).
 */
export function checkTarget(host: string, addresses: readonly string[]): Verdict {
  const shown = JSON.stringify(host);
  if (isIP(host)) {
    const v = classifyAddress(host);
    return v.allowed ? v : { allowed: false, reason: `${v.reason}, not a public one` };
  }
  for (const a of addresses) {
    const v = classifyAddress(a);
    if (!v.allowed) return { allowed: false, reason: `host ${shown} resolves to ${a}: ${v.reason}, not a public one` };
  }
  if (isLocalName(host)) return { allowed: false, reason: `host ${shown} names the local machine` };
  return { allowed: true };
}

export const PRIVATE_NETWORKS_HINT = 'webhooks may only reach public addresses (set WEBHOOK_ALLOW_PRIVATE_NETWORKS=true to allow private networks)';

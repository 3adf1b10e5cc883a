import { describe, expect, it } from 'vitest';
import { checkTarget, classifyAddress, hostOf, isLocalName } from '../../src/outbound/network.js';

const allowed = (ip: string) => classifyAddress(ip).allowed;
const reason = (ip: string) => {
  const v = classifyAddress(ip);
  return v.allowed ? null : v.reason;
};

describe('webhook address classification (SSRF guard)', () => {
  it('refuses non-public IPv4, naming the range', () => {
    const cases: Array<[string, RegExp]> = [
      ['127.0.0.1', /loopback/],
      ['127.255.255.254', /loopback/],
      ['10.0.0.1', /RFC 1918/],
      ['10.255.255.255', /RFC 1918/],
      ['172.16.0.1', /RFC 1918/],
      ['172.31.255.255', /RFC 1918/],
      ['192.168.0.1', /RFC 1918/],
      ['169.254.169.254', /link-local/],
      ['100.64.0.1', /carrier-grade NAT/],
      ['100.127.255.255', /carrier-grade NAT/],
      ['0.0.0.0', /unspecified/],
      ['0.1.2.3', /unspecified/],
      ['224.0.0.1', /multicast/],
      ['239.255.255.250', /multicast/],
      ['255.255.255.255', /broadcast/],
      ['240.0.0.1', /reserved/],
      ['192.0.2.10', /documentation/],
      ['198.18.0.1', /benchmarking/],
      ['192.0.0.8', /IETF/],
    ];
    for (const [ip, re] of cases) expect(reason(ip), ip).toMatch(re);
  });

  it('allows public IPv4, including the addresses just outside each range', () => {
    for (const ip of ['8.8.8.8', '93.184.216.34', '1.1.1.1', '9.255.255.255', '11.0.0.0', '172.15.255.255', '172.32.0.0', '192.167.255.255', '192.169.0.0', '100.63.255.255', '100.128.0.0', '169.253.255.255', '169.255.0.0', '126.255.255.255', '128.0.0.0', '223.255.255.255', '198.20.0.0', '192.0.1.1']) {
      expect(allowed(ip), ip).toBe(true);
    }
  });

  it('refuses non-public IPv6', () => {
    const cases: Array<[string, RegExp]> = [
      ['::1', /loopback/],
      ['0:0:0:0:0:0:0:1', /loopback/],
      ['::', /unspecified/],
      ['fc00::1', /unique local/],
      ['fd12:3456:789a::1', /unique local/],
      ['fe80::1', /link-local/],
      ['fe80::1%eth0', /link-local/],
      ['febf:ffff::1', /link-local/],
      ['fec0::1', /site-local/],
      ['ff02::1', /multicast/],
      ['2001:db8::1', /documentation/],
      ['::7f00:1', /IPv4-compatible/],
      ['100::1', /discard/],
    ];
    for (const [ip, re] of cases) expect(reason(ip), ip).toMatch(re);
  });

  it('allows public IPv6, including the edges of the refused ranges', () => {
    for (const ip of ['2606:4700:4700::1111', '2a00:1450:4001:82a::200e', 'fbff:ffff::1', 'fe00::1', 'fe7f:ffff::1', '2001:db9::1', '2001:1::1', 'fa00::1', '::1:0:0:1', '64:ff9b:2::1']) {
      expect(allowed(ip), ip).toBe(true);
    }
  });

  it('unwraps IPv4 written as IPv6: mapped, translated, NAT64 and 6to4', () => {
    const refused: Array<[string, RegExp]> = [
      ['::ffff:127.0.0.1', /IPv4-mapped 127\.0\.0\.1\).*loopback/],
      ['::ffff:7f00:1', /IPv4-mapped 127\.0\.0\.1\).*loopback/],
      ['::FFFF:169.254.169.254', /link-local/],
      ['::ffff:a9fe:a9fe', /IPv4-mapped 169\.254\.169\.254/],
      ['::ffff:10.1.2.3', /RFC 1918/],
      ['0:0:0:0:0:ffff:c0a8:101', /192\.168\.1\.1/],
      ['::ffff:0:127.0.0.1', /IPv4-translated 127\.0\.0\.1/],
      ['64:ff9b::a9fe:a9fe', /NAT64 169\.254\.169\.254/],
      ['64:ff9b::10.0.0.1', /NAT64 10\.0\.0\.1/],
      ['2002:7f00:1::', /6to4 127\.0\.0\.1/],
      ['2002:c0a8:0101::1', /6to4 192\.168\.1\.1/],
      ['::ffff:0.0.0.0', /unspecified/],
    ];
    for (const [ip, re] of refused) expect(reason(ip), ip).toMatch(re);
    for (const ip of ['::ffff:8.8.8.8', '::ffff:808:808', '64:ff9b::808:808', '2002:808:808::1']) expect(allowed(ip), ip).toBe(true);
  });

  it('refuses what is not an IP literal', () => {
    expect(reason('localhost')).toMatch(/not an IP address/);
    expect(reason('[::1]')).toMatch(/not an IP address/);
    expect(reason('')).toMatch(/not an IP address/);
  });

  it('knows localhost aliases, case- and trailing-dot-insensitively', () => {
    for (const h of ['localhost', 'LOCALHOST', 'localhost.', 'api.localhost', 'a.b.localhost.', 'localhost.localdomain', 'ip6-localhost', 'ip6-loopback', 'localhost6']) expect(isLocalName(h), h).toBe(true);
    for (const h of ['localhost.example.com', 'mylocalhost', 'example.com', 'notlocalhost.net']) expect(isLocalName(h), h).toBe(false);
  });

  it('takes the host of a URL as the resolver wants it', () => {
    expect(hostOf(new URL('http://[::1]:8080/x'))).toBe('::1');
    expect(hostOf(new URL('http://[::ffff:127.0.0.1]/'))).toBe('::ffff:7f00:1');
    // The WHATWG parser already canonicalizes odd IPv4 spellings, so they cannot sneak past.
    expect(hostOf(new URL('http://0x7f.1/'))).toBe('127.0.0.1');
    expect(hostOf(new URL('http://2130706433/'))).toBe('127.0.0.1');
    expect(hostOf(new URL('http://Example.COM./'))).toBe('example.com.');
  });

  it('vets a host with every address it resolved to', () => {
    expect(checkTarget('hooks.example.com', ['93.184.216.34', '2606:2800:220:1::1'])).toEqual({ allowed: true });
    const mixed = checkTarget('evil.example.com', ['93.184.216.34', '10.0.0.7']);
    expect(mixed).toEqual({ allowed: false, reason: expect.stringMatching(/"evil\.example\.com" resolves to 10\.0\.0\.7: .*RFC 1918/) });
    expect(checkTarget('localhost', ['127.0.0.1'])).toEqual({ allowed: false, reason: expect.stringMatching(/resolves to 127\.0\.0\.1: .*loopback/) });
    // A localhost alias is refused even if DNS claims it is public.
    expect(checkTarget('x.localhost', ['93.184.216.34'])).toEqual({ allowed: false, reason: expect.stringMatching(/local machine/) });
    expect(checkTarget('169.254.169.254', [])).toEqual({ allowed: false, reason: expect.stringMatching(/link-local/) });
    expect(checkTarget('8.8.8.8', [])).toEqual({ allowed: true });
  });
});

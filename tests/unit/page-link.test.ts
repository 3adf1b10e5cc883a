import { describe, expect, it } from 'vitest';
import { pageLinkTarget } from '../../src/overlay/core/navigate.js';

const here = (href: string) => {
  const u = new URL(href);
  return { href: u.href, origin: u.origin, pathname: u.pathname };
};

describe('following a page link (overlay)', () => {
  const page = here('https://admin.example/shop/order/7/change/?as=bob');

  it('goes to another page of this origin by path and hash, keeping this user out of the link author\'s query', () => {
    expect(pageLinkTarget('https://admin.example/shop/order/42/change/?as=alice#id_total', page)).toEqual({ kind: 'go', href: '/shop/order/42/change/#id_total' });
    expect(pageLinkTarget('/shop/order/42/change/', page)).toEqual({ kind: 'go', href: '/shop/order/42/change/' });
  });

  it('recognises this very page', () => {
    expect(pageLinkTarget('https://admin.example/shop/order/7/change/?as=alice', page)).toEqual({ kind: 'here' });
  });

  it("follows another origin as it is only when it is one of the tenant's host origins", () => {
    const origins = ['https://admin.example', 'https://erp.example'];
    expect(pageLinkTarget('https://erp.example/orders/42?tab=2', page, origins)).toEqual({ kind: 'go', href: 'https://erp.example/orders/42?tab=2' });
    for (const off of ['https://evil.example/phish', 'http://erp.example/orders/42', 'https://erp.example.evil.test/', '//evil.example/x']) {
      expect(pageLinkTarget(off, page, origins), off).toEqual({ kind: 'refused' });
    }
    // Before a join names the origins, only this one.
    expect(pageLinkTarget('https://erp.example/orders/42', page)).toEqual({ kind: 'refused' });
  });

  it('refuses anything but http(s), and what does not parse', () => {
    for (const bad of ['javascript:alert(1)', 'JAVASCRIPT:alert(1)', 'data:text/html,<b>x</b>', 'vbscript:x', 'http://[bad']) {
      expect(pageLinkTarget(bad, page), bad).toEqual({ kind: 'refused' });
    }
  });
});

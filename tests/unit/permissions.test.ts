import { describe, expect, it } from 'vitest';
import { can, matchesPattern, rightsFor, roomPermissionsSchema } from '../../src/auth/permissions.js';

describe('permission patterns', () => {
  it('matches * as any run of characters, anchored at both ends', () => {
    expect(matchesPattern('shop.order:*', 'shop.order:42')).toBe(true);
    expect(matchesPattern('shop.order:*', 'shop.order:')).toBe(true);
    expect(matchesPattern('shop.order:*', 'shop.orderline:42')).toBe(false);
    expect(matchesPattern('shop.order:*', 'xshop.order:42')).toBe(false);
    expect(matchesPattern('shop.*:42', 'shop.invoice:42')).toBe(true);
    expect(matchesPattern('shop.*:42', 'shop.invoice:421')).toBe(false);
    expect(matchesPattern('*', 'anything/at:all')).toBe(true);
    expect(matchesPattern('/reports/*', '/reports/weekly')).toBe(true);
    expect(matchesPattern('orderview:7', 'orderview:7')).toBe(true);
    expect(matchesPattern('orderview:7', 'orderview:70')).toBe(false);
  });

  it('treats regular-expression characters in patterns literally', () => {
    // "." must not match any character, "+" and "(" must not be operators.
    expect(matchesPattern('shop.order:1', 'shopXorder:1')).toBe(false);
    expect(matchesPattern('a+b:*', 'a+b:1')).toBe(true);
    expect(matchesPattern('a+b:*', 'aab:1')).toBe(false);
    expect(matchesPattern('(x)|y', 'y')).toBe(false);
    expect(matchesPattern('(x)|y', '(x)|y')).toBe(true);
    expect(matchesPattern('a?c', 'abc')).toBe(false);
  });

  it('unions the rights of every matching pattern; write and comment imply read', () => {
    const perms = { 'shop.order:*': ['comment' as const], 'shop.order:42': ['write' as const], 'hr.*': ['read' as const] };
    expect(rightsFor(perms, 'shop.order:42')).toEqual(['read', 'write', 'comment']);
    expect(rightsFor(perms, 'shop.order:7')).toEqual(['read', 'comment']);
    expect(rightsFor(perms, 'hr.salary:1')).toEqual(['read']);
    expect(rightsFor(perms, 'billing:1')).toEqual([]);
    expect(rightsFor({}, 'shop.order:42')).toEqual([]);
    expect(rightsFor({ 'x:*': [] }, 'x:1')).toEqual([]);
  });

  it('can() answers per right', () => {
    const perms = { 'shop.order:*': ['read' as const] };
    expect(can(perms, 'shop.order:1', 'read')).toBe(true);
    expect(can(perms, 'shop.order:1', 'write')).toBe(false);
    expect(can(perms, 'shop.order:1', 'comment')).toBe(false);
    expect(can(perms, 'other:1', 'read')).toBe(false);
  });

  it('the token schema accepts known rights only and bounds the pattern count', () => {
    expect(roomPermissionsSchema.safeParse({ 'a:*': ['read', 'write'] }).success).toBe(true);
    expect(roomPermissionsSchema.safeParse({ 'a:*': ['admin'] }).success).toBe(false);
    expect(roomPermissionsSchema.safeParse({ '': ['read'] }).success).toBe(false);
    expect(roomPermissionsSchema.safeParse({ 'a:*': 'read' }).success).toBe(false);
    const many = Object.fromEntries(Array.from({ length: 101 }, (_, i) => [`p${i}:*`, ['read']]));
    expect(roomPermissionsSchema.safeParse(many).success).toBe(false);
    const hundred = Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`p${i}:*`, ['read']]));
    expect(roomPermissionsSchema.safeParse(hundred).success).toBe(true);
  });
});

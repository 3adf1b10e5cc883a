import { describe, expect, it } from 'vitest';
import { derivePageKey, PAGE_KEY_MAX, PAGE_KEY_PATTERN } from '../../src/features/rooms/page-key.js';

describe('derivePageKey', () => {
  it('Django admin change pages → app.model:pk, whatever the prefix, query, fragment or slash', () => {
    for (const url of [
      '/admin/shop/order/42/change/',
      '/admin/shop/order/42/change',
      '/admin/shop/order/42/change/?_changelist_filters=status%3Dnew#items',
      'https://erp.example.com/admin/shop/order/42/change/',
      '/backoffice/admin/shop/order/42/change/',
      '/admin//shop/order/42/change/',
      '/admin/Shop/Order/42/change/',
    ]) {
      expect(derivePageKey(url), url).toBe('shop.order:42');
    }
    expect(derivePageKey('/admin/auth/user/7/change/')).toBe('auth.user:7');
    expect(derivePageKey('/admin/shop/order/3f2a-uuid/change/')).toBe('shop.order:3f2a-uuid');
  });

  it('Flask-AppBuilder edit and show pages of one record share a key', () => {
    expect(derivePageKey('/orderview/edit/42')).toBe('orderview:42');
    expect(derivePageKey('/orderview/show/42')).toBe('orderview:42');
    expect(derivePageKey('/orderview/edit/42/?_flt_0_status=x')).toBe('orderview:42');
    expect(derivePageKey('http://fab.local/app/OrderView/show/42#tab')).toBe('orderview:42');
  });

  it('"add" pages are private to their author: a record that does not exist yet is nobody else\'s', () => {
    expect(derivePageKey('/admin/shop/order/add/', undefined, 'alice')).toBe('shop.order:add~alice');
    expect(derivePageKey('/admin/shop/order/add/?_popup=1', undefined, 'bob')).toBe('shop.order:add~bob');
    expect(derivePageKey('/orderview/add', undefined, 'alice')).toBe('orderview:add~alice');
    expect(derivePageKey('/orderview/add/', undefined, 'a b<c>')).toMatch(PAGE_KEY_PATTERN);
    // A host key still wins: the host decides when an add page is shared.
    expect(derivePageKey('/admin/shop/order/add/', 'draft:7', 'alice')).toBe('draft:7');
  });

  it('other pages fall back to their normalized path', () => {
    expect(derivePageKey('/reports/weekly?x=1#top')).toBe('/reports/weekly');
    expect(derivePageKey('/reports/weekly/')).toBe('/reports/weekly');
    expect(derivePageKey('/')).toBe('/');
    expect(derivePageKey('')).toBe('/');
    expect(derivePageKey('/admin/shop/order/')).toBe('/admin/shop/order');
    // Characters outside the key alphabet are replaced; the result is always a valid key.
    const odd = derivePageKey('/caf%C3%A9/a b/<script>');
    expect(odd).toMatch(PAGE_KEY_PATTERN);
    expect(odd).not.toContain('<');
    expect(derivePageKey('/%E0%A4%A')).toMatch(PAGE_KEY_PATTERN); // malformed escape
    const long = derivePageKey(`/${'x'.repeat(1000)}`);
    expect(long.length).toBe(PAGE_KEY_MAX);
  });

  it('single-page admins: the route names the record, hash routes included (react-admin, Refine, AdminJS)', () => {
    for (const url of ['/#/posts/1', '/#/posts/1/show', '/app/#/posts/1?tab=2', '/#!/posts/1', '/posts/1', '/posts/1/show', '/admin/posts/1/', 'https://ra.example/posts/1/show']) {
      expect(derivePageKey(url), url).toBe('posts:1');
    }
    expect(derivePageKey('/#/posts/2')).toBe('posts:2');
    expect(derivePageKey('/#/Order-Items/abc')).toBe('order-items:abc'); // a hash route: any id
    expect(derivePageKey('/orders/3f2a8c1e-0b1d-4c8e-9f00-123456789abc')).toBe('orders:3f2a8c1e-0b1d-4c8e-9f00-123456789abc');
    expect(derivePageKey('/posts/edit/42')).toBe('posts:42'); // Refine
    expect(derivePageKey('/admin/resources/Post/records/42/edit')).toBe('post:42'); // AdminJS
    expect(derivePageKey('/admin/resources/Post/records/42/show')).toBe('post:42');
    // Lists and other routes keep their path, so a list is not the records' room.
    expect(derivePageKey('/#/posts')).toBe('/posts');
    expect(derivePageKey('/#/')).toBe('/');
    expect(derivePageKey('/reports/weekly')).toBe('/reports/weekly'); // "weekly" is not an id
    expect(derivePageKey('/#items')).toBe('/'); // an anchor, not a route
    // Create routes are private to their author, like add pages.
    expect(derivePageKey('/#/posts/create', undefined, 'alice')).toBe('posts:add~alice');
    expect(derivePageKey('/posts/create', undefined, 'bob')).toBe('posts:add~bob');
    expect(derivePageKey('/#/posts/1<x>')).toMatch(PAGE_KEY_PATTERN);
  });

  it('a host override wins over the URL and is validated', () => {
    expect(derivePageKey('/admin/shop/order/42/change/', 'invoice:9')).toBe('invoice:9');
    expect(derivePageKey('/x', '  crm.deal:77  ')).toBe('crm.deal:77');
    for (const bad of ['', '   ', 'has space', 'a<b', 'x'.repeat(PAGE_KEY_MAX + 1), 'quote"']) {
      expect(() => derivePageKey('/x', bad), JSON.stringify(bad)).toThrow(RangeError);
    }
    expect(derivePageKey('/x', 'x'.repeat(PAGE_KEY_MAX))).toHaveLength(PAGE_KEY_MAX);
  });
});

import { describe, expect, it } from 'vitest';
import { isRecordSave, recordOf } from '../../src/overlay/fields/saves.js';

const ok = (method: string, url: string, status = 200) => ({ method, url, status });

describe('which single-page app requests save the room’s record', () => {
  it('a successful PUT or PATCH to the record’s URL, whatever the API prefix (ra-data-simple-rest, json-server, Refine)', () => {
    expect(isRecordSave('posts:1', ok('PUT', 'http://h/api/posts/1'))).toBe(true);
    expect(isRecordSave('posts:1', ok('PATCH', 'http://h/posts/1?x=1'))).toBe(true);
    expect(isRecordSave('order-items:abc', ok('PUT', 'http://h/v2/Order-Items/abc'))).toBe(true);
    expect(isRecordSave('shop.order:42', ok('PUT', 'http://h/api/order/42'))).toBe(true); // Django keys name app.model
    expect(isRecordSave('post:42', ok('POST', 'http://h/admin/api/resources/Post/records/42/edit'))).toBe(true); // AdminJS
  });

  it('not another record, another resource, a failed write, a create, or a page that is no record', () => {
    expect(isRecordSave('posts:1', ok('PUT', 'http://h/api/posts/10'))).toBe(false);
    expect(isRecordSave('posts:1', ok('PUT', 'http://h/api/comments/1'))).toBe(false);
    expect(isRecordSave('posts:1', ok('PUT', 'http://h/api/posts/1', 409))).toBe(false);
    expect(isRecordSave('posts:1', ok('PUT', 'http://h/api/posts/1', 500))).toBe(false);
    expect(isRecordSave('posts:1', ok('POST', 'http://h/api/posts'))).toBe(false);
    expect(isRecordSave('posts:1', ok('POST', 'http://h/api/posts/1'))).toBe(false);
    expect(isRecordSave('/posts', ok('PUT', 'http://h/api/posts/1'))).toBe(false);
    expect(isRecordSave('posts:add~alice', ok('PUT', 'http://h/api/posts/add'))).toBe(false);
    expect(isRecordSave('posts:1', ok('PUT', 'not a url'))).toBe(false);
  });

  it('reads resource and id from a record key', () => {
    expect(recordOf('posts:1')).toEqual({ resource: 'posts', id: '1' });
    expect(recordOf('shop.order:42')).toEqual({ resource: 'order', id: '42' });
    expect(recordOf('/reports/weekly')).toBeNull();
    expect(recordOf('posts:add~bob')).toBeNull();
  });
});

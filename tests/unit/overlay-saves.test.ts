import { describe, expect, it } from 'vitest';
import { isRecordSave, leftPageSavedBy, recordOf, rememberLeftAfterSave } from '../../src/overlay/fields/saves.js';

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

  // react-admin's undoable mode: Save leaves the form, the PUT follows from the list page.
  it('a write to a record left just after Save is that save, once, within 30 s', () => {
    rememberLeftAfterSave('posts:7', { title: 'Hello' }, 1_000);
    expect(leftPageSavedBy({ ...ok('PUT', 'http://h/api/posts/8'), body: { title: 'Hello' } }, 2_000)).toBeNull();
    expect(leftPageSavedBy({ ...ok('PUT', 'http://h/api/posts/7'), body: { id: 7, title: 'Hello', tags: [{ id: 1 }] } }, 6_000)).toBe('posts:7');
    expect(leftPageSavedBy({ ...ok('PUT', 'http://h/api/posts/7'), body: { title: 'Hello' } }, 7_000)).toBeNull();
    rememberLeftAfterSave('posts:7', {}, 10_000);
    expect(leftPageSavedBy(ok('PUT', 'http://h/api/posts/7'), 41_000)).toBeNull();
  });

  // Save, then Undo (no write), then another write to the record (an inline edit on the list).
  it('not a later write whose body disagrees with the text the form showed at Save; a body that is no JSON object is not judged', () => {
    rememberLeftAfterSave('posts:9', { title: 'As saved', body: 'Text' }, 0);
    expect(leftPageSavedBy({ ...ok('PATCH', 'http://h/api/posts/9'), body: { title: 'Renamed inline', body: 'Text' } }, 5_000)).toBeNull();
    expect(leftPageSavedBy({ ...ok('PATCH', 'http://h/api/posts/9'), body: { status: 'published' } }, 6_000)).toBe('posts:9'); // no text field in it: not judged
    rememberLeftAfterSave('posts:9', { title: 'As saved' }, 10_000);
    expect(leftPageSavedBy({ ...ok('PUT', 'http://h/api/posts/9'), body: undefined }, 11_000)).toBe('posts:9');
  });
});


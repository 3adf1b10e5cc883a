import { defineHandler } from '../../realtime/pipeline.js';
import { createSchema, editSchema, idSchema, listSchema } from './messages.js';
import type { Comments } from './service.js';

export const commentHandlers = (comments: Comments) => [
  defineHandler('comment:create', createSchema, ({ caller }, p) => comments.create(caller(p.roomId), p)),
  defineHandler('comment:edit', editSchema, ({ caller }, p) => comments.edit(caller(p.roomId), p.commentId, p.body)),
  defineHandler('comment:delete', idSchema, ({ caller }, p) => comments.remove(caller(p.roomId), p.commentId)),
  defineHandler('comment:resolve', idSchema, ({ caller }, p) => comments.resolve(caller(p.roomId), p.commentId)),
  defineHandler('comment:reopen', idSchema, ({ caller }, p) => comments.reopen(caller(p.roomId), p.commentId)),
  defineHandler('comment:list', listSchema, async ({ caller }, p) => ({ threads: await comments.list(caller(p.roomId), p) })),
];

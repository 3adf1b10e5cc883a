import { defineHandler } from '../../realtime/pipeline.js';
import { roomRef, userAuthor } from '../chat/socket.js';
import type { Rooms } from '../rooms/service.js';
import { createSchema, editSchema, idSchema, listSchema } from './messages.js';
import type { Comments } from './service.js';

export const commentHandlers = (comments: Comments, rooms: Rooms) => [
  defineHandler('comment:create', createSchema, ({ socket, user }, p) => comments.create(roomRef(rooms, socket, p.roomId, 'comment'), userAuthor(user), p)),
  defineHandler('comment:edit', editSchema, ({ socket, user }, p) => comments.edit(roomRef(rooms, socket, p.roomId, 'comment'), userAuthor(user), p.commentId, p.body)),
  defineHandler('comment:delete', idSchema, ({ socket, user }, p) => comments.remove(roomRef(rooms, socket, p.roomId, 'comment'), userAuthor(user), p.commentId)),
  defineHandler('comment:resolve', idSchema, ({ socket, user }, p) => comments.resolve(roomRef(rooms, socket, p.roomId, 'comment'), userAuthor(user), p.commentId)),
  defineHandler('comment:reopen', idSchema, ({ socket, user }, p) => comments.reopen(roomRef(rooms, socket, p.roomId, 'comment'), userAuthor(user), p.commentId)),
  defineHandler('comment:list', listSchema, async ({ socket }, p) => ({ threads: await comments.list(roomRef(rooms, socket, p.roomId, 'read'), p) })),
];

import { defineHandler } from '../../realtime/pipeline.js';
import { listSchema, markAllSchema, markReadSchema, syncSchema } from './messages.js';
import type { Notifications } from './service.js';

/** The caller's own inbox; every query is scoped by the token's tenant and user. */
export const notificationHandlers = (n: Notifications) => [
  defineHandler('notifications:list', listSchema, ({ user }, p) => n.list(user.tenantId, user.userId, p)),
  defineHandler('notifications:sync', syncSchema, ({ user }, p) => n.since(user.tenantId, user.userId, p.afterSeq)),
  defineHandler('notifications:read', markReadSchema, ({ user }, p) => n.markRead(user.tenantId, user.userId, p.ids)),
  defineHandler('notifications:read-all', markAllSchema, ({ user }) => n.markRead(user.tenantId, user.userId, 'all')),
];

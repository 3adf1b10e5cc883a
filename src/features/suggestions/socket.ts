import { z } from 'zod';
import { need } from '../../ports/caller.js';
import { defineHandler } from '../../realtime/pipeline.js';
import type { Suggestions } from './service.js';

export const suggestSchema = z
  .object({ roomId: z.uuid(), tags: z.array(z.string().min(1).max(64)).max(10).default([]), limit: z.number().int().min(1).max(50).default(8) })
  .strict();

export const suggestionHandlers = (suggestions: Suggestions) => [
  defineHandler(
    'work:suggest',
    suggestSchema,
    async ({ caller, user }, m) => {
      const room = need(caller(m.roomId), 'read');
      return { suggestions: await suggestions.forRoom(user.tenantId, { id: m.roomId, pageKey: room.pageKey }, { exclude: [user.userId], tags: m.tags, limit: m.limit }) };
    },
    { serial: false },
  ),
];

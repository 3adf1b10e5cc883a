import { userCaller } from '../../ports/caller.js';
import { defineHandler } from '../../realtime/pipeline.js';
import type { Rooms } from '../rooms/service.js';
import { fieldFetchSchema, fieldOpSchema, fieldResolveSchema, fieldSetSchema, formDraftChoiceSchema, formSavedSchema, recordSavedSchema } from './messages.js';
import type { Fields } from './service.js';

export const fieldHandlers = (fields: Fields, rooms: Pick<Rooms, 'grantOnPage'>) => [
  defineHandler('field:op', fieldOpSchema, ({ caller }, m) => fields.submitOp(caller(m.roomId), m)),
  defineHandler('field:fetch', fieldFetchSchema, ({ caller }, m) => fields.fetchOps(caller(m.roomId), m), { serial: false }),
  defineHandler('field:set', fieldSetSchema, ({ caller }, m) => fields.setValue(caller(m.roomId), m)),
  defineHandler('field:resolve', fieldResolveSchema, ({ caller }, m) => fields.resolveConflict(caller(m.roomId), m)),
  defineHandler('form:saved', formSavedSchema, ({ caller }, m) => fields.saved(caller(m.roomId), m)),
  defineHandler('record:saved', recordSavedSchema, async ({ user }, m) => {
    const room = await rooms.grantOnPage(user, m.pageKey);
    return fields.saved(userCaller(user, room), { roomId: room.roomId });
  }),
  defineHandler('form:draft', formDraftChoiceSchema, ({ caller }, m) => fields.draftChoice(caller(m.roomId), m)),
];

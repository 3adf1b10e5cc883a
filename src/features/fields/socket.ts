import { defineHandler } from '../../realtime/pipeline.js';
import { fieldFetchSchema, fieldOpSchema, fieldResolveSchema, fieldSetSchema, formDraftChoiceSchema, formSavedSchema } from './messages.js';
import type { Fields } from './service.js';

export const fieldHandlers = (fields: Fields) => [
  defineHandler('field:op', fieldOpSchema, ({ socket }, m) => fields.submitOp(socket, m)),
  defineHandler('field:fetch', fieldFetchSchema, ({ socket }, m) => fields.fetchOps(socket, m), { serial: false }),
  defineHandler('field:set', fieldSetSchema, ({ socket }, m) => fields.setValue(socket, m)),
  defineHandler('field:resolve', fieldResolveSchema, ({ socket }, m) => fields.resolveConflict(socket, m)),
  defineHandler('form:saved', formSavedSchema, ({ socket }, m) => fields.saved(socket, m)),
  defineHandler('form:draft', formDraftChoiceSchema, ({ socket }, m) => fields.draftChoice(socket, m)),
];

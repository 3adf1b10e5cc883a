import { z } from 'zod';
import { errorStatus, type ErrorCode } from '../errors.js';

const ERROR_CODES = Object.keys(errorStatus) as [ErrorCode, ...ErrorCode[]];

/** The one error shape of every REST answer that is not a success (component `Error` in /docs/json). */
export const errorBody = z
  .object({
    error: z.object({
      code: z.enum(ERROR_CODES).describe('Stable machine-readable code; the HTTP status follows from it (docs/api.md#errors)'),
      message: z.string().describe('For people; may change between versions'),
      details: z.unknown().optional().describe('Present when there is more to say: validation issues, the conflicting field, retryAfterMs'),
    }),
  })
  .meta({
    id: 'Error',
    examples: [{ error: { code: 'validation_failed', message: 'Invalid request body: title: Too small', details: [{ path: 'title', message: 'Too small' }] } }],
  });

/** Error statuses a route answers on top of the ones every route may give (the OpenAPI hook adds those, src/http/openapi.ts). */
export function errors<S extends 400 | 401 | 403 | 404 | 409 | 413 | 429 | 500 | 503>(...statuses: S[]): Record<S, typeof errorBody> {
  return Object.fromEntries(statuses.map((s) => [s, errorBody])) as Record<S, typeof errorBody>;
}


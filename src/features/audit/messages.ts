import { z } from 'zod';

/** One move of a work item (delegation, help request) as `GET …/:id` lists it under `history`. */
export const workHistoryEntrySchema = z.object({
  from: z.string().nullable(),
  to: z.string(),
  actorType: z.string(),
  actorId: z.string(),
  note: z.string(),
  at: z.string(),
});

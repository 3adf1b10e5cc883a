import { customType } from 'drizzle-orm/pg-core';

/**
 * A jsonb column whose value the driver has already parsed (node-postgres and PGlite both do).
 * Drizzle's own `jsonb` parses a string value a second time, so a field holding the text "12.50"
 * came back as the number 12.5 and "true" as a boolean: every jsonb column uses this one instead.
 */
export const jsonb = customType<{ data: unknown; driverData: unknown }>({
  dataType: () => 'jsonb',
  toDriver: (value) => JSON.stringify(value),
  fromDriver: (value) => value,
});

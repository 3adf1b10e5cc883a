// Every table, one file per feature. drizzle-kit reads this folder (drizzle.config.ts).
export * from './core.js';
export * from './collab.js';
export * from './fields.js';
export * from './work.js';
export * from './presence.js';
export * from './calls.js';
export * from './reach.js';

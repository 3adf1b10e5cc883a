import { defineConfig } from 'drizzle-kit';

// `npm run db:generate` diffs src/db/schema against migrations/meta and writes the next SQL file.
export default defineConfig({
  dialect: 'postgresql',
  schema: './src/db/schema/*.ts',
  out: './migrations',
  strict: true,
});

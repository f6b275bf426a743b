import { defineConfig } from 'drizzle-kit';

/**
 * Team mode's PostgreSQL migrations, kept apart from SQLite's (the top-level drizzle.config.ts
 * stays the one `npm run db:generate` uses). Run from the repository root:
 * `npx drizzle-kit generate --config drizzle/pg/drizzle.config.ts [--custom --name x]`
 * (`npm run db:generate:pg`).
 */
export default defineConfig({
  dialect: 'postgresql',
  schema: './src/db/pg/schema.ts',
  out: './drizzle/pg',
  schemaFilter: ['crm'],
  // Only for drizzle-kit experiments (`studio`, `push`); crm opens its server at run time.
  dbCredentials: { url: process.env.CRM_DB ?? 'postgres:///crm_dev' },
  strict: true,
  verbose: true,
});

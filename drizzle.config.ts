import { defineConfig } from 'drizzle-kit';

export default defineConfig({
  dialect: 'sqlite',
  schema: './src/db/schema.ts',
  out: './drizzle',
  // The app's own database is resolved at run time (see src/db/location.ts);
  // drizzle-kit only needs a scratch file for `studio` or `push` experiments.
  dbCredentials: { url: process.env.CRM_DB ?? './crm-dev.db' },
  strict: true,
  verbose: true,
});

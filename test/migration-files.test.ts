import { readMigrationFiles as drizzleReadMigrationFiles } from 'drizzle-orm/migrator';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_MIGRATIONS_FOLDER } from '../src/db/connection.js';
import { readMigrationFiles } from '../src/db/migration-files.js';

describe('readMigrationFiles', () => {
  it.each([DEFAULT_MIGRATIONS_FOLDER, path.join(DEFAULT_MIGRATIONS_FOLDER, 'pg')])(
    'reads the statements and hashes drizzle records, as drizzle reads them (%s)',
    (folder) => {
      const ours = readMigrationFiles(folder);
      expect(ours.length).toBeGreaterThan(0);
      expect(ours).toEqual(drizzleReadMigrationFiles({ migrationsFolder: folder }));
    },
  );
});

import type { MigrationMeta } from 'drizzle-orm/migrator';
import fs from 'node:fs';
import path from 'node:path';

/**
 * drizzle's readMigrationFiles (drizzle-orm/migrator), the same statements and hashes (drizzle
 * records the hash in its migrations table), with node:crypto loaded only when the files are
 * read: drizzle's module imports it, which cost every command about 4 ms of CPU even when the
 * file is up to date and no migration file is read.
 */
export function readMigrationFiles(migrationsFolder: string): MigrationMeta[] {
  const journal = JSON.parse(fs.readFileSync(path.join(migrationsFolder, 'meta', '_journal.json'), 'utf8')) as {
    entries: Array<{ tag: string; when: number; breakpoints: boolean }>;
  };
  const { createHash } = process.getBuiltinModule('node:crypto');
  return journal.entries.map((entry) => {
    const file = path.join(migrationsFolder, `${entry.tag}.sql`);
    let query: string;
    try {
      query = fs.readFileSync(file, 'utf8');
    } catch {
      throw new Error(`No file ${file} found in ${migrationsFolder} folder`);
    }
    return {
      sql: query.split('--> statement-breakpoint'),
      bps: entry.breakpoints,
      folderMillis: entry.when,
      hash: createHash('sha256').update(query).digest('hex'),
    };
  });
}

import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * crm applies the migrations whose journal time is later than the newest one a database has
 * (src/db/connection.ts, src/db/pg/migrate.ts). A migration listed after another but with an
 * earlier time would never reach a database that has the other one: the times must rise with
 * the order, and every listed file must exist.
 */
describe('migration journals', () => {
  for (const folder of ['drizzle', 'drizzle/pg']) {
    it(`${folder}: journal times strictly increase with the order, and each file exists`, () => {
      const root = path.resolve(import.meta.dirname, '..', folder);
      const journal = JSON.parse(fs.readFileSync(path.join(root, 'meta', '_journal.json'), 'utf8')) as {
        entries: Array<{ idx: number; tag: string; when: number }>;
      };
      journal.entries.forEach((entry, index) => {
        expect(entry.idx, entry.tag).toBe(index);
        expect(fs.existsSync(path.join(root, `${entry.tag}.sql`)), entry.tag).toBe(true);
        if (index > 0) expect(entry.when, entry.tag).toBeGreaterThan(journal.entries[index - 1]!.when);
      });
    });
  }
});

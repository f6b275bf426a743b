import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { normalizeSql } from '../src/db/audit-triggers.js';
import { openDatabase } from '../src/db/connection.js';
import { SEARCH_TRIGGER_NAMES, SEARCH_TRIGGERS, SEARCH_TRIGGERS_0014, searchTriggersMigration, searchTriggerStatements } from '../src/db/search-triggers.js';

const migration = (name: string) => fs.readFileSync(path.resolve(import.meta.dirname, '..', 'drizzle', name), 'utf8');
/** The statements of a migration file that create a search trigger, as drizzle splits them. */
const createdTriggers = (text: string) =>
  text
    .split('--> statement-breakpoint')
    .map((statement) => statement.replace(/^\n+|\n+$/g, ''))
    .filter((statement) => /^(--[^\n]*\n)*CREATE TRIGGER `customer_search_/.test(statement));

describe('search triggers generated from the search document', () => {
  it('drizzle/0014_search_window.sql has exactly the triggers generated in its form', () => {
    expect(createdTriggers(migration('0014_search_window.sql'))).toEqual(searchTriggerStatements(SEARCH_TRIGGERS_0014));
  });

  it('drizzle/0016_search_triggers.sql is exactly what the generator writes', () => {
    expect(migration('0016_search_triggers.sql')).toBe(searchTriggersMigration());
  });

  it('a migrated file has the generated triggers, in the current form', () => {
    const db = openDatabase(':memory:');
    const stored = (name: string) =>
      (db.sqlite.prepare(`SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = ?`).pluck().get(name) as string | undefined) ?? '';
    const generated = searchTriggerStatements(SEARCH_TRIGGERS);
    SEARCH_TRIGGER_NAMES.forEach((name, index) => {
      // sqlite_master keeps the statement from CREATE on, without the comment before it.
      expect(normalizeSql(stored(name))).toBe(normalizeSql(generated[index]!.replace(/^(--[^\n]*\n)*/, '')));
    });
    const all = db.sqlite.prepare(`SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'customer\\_search\\_%' ESCAPE '\\'`).pluck().all();
    expect([...all].sort()).toEqual([...SEARCH_TRIGGER_NAMES].sort());
  });
});

import { describe, expect, it } from 'vitest';
import { AUDITED_TABLES, auditTriggerNames, auditTriggerStatements, normalizeSql } from '../src/db/audit-triggers.js';
import { openDatabase } from '../src/db/connection.js';

describe('audit triggers generated from the schema', () => {
  const db = openDatabase(':memory:');
  const stored = (name: string) =>
    (db.sqlite.prepare(`SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = ?`).pluck().get(name) as string | undefined) ?? '';

  for (const audited of AUDITED_TABLES) {
    const names = auditTriggerNames(audited);
    it(`${names[0]!.replace(/_audit_insert$/, '')}: the migrated file has exactly the generated triggers`, () => {
      const generated = auditTriggerStatements(audited);
      names.forEach((name, index) => {
        expect(normalizeSql(stored(name))).toBe(normalizeSql(generated[index]!));
      });
    });
  }

  it('records every column of each audited table', () => {
    for (const audited of AUDITED_TABLES) {
      const [insert] = auditTriggerStatements(audited);
      const columns = db.sqlite.pragma(`table_info(${auditTriggerNames(audited)[0]!.replace(/_audit_insert$/, '')})`) as Array<{ name: string }>;
      for (const { name } of columns) expect(insert).toContain(`'${name}', `);
    }
  });
});

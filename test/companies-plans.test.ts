import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type CrmDatabase } from '../src/db/connection.js';
import { COMPANY_LATEST_INTERACTION, COMPANY_LIST, COMPANY_PEOPLE } from '../src/repositories/sqlite/companies.js';
import { pipelineValuesSql, wonSinceSql } from '../src/repositories/sqlite/queries.js';

/**
 * The plans of the reads added for companies and deal values, EXPLAINed on the SQL the
 * repositories prepare: the pipeline's values come from customer_values alone, deals won in a
 * period from a range of customers_won_idx, a company's customers from customers_company_id_idx.
 */
let db: CrmDatabase;
beforeAll(() => {
  db = openDatabase(':memory:');
});
afterAll(() => db.close());

const PARAMETERS = { productId: 'p1', owners: '["grace"]', since: '2026-10-01T00:00:00.000Z', companyId: 'co1' };

function plan(text: string): string[] {
  const bound = Object.fromEntries(Object.entries(PARAMETERS).filter(([name]) => text.includes(`@${name}`)));
  return (db.sqlite.prepare(`EXPLAIN QUERY PLAN ${text}`).all(bound as never) as Array<{ detail: string }>).map((row) => row.detail);
}

const SHAPES = [{}, { product: true }, { owner: true }, { product: true, owner: true }];

describe('query plans of companies and deal values', () => {
  it('sums the pipeline values from customer_values alone, per product and owner too', () => {
    for (const shape of SHAPES) {
      const lines = plan(pipelineValuesSql(shape));
      expect(lines[0], lines.join('\n')).toBe('SEARCH k USING INDEX customer_values_key_idx (is_archived=?)');
      expect(lines.filter((line) => /^(SCAN|SEARCH) (?!k |json_each)/.test(line)), lines.join('\n')).toEqual([]);
    }
  });

  it('finds the deals won since a date by a range of customers_won_idx, which holds every column read', () => {
    for (const shape of SHAPES) {
      const lines = plan(wonSinceSql(shape));
      expect(lines[0], lines.join('\n')).toBe('SEARCH c USING COVERING INDEX customers_won_idx (status=? AND is_archived=? AND <expr>>?)');
      expect(lines.filter((line) => /^SCAN c/.test(line))).toEqual([]);
    }
  });

  it("reads a company's people, latest interaction and customer counts through customers_company_id_idx", () => {
    for (const text of [COMPANY_PEOPLE, COMPANY_LATEST_INTERACTION, COMPANY_LIST]) {
      const lines = plan(text);
      expect(lines.join('\n')).toMatch(/SEARCH c USING (COVERING )?INDEX customers_company_id_idx \(company_id=\?\)/);
      expect(lines.filter((line) => /^SCAN (c|a|i)$/.test(line)), lines.join('\n')).toEqual([]);
    }
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type CrmDatabase } from '../src/db/connection.js';
import type { ArchivedScope, CustomerSort } from '../src/repositories/ports.js';
import { SqliteAuditRepository } from '../src/repositories/sqlite/audit.js';
import {
  CUSTOMER_SEARCH,
  CUSTOMER_WITH_PRODUCT,
  CUSTOMERS_BY_ID_RANGE,
  CUSTOMERS_BY_NAME,
  CUSTOMER_NAMES_STARTING_WITH,
  DISTINCT_OWNERS,
  customerCountSql,
  customerListSql,
  followUpCountSql,
  followUpsSql,
  INTERACTIONS_OF_CUSTOMER,
  pipelineSql,
  SEARCH_CUSTOMER,
  SEARCH_WINDOW,
} from '../src/repositories/sqlite/queries.js';

/**
 * The plans of the daily reads, EXPLAINed on the very SQL the repositories prepare: none may
 * read a whole table. Walking an index in order is allowed where the query stops at a page
 * (LIMIT); reading an index instead of the table is allowed for counts.
 */
let db: CrmDatabase;
beforeAll(() => {
  db = openDatabase(':memory:');
});
afterAll(() => db.close());

const PARAMETERS = {
  prefix: 'abcd',
  limit: 20,
  offset: 0,
  fold: 'ada',
  id: 'c1',
  status: 'lead',
  productId: 'p1',
  owners: '["grace", "Grace"]',
  scanEnd: '2026-11-26T00:00:00.000Z',
  before: '2026-11-26T00:00:00.000Z',
  lastDay: '2026-11-25',
  customerId: 'c1',
  overdueDay: '2026-11-25',
  overdueInstant: '2026-11-25T00:00:00.000Z',
  lo: '2026-11-25',
  overdueLo: '2026-11-25',
  overdueHi: '2026-11-25T00:00:00.000Z',
};

function plan(text: string, parameters: unknown): string[] {
  const rows = db.sqlite.prepare(`EXPLAIN QUERY PLAN ${text}`).all(parameters as never) as Array<{ detail: string }>;
  return rows.map((row) => row.detail);
}

/** Parameters the text names, so each statement gets exactly what it binds. */
function bound(text: string): Record<string, unknown> {
  return Object.fromEntries(Object.entries(PARAMETERS).filter(([name]) => text.includes(`@${name}`)));
}

/** The tables (and their aliases in queries.ts) whose rows grow with the data. */
const DATA_TABLE = '(c|i|a|f|customers|customer_interactions|audit_log|customer_activity|customer_name_folds|k|customer_counts)';

/** A read of a data table's rows in full, through no index: `SCAN c`, `SCAN audit_log`. */
function fullScans(lines: string[]): string[] {
  return lines.filter((line) => new RegExp(`^SCAN ${DATA_TABLE}( AS \\w+)?$`).test(line));
}

/** The tables (by alias) a plan reads, json_each aside: `SEARCH k USING ...` reads k. */
function readTables(lines: string[]): string[] {
  const tables = lines
    .map((line) => /^(?:SCAN|SEARCH) (\w+)/.exec(line)?.[1])
    .filter((table): table is string => table !== undefined && table !== 'json_each');
  return [...new Set(tables)];
}

function expectIndexed(text: string, allowed: { orderedWalk?: RegExp; coveringScan?: RegExp } = {}): string[] {
  const lines = plan(text, bound(text));
  expect(fullScans(lines), lines.join('\n')).toEqual([]);
  // json_each is the few owners an --owner filter stands for (@owners), not a table.
  for (const line of lines.filter((l) => l.startsWith('SCAN ') && !/^SCAN json_each VIRTUAL TABLE/.test(l))) {
    // The only scans left walk an index: in order to a LIMIT, or a covering one for a count.
    const justified = (allowed.orderedWalk?.test(line) ?? false) || (allowed.coveringScan?.test(line) ?? false);
    expect(justified, `${line}\n${lines.join('\n')}`).toBe(true);
  }
  return lines;
}

describe('query plans', () => {
  it('finds a customer by id prefix with a range on the primary key', () => {
    expect(expectIndexed(CUSTOMERS_BY_ID_RANGE)).toEqual([expect.stringMatching(/^SEARCH c USING INDEX sqlite_autoindex_customers_1 \(id>\? AND id<\?\)$/)]);
  });

  it('finds a customer by name through the fold index, and the names not folded yet by a seek to them', () => {
    const lines = expectIndexed(CUSTOMERS_BY_NAME);
    expect(lines.filter((line) => line.includes('customer_name_folds_fold_idx (name_fold=?)'))).toHaveLength(2);
  });

  it('shows one customer with its product and its interactions by seeks', () => {
    expectIndexed(CUSTOMER_WITH_PRODUCT);
    expect(expectIndexed(INTERACTIONS_OF_CUSTOMER).join('\n')).toContain('USING INDEX customer_interactions_customer_id_idx (customer_id=?)');
  });

  const scopes: ArchivedScope[] = ['exclude', 'only', 'include'];
  const sorts: CustomerSort[] = ['created', 'updated', 'name', 'status'];
  const filters = [{}, { status: true }, { product: true }, { owner: true }, { status: true, product: true, owner: true }];
  const sortIndex: Record<CustomerSort, string> = {
    created: 'customers_created_idx',
    updated: 'customers_updated_idx',
    name: 'customers_name_idx',
    status: 'customers_status_rank_idx',
  };

  for (const archived of scopes) {
    for (const sort of sorts) {
      it(`lists a page of ${archived} customers sorted by ${sort}, any filter, walking ${sortIndex[sort]} without a sort`, () => {
        for (const filter of filters) {
          const lines = expectIndexed(customerListSql({ archived, ...filter }, sort));
          expect(lines.join('\n')).not.toContain('TEMP B-TREE');
          const walks = lines.filter((line) => /^SEARCH c /.test(line));
          expect(walks.length).toBe(archived === 'include' ? 2 : 1);
          for (const walk of walks) expect(walk).toContain(`USING INDEX ${sortIndex[sort]} (is_archived=?)`);
        }
      });
    }
    it(`counts ${archived} customers with any filter from customer_counts alone`, () => {
      for (const filter of filters) {
        const lines = expectIndexed(customerCountSql({ archived, ...filter }));
        expect(readTables(lines)).toEqual(['k']);
      }
    });
  }

  it('searches by walking the name index in order, stopping at the page', () => {
    const lines = expectIndexed(CUSTOMER_SEARCH);
    expect(lines[0]).toBe('SEARCH c USING INDEX customers_name_idx (is_archived=?)');
    expect(lines.join('\n')).not.toContain('TEMP B-TREE');
    expect(CUSTOMER_SEARCH).toMatch(/LIMIT @limit/);
  });

  it("crm search: the window is FTS5's walk newest first, and a customer shown is one seek with its document", () => {
    const window = plan(SEARCH_WINDOW, { query: 'ada', window: 2000 });
    // 192: FTS5's flags for rowid order (64), descending (128); no sort follows, so LIMIT stops the walk.
    expect(window).toEqual([expect.stringMatching(/^SCAN customer_search VIRTUAL TABLE INDEX 192:M\d+$/)]);
    const customer = plan(SEARCH_CUSTOMER, [1]);
    expect(fullScans(customer)).toEqual([]);
    expect(customer).toContain('SEARCH c USING INTEGER PRIMARY KEY (rowid=?)');
    expect(customer.some((line) => /^SCAN s VIRTUAL TABLE INDEX 0:=/.test(line))).toBe(true);
  });

  it('counts the pipeline from customer_counts alone, per product and owner too', () => {
    for (const shape of [{}, { product: true }, { owner: true }, { product: true, owner: true }]) {
      const lines = expectIndexed(pipelineSql(shape));
      expect(readTables(lines), lines.join('\n')).toEqual(['k']);
      expect(lines[0]).toMatch(/^SEARCH k USING INDEX customer_counts_key_idx \(is_archived=\?\)$/);
    }
  });

  it('finds pending follow-ups through customer_activity, in date order, bounded by the window', () => {
    for (const shape of [{}, { due: true }, { owner: true }, { due: true, owner: true }]) {
      const lines = expectIndexed(followUpsSql(shape));
      expect(lines[0]).toMatch(
        shape.due
          ? /^SEARCH a USING INDEX customer_activity_pending_idx \((follow_up_date>\? AND )?follow_up_date<\?\)$/
          : /^(SCAN a USING INDEX customer_activity_pending_idx|SEARCH a USING INDEX customer_activity_pending_idx \(follow_up_date>\?\))$/,
      );
      expect(lines.some((line) => /^SEARCH c USING INDEX sqlite_autoindex_customers_1 \(id=\?\)$/.test(line))).toBe(true);
      expect(lines.some((line) => /^SEARCH i USING INDEX sqlite_autoindex_customer_interactions_1 \(id=\?\)$/.test(line))).toBe(true);
      // Ties on the date are sorted by name; the dates themselves come in index order.
      expect(lines.filter((line) => line.includes('TEMP B-TREE'))).toEqual(['USE TEMP B-TREE FOR LAST 2 TERMS OF ORDER BY']);
    }
  });

  it('counts a followups window exactly from customer_activity_pending_idx alone: no table, no customer', () => {
    for (const shape of [{}, { due: true }, { owner: true }, { due: true, owner: true }]) {
      // One scalar subquery per range (SCAN CONSTANT ROW is their SELECT without a FROM).
      const lines = expectIndexed(followUpCountSql(shape), { coveringScan: /^SCAN (CONSTANT ROW|a USING COVERING INDEX customer_activity_pending_idx)$/ });
      const reads = lines.filter((line) => /^(SCAN|SEARCH) a\b/.test(line));
      expect(reads.length, lines.join('\n')).toBeGreaterThanOrEqual(3);
      for (const read of reads) expect(read, lines.join('\n')).toMatch(/^(SCAN|SEARCH) a USING COVERING INDEX customer_activity_pending_idx\b/);
      expect(readTables(lines).filter((table) => table !== 'CONSTANT'), lines.join('\n')).toEqual(['a']);
      expect(lines.join('\n')).not.toMatch(/TEMP B-TREE|customers|customer_interactions/);
    }
  });

  it('completes customer names by one seek per folded name on the fold index, reading no more than the names offered', () => {
    // `SCAN folds` reads the recursive query's own queue, one row per name offered; the constant row starts it.
    const lines = expectIndexed(CUSTOMER_NAMES_STARTING_WITH, { orderedWalk: /^SCAN (folds|CONSTANT ROW)$/ });
    expect(lines.filter((line) => line.includes('COVERING INDEX customer_name_folds_fold_idx (name_fold>? AND name_fold<?)'))).toHaveLength(2);
    expect(lines).toContain('SEARCH f USING INDEX customer_name_folds_fold_idx (name_fold=?)');
    expect(lines.join('\n')).not.toMatch(/DISTINCT/);
  });

  it('lists the distinct owners by one seek each on customers_owner_idx', () => {
    // `SCAN owners` reads the recursive query's own queue, one row per owner.
    const lines = expectIndexed(DISTINCT_OWNERS, { orderedWalk: /^SCAN owners$/ });
    expect(lines.filter((line) => line.includes('customers_owner_idx'))).toHaveLength(2);
    expect(lines.join('\n')).not.toMatch(/SCAN c|SCAN customers/);
  });

  it("reads a customer's history through audit_log_customer_idx", () => {
    const query = new SqliteAuditRepository(db.orm).forCustomersQuery(['c1', 'c2']).toSQL();
    const lines = plan(query.sql, query.params);
    expect(fullScans(lines), lines.join('\n')).toEqual([]);
    expect(lines.join('\n')).toContain('USING INDEX audit_log_customer_idx');
  });
});

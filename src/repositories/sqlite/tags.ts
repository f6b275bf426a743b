import type Database from 'better-sqlite3';
import { deferSearchIndex } from '../../db/search-index.js';
import { foldCase } from '../../domain/fold.js';
import type { TagCount, TagRepository } from '../ports.js';
import { TAGS_OF_CUSTOMER } from './queries.js';

/** `IN` over a JSON array: one bound parameter whatever the number of values. */
const IN_JSON = (parameter: string) => `IN (SELECT value FROM json_each(@${parameter}))`;

/**
 * Each distinct tag once, one seek per tag on customer_tags_tag_idx (a skip scan), so finding
 * a tag's spellings costs the number of distinct tags, not of tagged customers. The column is
 * COLLATE NOCASE: tags differing in ASCII case only come back once, and every comparison with
 * that value (`=`, `IN`) matches all of them.
 */
export const DISTINCT_TAGS = `WITH RECURSIVE tags(tag) AS (
    SELECT min(tag) FROM customer_tags
    UNION ALL
    SELECT (SELECT min(t.tag) FROM customer_tags AS t WHERE t.tag > tags.tag) FROM tags WHERE tags.tag IS NOT NULL)
  SELECT tag FROM tags WHERE tag IS NOT NULL`;

const SQL = {
  forCustomer: TAGS_OF_CUSTOMER,
  forCustomers: `SELECT customer_id, tag FROM customer_tags WHERE customer_id ${IN_JSON('ids')} ORDER BY rowid`,
  add: 'INSERT INTO customer_tags (customer_id, tag, created_at) VALUES (@customerId, @tag, @at) ON CONFLICT DO NOTHING',
  remove: 'DELETE FROM customer_tags WHERE customer_id = @customerId AND tag = @tag',
  counts: `SELECT t.tag AS tag, sum(c.is_archived = 0) AS customers, sum(c.is_archived = 1) AS archived
    FROM customer_tags AS t JOIN customers AS c ON c.id = t.customer_id GROUP BY t.tag`,
  customersWith: `SELECT count(DISTINCT customer_id) FROM customer_tags WHERE tag ${IN_JSON('tags')}`,
  /** Of a customer's rows among the spellings, all but the one added first. */
  dropDuplicates: `DELETE FROM customer_tags WHERE tag ${IN_JSON('tags')} AND EXISTS (
    SELECT 1 FROM customer_tags AS first WHERE first.customer_id = customer_tags.customer_id AND first.tag ${IN_JSON('tags')}
      AND (first.created_at, first.rowid) < (customer_tags.created_at, customer_tags.rowid))`,
  respell: `UPDATE customer_tags SET tag = @to WHERE tag ${IN_JSON('tags')} AND tag COLLATE BINARY IS NOT @to`,
};

export class SqliteTagRepository implements TagRepository {
  private readonly statements = new Map<string, Database.Statement>();

  constructor(private readonly sqlite: Database.Database) {}

  private prepared(text: string): Database.Statement {
    let statement = this.statements.get(text);
    if (!statement) {
      statement = this.sqlite.prepare(text);
      this.statements.set(text, statement);
    }
    return statement;
  }

  async forCustomer(customerId: string): Promise<string[]> {
    return this.prepared(SQL.forCustomer).pluck().all({ customerId }) as string[];
  }

  async forCustomers(customerIds: readonly string[]): Promise<Map<string, string[]>> {
    const tags = new Map<string, string[]>(customerIds.map((id) => [id, []]));
    if (customerIds.length === 0) return tags;
    const rows = this.prepared(SQL.forCustomers).all({ ids: JSON.stringify(customerIds) }) as Array<{ customer_id: string; tag: string }>;
    for (const row of rows) tags.get(row.customer_id)?.push(row.tag);
    return tags;
  }

  async spellings(tag: string): Promise<string[]> {
    const wanted = foldCase(tag);
    return (this.prepared(DISTINCT_TAGS).pluck().all() as string[]).filter((stored) => foldCase(stored) === wanted);
  }

  async add(customerId: string, tag: string, at: string): Promise<boolean> {
    return this.prepared(SQL.add).run({ customerId, tag, at }).changes === 1;
  }

  async remove(customerId: string, tag: string): Promise<boolean> {
    return this.prepared(SQL.remove).run({ customerId, tag }).changes > 0;
  }

  async counts(): Promise<TagCount[]> {
    return this.prepared(SQL.counts).all() as TagCount[];
  }

  /** A bulk write: each customer's search document is rebuilt once, at commit. */
  async rename(from: readonly string[], to: string, merge: readonly string[]): Promise<number> {
    const customers = this.prepared(SQL.customersWith).pluck().get({ tags: JSON.stringify(from) }) as number;
    const tags = JSON.stringify([...from, ...merge, to]);
    deferSearchIndex(this.sqlite);
    this.prepared(SQL.dropDuplicates).run({ tags });
    this.prepared(SQL.respell).run({ tags, to });
    return customers;
  }
}

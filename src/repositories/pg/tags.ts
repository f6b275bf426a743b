import type { TagCount, TagRepository } from '../ports.js';
import { policyRefusal } from './errors.js';
import type { PgSession } from './store.js';

/**
 * A team's tags on its server (drizzle/pg/0006_tags_notes_search.sql), with the answers of the
 * SQLite repository: a customer's tags in the order added, spellings compared as refs compare
 * names. Writes go through row-level security: only a manager or the customer's owner may
 * change a customer's tags; a refused row is an error here, never a silent "no change".
 */
export class PgTagRepository implements TagRepository {
  constructor(private readonly session: PgSession) {}

  async forCustomer(customerId: string): Promise<string[]> {
    const rows = await this.session.query<{ tag: string }>(
      `SELECT t.tag FROM crm.customer_tags AS t WHERE t.customer_id = $1 ORDER BY t.position`,
      [customerId],
    );
    return rows.map((row) => row.tag);
  }

  async forCustomers(customerIds: readonly string[]): Promise<Map<string, string[]>> {
    const tags = new Map<string, string[]>(customerIds.map((id) => [id, []]));
    if (customerIds.length === 0) return tags;
    const rows = await this.session.query<{ customer_id: string; tag: string }>(
      `SELECT t.customer_id, t.tag FROM crm.customer_tags AS t WHERE t.customer_id = ANY($1::text[]) ORDER BY t.position`,
      [customerIds],
    );
    for (const row of rows) tags.get(row.customer_id)?.push(row.tag);
    return tags;
  }

  /** Through crm.crm_tag_spellings: a seek on the folded tags, which row-level security would otherwise prevent. */
  async spellings(tag: string): Promise<string[]> {
    const rows = await this.session.query<{ tag: string }>(`SELECT s.tag FROM crm.crm_tag_spellings($1) AS s(tag) ORDER BY s.tag COLLATE "C"`, [tag]);
    return rows.map((row) => row.tag);
  }

  async add(customerId: string, tag: string, at: string): Promise<boolean> {
    const rows = await this.session.query(
      `INSERT INTO crm.customer_tags AS t (customer_id, tag, created_at) VALUES ($1, $2, $3)
       ON CONFLICT (customer_id, (crm.crm_fold(tag))) DO NOTHING RETURNING 1`,
      [customerId, tag, at],
    );
    return rows.length === 1;
  }

  async remove(customerId: string, tag: string): Promise<boolean> {
    const rows = await this.session.query(`DELETE FROM crm.customer_tags AS t WHERE t.customer_id = $1 AND t.tag = $2 RETURNING 1`, [
      customerId,
      tag,
    ]);
    if (rows.length > 0) return true;
    // Row-level security hides another member's customer's tags from a member's DELETE.
    const visible = await this.session.query(`SELECT 1 FROM crm.customer_tags AS t WHERE t.customer_id = $1 AND t.tag = $2`, [customerId, tag]);
    if (visible.length > 0) throw policyRefusal('customer_tags', 'delete');
    return false;
  }

  async counts(): Promise<TagCount[]> {
    return this.session.query<TagCount>(
      `SELECT t.tag, count(*) FILTER (WHERE NOT c.is_archived) AS customers, count(*) FILTER (WHERE c.is_archived) AS archived
       FROM crm.customer_tags AS t JOIN crm.customers AS c ON c.id = t.customer_id GROUP BY t.tag`,
    );
  }

  /**
   * As on SQLite: of each customer's rows among the spellings, the one added first stays and
   * takes the new spelling, the others go. Every such row must be the member's to change.
   */
  async rename(from: readonly string[], to: string, merge: readonly string[]): Promise<number> {
    const tags = [...from, ...merge, to];
    const [counted] = await this.session.query<{ customers: number; rows: number }>(
      `SELECT count(DISTINCT t.customer_id) FILTER (WHERE t.tag = ANY($1::text[])) AS customers, count(*) AS rows
       FROM crm.customer_tags AS t WHERE t.tag = ANY($2::text[])`,
      [from, tags],
    );
    const dropped = await this.session.query(
      `DELETE FROM crm.customer_tags AS t WHERE t.tag = ANY($1::text[]) AND EXISTS (
         SELECT 1 FROM crm.customer_tags AS first WHERE first.customer_id = t.customer_id AND first.tag = ANY($1::text[])
           AND (first.created_at, first.position) < (t.created_at, t.position))
       RETURNING 1`,
      [tags],
    );
    const respelled = await this.session.query(
      `UPDATE crm.customer_tags AS t SET tag = $2 WHERE t.tag = ANY($1::text[]) AND t.tag IS DISTINCT FROM $2 RETURNING 1`,
      [tags, to],
    );
    const unchanged = await this.session.query<{ n: number }>(`SELECT count(*) AS n FROM crm.customer_tags AS t WHERE t.tag = $1`, [to]);
    if (dropped.length + respelled.length + (unchanged[0]?.n ?? 0) < (counted?.rows ?? 0)) throw policyRefusal('customer_tags', 'write');
    return counted?.customers ?? 0;
  }
}

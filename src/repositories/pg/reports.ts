import type { CustomerStatus } from '../../domain/vocabulary.js';
import type { FollowUpFilter, FollowUpRow, PipelineFilter, ReportRepository } from '../ports.js';
import { streamRows } from './cursor.js';
import { ownersMatching } from './owners.js';
import type { PgSession } from './store.js';

/**
 * The reports on a team's server, through row-level security, with SQLite's results
 * (repositories/sqlite/queries.ts): text compared and ordered byte by byte (COLLATE "C", as
 * SQLite's BINARY), whatever the database's locale.
 */
export class PgReportRepository implements ReportRepository {
  constructor(private readonly session: PgSession) {}

  /** Non-archived customers per status; statuses with nobody are absent. */
  async countByStatus(filter: PipelineFilter): Promise<Map<CustomerStatus, number>> {
    const values: unknown[] = [];
    const conditions = ['NOT c.is_archived'];
    if (filter.productId !== undefined) conditions.push(`c.product_id = $${values.push(filter.productId)}`);
    if (filter.owner) {
      conditions.push(`c.owner = ANY($${values.push(await ownersMatching(this.session, filter.owner))}::text[])`);
    }
    const rows = await this.session.query<{ status: CustomerStatus; n: number }>(
      `SELECT c.status, count(*)::integer AS n FROM crm.customers AS c WHERE ${conditions.join(' AND ')} GROUP BY c.status`,
      values,
    );
    return new Map(rows.map((row) => [row.status, row.n]));
  }

  /**
   * A follow-up is pending while the interaction that set it is still the customer's latest
   * (latest created_at, then greatest id in byte order: a backward seek on
   * customer_interactions_customer_created_idx, drizzle/pg/0002),
   * for customers not archived. Read through a cursor as the caller iterates.
   */
  async *pendingFollowUps(filter: FollowUpFilter): AsyncIterableIterator<FollowUpRow> {
    const owners = filter.owner ? await ownersMatching(this.session, filter.owner) : undefined;
    const { text, values } = pendingFollowUpsQuery(filter.due, owners);
    yield* streamRows<FollowUpRow>(this.session, text, values);
  }
}

/**
 * The SQL of pendingFollowUps (exported for the plan test): for each customer not archived,
 * its latest interaction, kept when it set a follow-up in the window and the customer has
 * one of `owners`.
 */
export function pendingFollowUpsQuery(due: FollowUpFilter['due'], owners: readonly string[] | undefined): { text: string; values: unknown[] } {
  const values: unknown[] = [];
  const conditions = ['NOT c.is_archived', 'i.follow_up_date IS NOT NULL'];
  // All-day follow-ups are days, the rest canonical instants: each compared with its own kind.
  if (due) {
    const lastDay = values.push(due.lastDay);
    const before = values.push(due.before);
    conditions.push(
      `((length(i.follow_up_date) = 10 AND i.follow_up_date COLLATE "C" <= $${lastDay}::text)
        OR (length(i.follow_up_date) > 10 AND i.follow_up_date COLLATE "C" < $${before}::text))`,
    );
  }
  if (owners) conditions.push(`c.owner = ANY($${values.push(owners)}::text[])`);
  const text = `SELECT i.id AS interaction_id, c.id AS customer_id, c.name AS customer_name, c.email, c.phone, c.owner, c.status,
      i.type, i.channel, i.note, i.follow_up_date, i.created_at
    FROM crm.customers AS c
    CROSS JOIN LATERAL (
      SELECT l.id, l.type, l.channel, l.note, l.follow_up_date, l.created_at
        FROM crm.customer_interactions AS l
       WHERE l.customer_id = c.id
       ORDER BY l.created_at DESC, l.id COLLATE "C" DESC
       LIMIT 1) AS i
    WHERE ${conditions.join(' AND ')}
    ORDER BY i.follow_up_date COLLATE "C", c.name COLLATE "C", c.id COLLATE "C"`;
  return { text, values };
}

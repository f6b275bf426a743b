import type { CustomerStatus } from '../../domain/vocabulary.js';
import type { FollowUpFilter, FollowUpRow, OverdueBound, PipelineFilter, ReportRepository, StageValueRow, WonValueRow } from '../ports.js';
import { CURSOR_BATCH, streamRows } from './cursor.js';
import { followUpCountRanges } from '../follow-up-ranges.js';
import { ownersMatching } from './owners.js';
import type { PgSession } from './store.js';

/**
 * The reports on a team's server, through row-level security, with SQLite's results
 * (repositories/sqlite/queries.ts): text compared and ordered byte by byte (COLLATE "C", as
 * SQLite's BINARY), whatever the database's locale.
 */
export class PgReportRepository implements ReportRepository {
  constructor(private readonly session: PgSession) {}

  /**
   * Non-archived customers per status; statuses with nobody are absent. A sum over the few
   * groups of crm.customer_counts (drizzle/pg/0007) that match, whatever the number of customers.
   */
  async countByStatus(filter: PipelineFilter): Promise<Map<CustomerStatus, number>> {
    const values: unknown[] = [];
    const conditions = await this.pipelineConditions(filter, values);
    const rows = await this.session.query<{ status: CustomerStatus; n: number }>(
      `SELECT c.status, sum(c.n)::integer AS n FROM crm.customer_counts AS c WHERE ${conditions.join(' AND ')} GROUP BY c.status`,
      values,
    );
    return new Map(rows.filter((row) => row.n > 0).map((row) => [row.status, row.n]));
  }

  /** The filter's conditions on customers `c`, not archived; values appended to `values`. */
  private async pipelineConditions(filter: PipelineFilter, values: unknown[]): Promise<string[]> {
    const conditions = ['NOT c.is_archived'];
    if (filter.productId !== undefined) conditions.push(`c.product_id = $${values.push(filter.productId)}`);
    if (filter.owner) {
      conditions.push(`c.owner = ANY($${values.push(await ownersMatching(this.session, filter.owner))}::text[])`);
    }
    return conditions;
  }

  /** Deal values per status and currency: a sum over the matching groups of crm.customer_values (drizzle/pg/0007). */
  async valuesByStatus(filter: PipelineFilter): Promise<StageValueRow[]> {
    const values: unknown[] = [];
    const conditions = await this.pipelineConditions(filter, values);
    const rows = await this.session.query<StageValueRow>(
      `SELECT c.status, c.deal_currency AS currency, sum(c.n)::bigint AS n, sum(c.total_minor)::bigint AS total_minor
        FROM crm.customer_values AS c WHERE ${conditions.join(' AND ')} GROUP BY c.status, c.deal_currency`,
      values,
    );
    return rows.filter((row) => Number(row.n) > 0);
  }

  /**
   * Won since the instant, by closed_at (else updated_at): a range of customers_won_idx, read
   * by crm.crm_won_since (drizzle/pg/0007), then the product and owner filters.
   */
  async wonSince(filter: PipelineFilter, since: string): Promise<WonValueRow[]> {
    const values: unknown[] = [since];
    const conditions = ['true'];
    if (filter.productId !== undefined) conditions.push(`w.product_id = $${values.push(filter.productId)}`);
    if (filter.owner) conditions.push(`w.owner = ANY($${values.push(await ownersMatching(this.session, filter.owner))}::text[])`);
    return this.session.query<WonValueRow>(
      `SELECT w.deal_currency AS currency, count(*) AS n, sum(w.deal_value_minor)::bigint AS total_minor
        FROM crm.crm_won_since($1::timestamptz) AS w WHERE ${conditions.join(' AND ')} GROUP BY w.deal_currency`,
      values,
    );
  }

  /**
   * A follow-up is pending while the interaction that set it is still the customer's latest,
   * for customers not archived: crm.customer_activity (drizzle/pg/0008, 0017) holds each
   * customer's latest interaction, its pending follow-up and the customer's archived flag and
   * owner, indexed by date. Read through a cursor as the caller iterates.
   */
  async *pendingFollowUps(filter: FollowUpFilter, expected?: number): AsyncIterableIterator<FollowUpRow> {
    const owners = filter.owner ? await ownersMatching(this.session, filter.owner) : undefined;
    if (expected === undefined) {
      const { text, values } = pendingFollowUpsQuery(filter.due, owners);
      yield* streamRows<FollowUpRow>(this.session, text, values);
      return;
    }
    // A page: LIMITed reads, each after the last row of the one before (keyset), so that the
    // planner walks the date index and sorts only ties by name (a cursor over the whole
    // window had it sort every row of the window before the first one came back).
    let after: FollowUpRow | undefined;
    let limit = Math.min(CURSOR_BATCH, expected + PAGE_SPARE);
    for (;;) {
      const { text, values } = pendingFollowUpsQuery(filter.due, owners, { after, limit });
      const rows = await this.session.query<FollowUpRow>(text, values);
      for (const row of rows) yield row;
      if (rows.length < limit) return;
      after = rows.at(-1);
      limit = CURSOR_BATCH;
    }
  }

  async countPendingFollowUps(filter: FollowUpFilter, overdue: OverdueBound): Promise<{ n: number; overdue: number }> {
    const owners = filter.owner ? await ownersMatching(this.session, filter.owner) : undefined;
    const { text, values } = pendingFollowUpsCountQuery(filter.due, owners, overdue);
    const [row] = await this.session.query<{ n: number; overdue: number }>(text, values);
    return { n: row?.n ?? 0, overdue: row?.overdue ?? 0 };
  }
}

const PAGE_SPARE = 10;

/** The active customers' pending follow-ups (of `owners`): the partial index's own terms, which the planner needs to see to use it. */
function pendingBase(owners: readonly string[] | undefined, values: unknown[]): string[] {
  const conditions = ['a.follow_up_date IS NOT NULL', 'NOT a.is_archived'];
  if (owners) conditions.push(`a.owner = ANY($${values.push(owners)}::text[])`);
  return conditions;
}

/**
 * A window's bounds on follow_up_date: all-day follow-ups are days, the rest canonical
 * instants, each compared with its own kind (`kinds`), inside one range of the index up to
 * `upper` (a day sorts before the instants of that day, so the later of the two bounds
 * limits the range). The kinds' bounds are a CASE, not an OR: the planner turned the OR into
 * two bitmap reads of the index (a BitmapOr), which lose its order, and sorted the whole
 * window for a page.
 */
function windowBounds(due: NonNullable<FollowUpFilter['due']>, values: unknown[]): { upper: string; kinds: string; scanEnd: string } {
  const lastDay = values.push(due.lastDay);
  const before = values.push(due.before);
  const scanEnd = `${due.lastDay}\u{10FFFF}` > due.before ? `${due.lastDay}\u{10FFFF}` : due.before;
  return {
    upper: `a.follow_up_date < $${values.push(scanEnd)}::text`,
    kinds: `CASE WHEN length(a.follow_up_date) = 10 THEN a.follow_up_date <= $${lastDay}::text
        WHEN length(a.follow_up_date) > 10 THEN a.follow_up_date < $${before}::text ELSE false END`,
    scanEnd,
  };
}

/** The range of customer_activity_pending_idx (drizzle/pg/0015) a window reads, as conditions on customer_activity `a` alone. */
function pendingConditions(due: FollowUpFilter['due'], owners: readonly string[] | undefined, values: unknown[]): string[] {
  const conditions = pendingBase(owners, values);
  if (due) {
    const { upper, kinds } = windowBounds(due, values);
    conditions.push(upper, kinds);
  }
  return conditions;
}

/**
 * How many pending follow-ups a window holds and how many are overdue: index-only ranges of
 * customer_activity_pending_idx, which holds every column read here. Below `lo` every row is
 * in the window, below `overdueLo` every row is overdue (repositories/follow-up-ranges.ts):
 * those ranges are counted without an expression per entry; only the rows up to the window's
 * end and `overdueHi` (about a day) are checked by kind.
 */
export function pendingFollowUpsCountQuery(
  due: FollowUpFilter['due'],
  owners: readonly string[] | undefined,
  overdue: OverdueBound,
): { text: string; values: unknown[] } {
  const values: unknown[] = [];
  const base = pendingBase(owners, values).join(' AND ');
  const count = (conditions: string) => `(SELECT count(*) FROM crm.customer_activity AS a WHERE ${base} AND ${conditions})`;
  const bounds = due && windowBounds(due, values);
  const ranges = followUpCountRanges(due, overdue, bounds?.scanEnd);
  const isOverdue = `CASE WHEN length(a.follow_up_date) = 10 THEN a.follow_up_date < $${values.push(overdue.day)}::text
      WHEN length(a.follow_up_date) > 10 THEN a.follow_up_date < $${values.push(overdue.instant)}::text ELSE false END`;
  const lo = bounds && values.push(ranges.lo);
  const n = bounds
    ? `${count(`a.follow_up_date < $${lo}::text`)} + ${count(`a.follow_up_date >= $${lo}::text AND ${bounds.upper} AND ${bounds.kinds}`)}`
    : `(SELECT count(*) FROM crm.customer_activity AS a WHERE ${base})`;
  const overdueLo = values.push(ranges.overdueLo);
  const overdueHi = values.push(ranges.overdueHi);
  const late = `a.follow_up_date >= $${overdueLo}::text AND a.follow_up_date < $${overdueHi}::text AND ${isOverdue}${bounds ? ` AND ${bounds.kinds}` : ''}`;
  const text = `SELECT (${n})::int AS n, (${count(`a.follow_up_date < $${overdueLo}::text`)} + ${count(late)})::int AS overdue`;
  return { text, values };
}

/**
 * The SQL of pendingFollowUps (exported for the plan test): the pending follow-ups in date
 * order, a range of customer_activity_pending_idx up to the window's end, then the customer
 * and the interaction by their primary keys.
 */
export function pendingFollowUpsQuery(
  due: FollowUpFilter['due'],
  owners: readonly string[] | undefined,
  page?: { after: FollowUpRow | undefined; limit: number },
): { text: string; values: unknown[] } {
  const values: unknown[] = [];
  const conditions = pendingConditions(due, owners, values);
  if (page?.after) {
    const { follow_up_date: date, customer_name: name, customer_id: id } = page.after;
    const at = values.push(date);
    conditions.push(`(a.follow_up_date > $${at}::text OR (a.follow_up_date = $${at}::text
      AND (c.name COLLATE "C", c.id COLLATE "C") > ($${values.push(name)}::text COLLATE "C", $${values.push(id)}::text COLLATE "C")))`);
  }
  const limit = page ? ` LIMIT $${values.push(page.limit)}` : '';
  // Seeks by primary key for each pending follow-up (LIMIT 1 keeps them seeks: a hash join
  // would read the whole team's customers or interactions to find the few in the window).
  const text = `SELECT i.id AS interaction_id, c.id AS customer_id, c.name AS customer_name, c.email, c.phone, c.owner, c.status,
      i.type, i.channel, i.note, i.follow_up_date, i.created_at
    FROM crm.customer_activity AS a
    CROSS JOIN LATERAL (SELECT c.id, c.name, c.email, c.phone, c.owner, c.status FROM crm.customers AS c
      WHERE c.id = a.customer_id LIMIT 1) AS c
    CROSS JOIN LATERAL (SELECT i.id, i.type, i.channel, i.note, i.follow_up_date, i.created_at FROM crm.customer_interactions AS i
      WHERE i.id = a.last_interaction_id LIMIT 1) AS i
    WHERE ${conditions.join(' AND ')}
    ORDER BY a.follow_up_date, c.name COLLATE "C", c.id COLLATE "C"${limit}`;
  return { text, values };
}

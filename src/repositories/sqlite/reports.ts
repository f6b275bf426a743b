import type Database from 'better-sqlite3';
import type { Drizzle } from '../../db/connection.js';
import type { CustomerStatus } from '../../domain/vocabulary.js';
import type { FollowUpFilter, FollowUpRow, OverdueBound, PipelineFilter, ReportRepository, StageValueRow, WonValueRow } from '../ports.js';
import { followUpCountRanges } from '../follow-up-ranges.js';
import { ownersMatching } from './owners.js';
import { followUpCountSql, followUpsSql, pipelineSql, pipelineValuesSql, wonSinceSql } from './queries.js';

export class SqliteReportRepository implements ReportRepository {
  private readonly sqlite: Database.Database;

  constructor(orm: Drizzle) {
    this.sqlite = orm.$client;
  }

  /** Non-archived customers per status; statuses with nobody are absent. */
  async countByStatus(filter: PipelineFilter): Promise<Map<CustomerStatus, number>> {
    const rows = this.sqlite
      .prepare(pipelineSql({ product: Boolean(filter.productId), owner: Boolean(filter.owner) }))
      .all(this.parameters(filter)) as Array<{ status: CustomerStatus; n: number }>;
    return new Map(rows.map((row) => [row.status, row.n]));
  }

  async valuesByStatus(filter: PipelineFilter): Promise<StageValueRow[]> {
    return this.sqlite
      .prepare(pipelineValuesSql({ product: Boolean(filter.productId), owner: Boolean(filter.owner) }))
      .all(this.parameters(filter)) as StageValueRow[];
  }

  async wonSince(filter: PipelineFilter, since: string): Promise<WonValueRow[]> {
    return this.sqlite
      .prepare(wonSinceSql({ product: Boolean(filter.productId), owner: Boolean(filter.owner) }))
      .all({ ...this.parameters(filter), since }) as WonValueRow[];
  }

  /**
   * A follow-up is pending while the interaction that set it is still the customer's latest:
   * logging anything newer for that customer settles it (customer_activity tracks that, with
   * the customer's archived flag and owner).
   * Rows are read one at a time as the caller iterates, so memory does not grow with them;
   * the connection runs no other statement until the iteration ends.
   */
  async *pendingFollowUps(filter: FollowUpFilter): AsyncIterableIterator<FollowUpRow> {
    const statement = this.sqlite.prepare(followUpsSql({ due: filter.due !== undefined, owner: Boolean(filter.owner) }));
    yield* statement.iterate(this.followUpParameters(filter)) as IterableIterator<FollowUpRow>;
  }

  async countPendingFollowUps(filter: FollowUpFilter, overdue: OverdueBound): Promise<{ n: number; overdue: number }> {
    const statement = this.sqlite.prepare(followUpCountSql({ due: filter.due !== undefined, owner: Boolean(filter.owner) }));
    const parameters = this.followUpParameters(filter);
    const { lo, overdueLo, overdueHi } = followUpCountRanges(filter.due, overdue, parameters.scanEnd as string | undefined);
    return statement.get({
      ...parameters,
      ...(lo !== undefined && { lo }),
      overdueLo,
      overdueHi,
      overdueDay: overdue.day,
      overdueInstant: overdue.instant,
    }) as { n: number; overdue: number };
  }

  private followUpParameters(filter: FollowUpFilter): Record<string, unknown> {
    const { due, ...rest } = filter;
    const window = due && {
      before: due.before,
      lastDay: due.lastDay,
      // One index range holding both kinds: every day up to lastDay and every instant before `before`.
      scanEnd: due.before > `${due.lastDay}Z` ? due.before : `${due.lastDay}Z`,
    };
    return { ...this.parameters(rest), ...window };
  }

  /** The filter's given values, as the named parameters of its SQL. */
  private parameters(filter: PipelineFilter | Omit<FollowUpFilter, 'due'>): Record<string, unknown> {
    const { owner, ...rest } = filter;
    const given = Object.fromEntries(Object.entries(rest).filter(([, value]) => value !== undefined));
    return owner === undefined ? given : { ...given, owners: ownersMatching(this.sqlite, owner) };
  }
}

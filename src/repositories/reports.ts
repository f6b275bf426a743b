import type Database from 'better-sqlite3';
import type { Drizzle } from '../db/connection.js';
import type { CustomerStatus, InteractionChannel } from '../domain/vocabulary.js';
import { ownersMatching } from './owners.js';
import { followUpsSql, pipelineSql } from './queries.js';

export interface PipelineFilter {
  productId?: string;
  owner?: string;
}

export interface FollowUpFilter {
  /** Which follow-ups are due by then; none means every pending one. */
  due?: {
    /** Exclusive upper bound for follow-ups stored as instants (canonical ISO string). */
    before: string;
    /** Last calendar day included for all-day follow-ups (`YYYY-MM-DD`). */
    lastDay: string;
  };
  owner?: string;
}

/** A pending follow-up: the interaction that set it, with the customer to contact. */
export interface FollowUpRow {
  interaction_id: string;
  customer_id: string;
  customer_name: string;
  email: string | null;
  phone: string | null;
  owner: string | null;
  status: CustomerStatus;
  type: string;
  channel: InteractionChannel;
  note: string;
  follow_up_date: string;
  created_at: string;
}

export class ReportRepository {
  private readonly sqlite: Database.Database;

  constructor(orm: Drizzle) {
    this.sqlite = orm.$client;
  }

  /** Non-archived customers per status; statuses with nobody are absent. */
  countByStatus(filter: PipelineFilter): Map<CustomerStatus, number> {
    const rows = this.sqlite
      .prepare(pipelineSql({ product: Boolean(filter.productId), owner: Boolean(filter.owner) }))
      .all(this.parameters(filter)) as Array<{ status: CustomerStatus; n: number }>;
    return new Map(rows.map((row) => [row.status, row.n]));
  }

  /**
   * A follow-up is pending while the interaction that set it is still the customer's latest:
   * logging anything newer for that customer settles it (customer_activity tracks that).
   * Rows are read one at a time as the caller iterates, so memory does not grow with them;
   * the connection runs no other statement until the iteration ends.
   */
  pendingFollowUps(filter: FollowUpFilter): IterableIterator<FollowUpRow> {
    const statement = this.sqlite.prepare(followUpsSql({ due: filter.due !== undefined, owner: Boolean(filter.owner) }));
    const { due, ...rest } = filter;
    const window = due && {
      before: due.before,
      lastDay: due.lastDay,
      // One index range holding both kinds: every day up to lastDay and every instant before `before`.
      scanEnd: due.before > `${due.lastDay}Z` ? due.before : `${due.lastDay}Z`,
    };
    return statement.iterate({ ...this.parameters(rest), ...window }) as IterableIterator<FollowUpRow>;
  }

  /** The filter's given values, as the named parameters of its SQL. */
  private parameters(filter: PipelineFilter | Omit<FollowUpFilter, 'due'>): Record<string, unknown> {
    const { owner, ...rest } = filter;
    const given = Object.fromEntries(Object.entries(rest).filter(([, value]) => value !== undefined));
    return owner === undefined ? given : { ...given, owners: ownersMatching(this.sqlite, owner) };
  }
}

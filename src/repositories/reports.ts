import { and, asc, count, eq, isNotNull, lt, sql, type SQL } from 'drizzle-orm';
import type { Drizzle } from '../db/connection.js';
import { customerInteractions, customers } from '../db/schema.js';
import type { CustomerStatus, InteractionChannel } from '../domain/vocabulary.js';
import { equalsIgnoringCase } from './sql-helpers.js';

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
  constructor(private readonly orm: Drizzle) {}

  /** Non-archived customers per status; statuses with nobody are absent. */
  countByStatus(filter: PipelineFilter): Map<CustomerStatus, number> {
    const conditions: SQL[] = [eq(customers.is_archived, false)];
    if (filter.productId) conditions.push(eq(customers.product_id, filter.productId));
    if (filter.owner) conditions.push(equalsIgnoringCase(customers.owner, filter.owner));
    const rows = this.orm
      .select({ status: customers.status, n: count() })
      .from(customers)
      .where(and(...conditions))
      .groupBy(customers.status)
      .all();
    return new Map(rows.map((row) => [row.status, row.n]));
  }

  /**
   * A follow-up is pending while the interaction that set it is still the customer's latest:
   * logging anything newer for that customer settles it.
   */
  pendingFollowUps(filter: FollowUpFilter): FollowUpRow[] {
    const latestOfItsCustomer = sql`${customerInteractions.id} = (
      SELECT latest.id FROM ${customerInteractions} AS latest
      WHERE latest.customer_id = ${customerInteractions.customer_id}
      ORDER BY latest.created_at DESC, latest.id DESC LIMIT 1)`;
    const conditions: SQL[] = [
      eq(customers.is_archived, false),
      isNotNull(customerInteractions.follow_up_date),
      latestOfItsCustomer,
    ];
    if (filter.due) {
      // All-day follow-ups are dates, the rest canonical instants: each is compared with its own kind.
      const followUp = customerInteractions.follow_up_date;
      conditions.push(
        sql`((length(${followUp}) = 10 AND ${followUp} <= ${filter.due.lastDay}) OR (length(${followUp}) > 10 AND ${followUp} < ${filter.due.before}))`,
      );
    }
    if (filter.owner) conditions.push(equalsIgnoringCase(customers.owner, filter.owner));
    return this.orm
      .select({
        interaction_id: customerInteractions.id,
        customer_id: customers.id,
        customer_name: customers.name,
        email: customers.email,
        phone: customers.phone,
        owner: customers.owner,
        status: customers.status,
        type: customerInteractions.type,
        channel: customerInteractions.channel,
        note: customerInteractions.note,
        follow_up_date: sql<string>`${customerInteractions.follow_up_date}`,
        created_at: customerInteractions.created_at,
      })
      .from(customerInteractions)
      .innerJoin(customers, eq(customers.id, customerInteractions.customer_id))
      .where(and(...conditions))
      .orderBy(asc(customerInteractions.follow_up_date), asc(customers.name), asc(customers.id))
      .all();
  }
}

import { count, desc, eq } from 'drizzle-orm';
import type { Drizzle } from '../db/connection.js';
import { customerInteractions, type NewInteractionRow } from '../db/schema.js';
import type { Interaction } from '../domain/types.js';

/** No update method on purpose: interactions are an audit trail (a trigger refuses updates too). */
export class InteractionRepository {
  constructor(private readonly orm: Drizzle) {}

  listForCustomer(customerId: string): Interaction[] {
    return this.orm
      .select()
      .from(customerInteractions)
      .where(eq(customerInteractions.customer_id, customerId))
      .orderBy(desc(customerInteractions.created_at), desc(customerInteractions.id))
      .all();
  }

  countForCustomer(customerId: string): number {
    return (
      this.orm.select({ n: count() }).from(customerInteractions).where(eq(customerInteractions.customer_id, customerId)).get()
        ?.n ?? 0
    );
  }

  insert(row: NewInteractionRow): Interaction {
    return this.orm.insert(customerInteractions).values(row).returning().get();
  }
}

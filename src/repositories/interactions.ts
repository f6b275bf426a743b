import { count, eq } from 'drizzle-orm';
import type { Drizzle } from '../db/connection.js';
import { customerInteractions, type NewInteractionRow } from '../db/schema.js';
import type { Interaction } from '../domain/types.js';
import { INTERACTIONS_OF_CUSTOMER } from './queries.js';

/** No update method on purpose: interactions are an audit trail (a trigger refuses updates too). */
export class InteractionRepository {
  constructor(private readonly orm: Drizzle) {}

  listForCustomer(customerId: string): Interaction[] {
    return this.orm.$client.prepare(INTERACTIONS_OF_CUSTOMER).all({ customerId }) as Interaction[];
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

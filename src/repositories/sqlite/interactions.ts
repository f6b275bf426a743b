import { count, eq } from 'drizzle-orm';
import type { Drizzle } from '../../db/connection.js';
import { customerInteractions } from '../../db/schema.js';
import type { Interaction } from '../../domain/types.js';
import type { InteractionRepository } from '../ports.js';
import { INTERACTIONS_OF_CUSTOMER } from './queries.js';

export class SqliteInteractionRepository implements InteractionRepository {
  constructor(private readonly orm: Drizzle) {}

  async listForCustomer(customerId: string): Promise<Interaction[]> {
    return this.orm.$client.prepare(INTERACTIONS_OF_CUSTOMER).all({ customerId }) as Interaction[];
  }

  async countForCustomer(customerId: string): Promise<number> {
    return (
      this.orm.select({ n: count() }).from(customerInteractions).where(eq(customerInteractions.customer_id, customerId)).get()
        ?.n ?? 0
    );
  }

  async insert(row: Interaction): Promise<Interaction> {
    return this.orm.insert(customerInteractions).values(row).returning().get();
  }
}

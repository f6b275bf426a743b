import type { Interaction } from '../../domain/types.js';
import type { InteractionRepository } from '../ports.js';
import { columnsOf, INTERACTION_COLUMNS, INTERACTIONS_OF_CUSTOMER, Parameters } from './queries.js';
import { insertValues } from './rows.js';
import type { PgSession } from './store.js';

export class PgInteractionRepository implements InteractionRepository {
  constructor(private readonly session: PgSession) {}

  async listForCustomer(customerId: string): Promise<Interaction[]> {
    return this.session.query<Interaction>(INTERACTIONS_OF_CUSTOMER, [customerId]);
  }

  async countForCustomer(customerId: string): Promise<number> {
    const rows = await this.session.query<{ n: number }>(
      `SELECT count(*) AS n FROM crm.customer_interactions AS i WHERE i.customer_id = $1`,
      [customerId],
    );
    return rows[0]?.n ?? 0;
  }

  async insert(row: Interaction): Promise<Interaction> {
    const parameters = new Parameters();
    const rows = await this.session.query<Interaction>(
      `INSERT INTO crm.customer_interactions AS i ${insertValues(INTERACTION_COLUMNS, row, parameters)} RETURNING ${columnsOf('i', INTERACTION_COLUMNS)}`,
      parameters.values,
    );
    return rows[0]!;
  }
}

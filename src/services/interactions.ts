import { newId } from '../domain/ids.js';
import type { InteractionInput } from '../domain/schemas.js';
import { followUpFromInput } from '../domain/time.js';
import { nowIso, type Clock, type Customer, type Interaction } from '../domain/types.js';
import type { InteractionRepository, Store } from '../repositories/ports.js';
import type { CustomerService } from './customers.js';
import { loadSchemas } from './validation.js';

export type InteractionLogRequest = Omit<InteractionInput, 'customer_id' | 'follow_up_date'> & {
  customer: string;
  /** As the user typed it: an ISO date or date-time, today, tomorrow, +3d, +2w. */
  followUp?: string;
};

export class InteractionService {
  private readonly interactions: InteractionRepository;

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly customers: CustomerService,
  ) {
    this.interactions = store.repositories.interactions;
  }

  async log(request: InteractionLogRequest): Promise<{ interaction: Interaction; customer: Customer }> {
    const { validate, interactionInputSchema } = await loadSchemas();
    const now = this.clock.now();
    const followUp = request.followUp === undefined ? null : followUpFromInput(request.followUp, now);
    return this.store.write(async () => {
      const customer = await this.customers.resolve(request.customer);
      const valid = validate(interactionInputSchema, {
        customer_id: customer.id,
        type: request.type,
        channel: request.channel,
        note: request.note,
        follow_up_date: followUp,
      });
      // Read again here: inside the write it is the write's instant, that of the audit entry.
      const interaction = await this.interactions.insert({ id: newId(), ...valid, created_at: nowIso(this.clock) });
      return { interaction, customer };
    });
  }

  async list(customerRef: string): Promise<{ customer: Customer; interactions: Interaction[] }> {
    // `customer show`'s one read: the ref and the interactions in one round trip on a server.
    const { customer, interactions } = await this.customers.show(customerRef);
    return { customer, interactions };
  }
}

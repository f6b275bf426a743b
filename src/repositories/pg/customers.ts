import type { CustomerRepository } from '../ports.js';
import type { PgSession } from './store.js';

export class PgCustomerRepository implements Partial<CustomerRepository> {
  constructor(private readonly session: PgSession) {}
}

import type { ProductRepository } from '../ports.js';
import type { PgSession } from './store.js';

export class PgProductRepository implements Partial<ProductRepository> {
  constructor(private readonly session: PgSession) {}
}

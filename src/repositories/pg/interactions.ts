import type { InteractionRepository } from '../ports.js';
import type { PgSession } from './store.js';

export class PgInteractionRepository implements Partial<InteractionRepository> {
  constructor(private readonly session: PgSession) {}
}

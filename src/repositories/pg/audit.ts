import type { AuditRepository } from '../ports.js';
import type { PgSession } from './store.js';

export class PgAuditRepository implements Partial<AuditRepository> {
  constructor(private readonly session: PgSession) {}
}

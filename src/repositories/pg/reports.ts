import type { ReportRepository } from '../ports.js';
import type { PgSession } from './store.js';

export class PgReportRepository implements Partial<ReportRepository> {
  constructor(private readonly session: PgSession) {}
}

import type { CrmDatabase } from '../db/connection.js';
import { addLocalDays, endOfDateInput, startOfLocalDay } from '../domain/time.js';
import type { Clock } from '../domain/types.js';
import { CUSTOMER_STATUSES, type CustomerStatus } from '../domain/vocabulary.js';
import { ReportRepository, type FollowUpRow } from '../repositories/reports.js';
import type { ProductService } from './products.js';

export interface PipelineRequest {
  /** A product ref. */
  product?: string;
  owner?: string;
}

export interface PipelineStage {
  status: CustomerStatus;
  count: number;
}

export interface PipelineReport {
  product_id: string | null;
  owner: string | null;
  /** Every stage, in pipeline order, including empty ones. */
  stages: PipelineStage[];
  total: number;
  /** Customers not yet closed either way. */
  open: number;
  won: number;
  lost: number;
  /** won / (won + lost); null until something has closed. */
  win_rate: number | null;
  /** won / lost; null while nothing is lost. */
  won_lost_ratio: number | null;
}

/** Which pending follow-ups to show; the windows all include overdue ones. */
export type FollowUpWindow = 'overdue' | 'today' | 'week';

export interface FollowUpRequest {
  window?: FollowUpWindow;
  /** As the user typed it: a date (its whole day counts) or a date-time. */
  until?: string;
  owner?: string;
}

export type FollowUp = FollowUpRow & { overdue: boolean };

export class ReportService {
  private readonly reports: ReportRepository;

  constructor(
    db: CrmDatabase,
    private readonly clock: Clock,
    private readonly products: ProductService,
  ) {
    this.reports = new ReportRepository(db.orm);
  }

  pipeline(request: PipelineRequest = {}): PipelineReport {
    const productId = request.product === undefined ? null : this.products.resolve(request.product).id;
    const owner = request.owner?.trim() || null;
    const counts = this.reports.countByStatus({ productId: productId ?? undefined, owner: owner ?? undefined });
    const stages = CUSTOMER_STATUSES.map((status) => ({ status, count: counts.get(status) ?? 0 }));
    const total = stages.reduce((sum, stage) => sum + stage.count, 0);
    const won = counts.get('closed_won') ?? 0;
    const lost = counts.get('closed_lost') ?? 0;
    return {
      product_id: productId,
      owner,
      stages,
      total,
      open: total - won - lost,
      won,
      lost,
      win_rate: won + lost === 0 ? null : won / (won + lost),
      won_lost_ratio: lost === 0 ? null : won / lost,
    };
  }

  /**
   * Pending follow-ups in the window, soonest first; those due before today are overdue.
   * Read as the caller iterates (a large window need not fit in memory); iterate it to the
   * end, or stop with `return`/`break`, before the next query.
   */
  followups(request: FollowUpRequest = {}): IterableIterator<FollowUp> {
    const now = this.clock.now();
    const startOfToday = startOfLocalDay(now);
    const overdueBefore = startOfToday.toISOString();
    const rows = this.reports.pendingFollowUps({
      dueBefore: this.dueBefore(request, now, startOfToday)?.toISOString(),
      owner: request.owner?.trim() || undefined,
    });
    return markOverdue(rows, overdueBefore);
  }

  private dueBefore(request: FollowUpRequest, now: Date, startOfToday: Date): Date | undefined {
    if (request.until !== undefined) return endOfDateInput(request.until, now);
    switch (request.window) {
      case 'overdue':
        return startOfToday;
      case 'today':
        return addLocalDays(now, 1);
      case 'week':
        return addLocalDays(now, 7);
      case undefined:
        return undefined;
    }
  }
}

function* markOverdue(rows: Iterable<FollowUpRow>, overdueBefore: string): IterableIterator<FollowUp> {
  for (const row of rows) yield { ...row, overdue: row.follow_up_date < overdueBefore };
}

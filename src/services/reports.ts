import {
  addLocalDays,
  endOfDateInput,
  followUpInstant,
  formatLocalDay,
  isAllDay,
  startOfLocalDay,
} from '../domain/time.js';
import type { Clock } from '../domain/types.js';
import { CUSTOMER_STATUSES, type CustomerStatus } from '../domain/vocabulary.js';
import type { FollowUpRow, ReportRepository, Store } from '../repositories/ports.js';
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
    store: Store,
    private readonly clock: Clock,
    private readonly products: ProductService,
  ) {
    this.reports = store.repositories.reports;
  }

  async pipeline(request: PipelineRequest = {}): Promise<PipelineReport> {
    const productId = request.product === undefined ? null : (await this.products.resolve(request.product)).id;
    const owner = request.owner?.trim() || null;
    const counts = await this.reports.countByStatus({ productId: productId ?? undefined, owner: owner ?? undefined });
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
   * An all-day follow-up (a date) is due at the start of its day in the local time zone.
   * Read as the caller iterates (a large window need not fit in memory); iterate it to the
   * end, or stop with `return`/`break`, before the next query.
   */
  followups(request: FollowUpRequest = {}): AsyncIterableIterator<FollowUp> {
    const now = this.clock.now();
    const startOfToday = startOfLocalDay(now);
    const overdueBefore = startOfToday.toISOString();
    const today = formatLocalDay(now);
    const bound = this.dueBefore(request, now, startOfToday);
    const due = bound && { before: bound.toISOString(), lastDay: lastDayBefore(bound) };
    const owner = request.owner?.trim() || undefined;
    // A generator, so the query starts with the first row asked for: a caller that drops the
    // result unread leaves no statement open on the connection.
    const reports = this.reports;
    return (async function* () {
      yield* markOverdue(inDueOrder(reports.pendingFollowUps({ due, owner })), { instant: overdueBefore, day: today });
    })();
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

/** The local day of the last instant before `bound`, within the years a day can be stored in. */
function lastDayBefore(bound: Date): string {
  const day = formatLocalDay(new Date(bound.getTime() - 1));
  // Year 10000 is a longer string that sorts before 9999 as text, so length decides first.
  return day.length > LAST_STORABLE_DAY.length || day > LAST_STORABLE_DAY ? LAST_STORABLE_DAY : day;
}
const LAST_STORABLE_DAY = '9999-12-31';

async function* markOverdue(
  rows: AsyncIterable<FollowUpRow>,
  before: { instant: string; day: string },
): AsyncIterableIterator<FollowUp> {
  for await (const row of rows) {
    const value = row.follow_up_date;
    yield { ...row, overdue: isAllDay(value) ? value < before.day : value < before.instant };
  }
}

/**
 * The repository returns follow-ups in stored-text order, where an all-day date sits at UTC
 * midnight; it is due at local midnight, at most 14 hours earlier or 12 hours later today (16
 * hours allows for the historical offsets tz data still applies, such as Juneau's +15:02). Rows are
 * held back only until no later row can be due before them, so memory stays bounded by about
 * a day of follow-ups. Rows due at the same instant keep the repository's order (value, name, id).
 */
const LARGEST_UTC_OFFSET_MS = 16 * 60 * 60 * 1000;

async function* inDueOrder(rows: AsyncIterable<FollowUpRow>): AsyncIterableIterator<FollowUpRow> {
  const held: Array<{ row: FollowUpRow; due: number }> = [];
  for await (const row of rows) {
    const value = row.follow_up_date;
    const textPosition = Date.parse(isAllDay(value) ? `${value}T00:00:00.000Z` : value);
    while (held.length > 0 && held[0]!.due < textPosition - LARGEST_UTC_OFFSET_MS) yield held.shift()!.row;
    const due = followUpInstant(value).getTime();
    let at = held.length;
    while (at > 0 && held[at - 1]!.due > due) at--;
    held.splice(at, 0, { row, due });
  }
  for (const { row } of held) yield row;
}

import {
  addLocalDays,
  earliestDueAfter,
  endOfDateInput,
  followUpInstant,
  formatLocalDay,
  isAllDay,
  parseInstantOrAgo,
  startOfLocalDay,
} from '../domain/time.js';
import type { Clock } from '../domain/types.js';
import { CUSTOMER_STATUSES, type CustomerStatus } from '../domain/vocabulary.js';
import type { FollowUpFilter, FollowUpRow, OverdueBound, PipelineFilter, ReportRepository, Store } from '../repositories/ports.js';
import type { ProductService } from './products.js';
import type { SettingsService } from './settings.js';

export interface PipelineRequest {
  /** A product ref. */
  product?: string;
  owner?: string;
  /** As the user typed it (a date, or a duration ago like 90d): report the deals won since then. */
  since?: string;
}

/**
 * Deal values of one currency. Amounts are integers in the currency's minor units; weighted
 * ones are rounded to the nearest minor unit. Currencies are never added together.
 */
export interface CurrencyValue {
  currency: string;
  /** Customers with a value in this currency. */
  count: number;
  value_minor: number;
  /** value × the stage's probability (`crm config`), for the forecast. */
  weighted_minor: number;
}

export interface PipelineStage {
  status: CustomerStatus;
  count: number;
  /** Weight of this stage in the forecast (stage.<status>.probability). */
  probability: number;
  /** Deal values in this stage, per currency (in currency order); empty when none has one. */
  values: CurrencyValue[];
}

/** The whole pipeline's values in one currency: what is open, won and lost, and the forecast. */
export interface CurrencyTotals {
  currency: string;
  /** Every stage. */
  value_minor: number;
  /** The stages not yet closed. */
  open_minor: number;
  won_minor: number;
  lost_minor: number;
  /** Σ value × probability over every stage: what the pipeline is expected to be worth. */
  forecast_minor: number;
}

export interface WonSince {
  /** The instant the period starts, ISO. */
  since: string;
  /** Customers won since then (with or without a value). */
  count: number;
  values: Array<{ currency: string; count: number; value_minor: number }>;
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
  /** Per currency, in currency order; empty when no customer has a value. */
  values: CurrencyTotals[];
  /** With `since`: the deals won in the period; null otherwise. */
  won_since: WonSince | null;
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

export interface FollowUpPage {
  followUps: FollowUp[];
  offset: number;
  page: number;
  limit: number;
  /** How many follow-ups the window holds. */
  total: number;
  /** Of those, how many are overdue. */
  overdue: number;
}

export class ReportService {
  private readonly reports: ReportRepository;

  constructor(
    store: Store,
    private readonly clock: Clock,
    private readonly products: ProductService,
    private readonly settings: SettingsService,
  ) {
    this.store = store;
    this.reports = store.repositories.reports;
  }

  private readonly store: Store;

  async pipeline(request: PipelineRequest = {}): Promise<PipelineReport> {
    const since = request.since === undefined ? undefined : parseInstantOrAgo(request.since, this.clock.now()).toISOString();
    const productId = request.product === undefined ? null : (await this.products.resolve(request.product)).id;
    const owner = request.owner?.trim() || null;
    const filter: PipelineFilter = { productId: productId ?? undefined, owner: owner ?? undefined };
    // One snapshot: the counts, the values and the period agree even while others write.
    const { counts, valueRows, wonRows, probabilities } = await this.store.read(async () => ({
      counts: await this.reports.countByStatus(filter),
      valueRows: await this.reports.valuesByStatus(filter),
      wonRows: since === undefined ? undefined : await this.reports.wonSince(filter, since),
      probabilities: await this.settings.probabilities(),
    }));
    const stages: PipelineStage[] = CUSTOMER_STATUSES.map((status) => ({
      status,
      count: counts.get(status) ?? 0,
      probability: probabilities[status],
      values: valueRows
        .filter((row) => row.status === status)
        .map((row) => ({
          currency: row.currency,
          count: row.n,
          value_minor: row.total_minor,
          weighted_minor: Math.round(row.total_minor * probabilities[status]),
        }))
        .sort(byCurrency),
    }));
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
      values: currencyTotals(stages),
      won_since:
        since === undefined
          ? null
          : {
              since,
              count: wonRows!.reduce((sum, row) => sum + row.n, 0),
              values: wonRows!
                .filter((row) => row.currency !== null)
                .map((row) => ({ currency: row.currency!, count: row.n, value_minor: row.total_minor ?? 0 }))
                .sort(byCurrency),
            },
    };
  }

  /**
   * Pending follow-ups in the window, soonest first; those due before today are overdue.
   * An all-day follow-up (a date) is due at the start of its day in the local time zone.
   * Read as the caller iterates (a large window need not fit in memory); iterate it to the
   * end, or stop with `return`/`break`, before the next query.
   */
  followups(request: FollowUpRequest = {}): AsyncIterableIterator<FollowUp> {
    const { filter, overdue } = this.followUpWindow(request);
    // A generator, so the query starts with the first row asked for: a caller that drops the
    // result unread leaves no statement open on the connection.
    const reports = this.reports;
    return (async function* () {
      yield* markOverdue(inDueOrder(reports.pendingFollowUps(filter)), overdue);
    })();
  }

  /**
   * One page of followups(), and how many there are: the page is read from the date index and
   * the reading stops at its end; the count (archived customers left out) is a range of that
   * index, which carries each customer's archived flag and owner, so it is exact whatever the
   * window's size.
   */
  async followupsPage(request: FollowUpRequest, paging: { limit: number; page?: number }): Promise<FollowUpPage> {
    const { filter, overdue } = this.followUpWindow(request);
    const page = paging.page ?? 1;
    const { limit } = paging;
    const offset = (page - 1) * limit;
    const end = offset + limit;
    // One snapshot: the page and the count agree even while others write.
    return this.store.read(async () => {
      const counted = await this.reports.countPendingFollowUps(filter, overdue);
      const followUps: FollowUp[] = [];
      if (offset < counted.n) {
        let at = 0;
        for await (const row of markOverdue(inDueOrder(this.reports.pendingFollowUps(filter, end)), overdue)) {
          if (at >= offset) followUps.push(row);
          at += 1;
          if (at >= end) break;
        }
      }
      return { followUps, offset, page, limit, total: counted.n, overdue: counted.overdue };
    });
  }

  /** The repository's filter for a request, and what is overdue now (before today, local time). */
  private followUpWindow(request: FollowUpRequest): { filter: FollowUpFilter; overdue: OverdueBound } {
    const now = this.clock.now();
    const startOfToday = startOfLocalDay(now);
    const bound = this.dueBefore(request, now, startOfToday);
    const due = bound && { before: bound.toISOString(), lastDay: lastDayBefore(bound) };
    const owner = request.owner?.trim() || undefined;
    return { filter: { due, owner }, overdue: { instant: startOfToday.toISOString(), day: formatLocalDay(now) } };
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

const byCurrency = (a: { currency: string }, b: { currency: string }) => (a.currency < b.currency ? -1 : a.currency > b.currency ? 1 : 0);

/** Each currency's totals over the stages; a currency is summed with itself only. */
function currencyTotals(stages: readonly PipelineStage[]): CurrencyTotals[] {
  const totals = new Map<string, CurrencyTotals>();
  for (const stage of stages) {
    for (const value of stage.values) {
      const total = totals.get(value.currency) ?? {
        currency: value.currency,
        value_minor: 0,
        open_minor: 0,
        won_minor: 0,
        lost_minor: 0,
        forecast_minor: 0,
      };
      total.value_minor += value.value_minor;
      total.forecast_minor += value.weighted_minor;
      if (stage.status === 'closed_won') total.won_minor += value.value_minor;
      else if (stage.status === 'closed_lost') total.lost_minor += value.value_minor;
      else total.open_minor += value.value_minor;
      totals.set(value.currency, total);
    }
  }
  return [...totals.values()].sort(byCurrency);
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
  before: OverdueBound,
): AsyncIterableIterator<FollowUp> {
  for await (const row of rows) {
    const value = row.follow_up_date;
    yield { ...row, overdue: isAllDay(value) ? value < before.day : value < before.instant };
  }
}

/**
 * The repository returns follow-ups in stored-text order, where an all-day date sits at UTC
 * midnight; it is due at local midnight, up to a day earlier or later. A row is held back only
 * until no row after it in that order can be due before it (earliestDueAfter), so a page reads
 * about as many rows as it shows, and memory stays bounded. Rows due at the same instant keep
 * the repository's order (value, name, id).
 */
async function* inDueOrder(rows: AsyncIterable<FollowUpRow>): AsyncIterableIterator<FollowUpRow> {
  const held: Array<{ row: FollowUpRow; due: number }> = [];
  for await (const row of rows) {
    const value = row.follow_up_date;
    const earliest = earliestDueAfter(value);
    while (held.length > 0 && held[0]!.due <= earliest) yield held.shift()!.row;
    const due = followUpInstant(value).getTime();
    let at = held.length;
    while (at > 0 && held[at - 1]!.due > due) at--;
    held.splice(at, 0, { row, due });
  }
  for (const { row } of held) yield row;
}

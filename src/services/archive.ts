import { isPostgresUrl, redactPasswords } from '../db/location.js';
import { instantBefore, parseDuration } from '../domain/time.js';
import { nowIso, type Clock, type Customer } from '../domain/types.js';
import type { CustomerStatus } from '../domain/vocabulary.js';
import type { ArchiveBatch, ArchiveCursor, ArchiveTarget, Store } from '../repositories/ports.js';
import { validStatus } from './validation.js';

export interface StaleArchiveRequest {
  status: string;
  /** As the user typed it: 90d, 12w, 6m, 2y. */
  olderThan: string;
  dryRun?: boolean;
  /**
   * Whether the result lists the archived ids (default true). Without them memory does not grow
   * with the number of customers archived: a cron run that prints only the count needs none.
   */
  listIds?: boolean;
}

export interface StaleArchiveResult {
  status: CustomerStatus;
  older_than: string;
  /** Customers last updated before this instant were due. */
  cutoff: string;
  dry_run: boolean;
  count: number;
  /** The customers archived (or due, with a dry run); empty when the request asked for no ids. */
  ids: string[];
  /** With a dry run, the customers that would be archived. */
  customers: Customer[];
}

/**
 * Points of a move where a test can stop the process dead, to prove that a crash there
 * loses nothing: right after a batch is committed in the archive file (and not yet deleted
 * from the main file), and right after it is deleted from the main file.
 */
export type MoveStep = 'archive-commit' | 'main-commit';

export interface MoveRequest {
  /**
   * The archive database: a file (absolute, or relative to the process's directory) or a
   * team's PostgreSQL database (a postgres:// URL).
   */
  to: string;
  /** Archived customers not updated for this long move; every archived customer if absent. */
  olderThan?: string;
  /** Interactions older than this move too (with a copy of their customer's row). */
  interactionsOlderThan?: string;
  dryRun?: boolean;
  onStep?: (step: MoveStep) => void;
}

export interface MoveResult {
  to: string;
  dry_run: boolean;
  /** Archived customers moved, and the interactions that went with them. */
  customers: number;
  customer_interactions: number;
  /** Old interactions moved on their own. */
  interactions: number;
}

export interface ArchiveServiceOptions {
  /** A fixed number of rows per write transaction (tests); by default batches are sized by time. */
  batchSize?: number;
  /** How long one write transaction should hold the lock; see TimedBatches. */
  batchMs?: number;
}

/**
 * Long enough that the per-transaction cost (BEGIN, commit, the audit context) is noise,
 * short enough that `crm customer add` in another process waits well under a second.
 */
const DEFAULT_BATCH_MS = 250;
const FIRST_BATCH_ROWS = 200;
const MIN_BATCH_ROWS = 50;
/** Bounds the rows a batch holds in memory (a move reads them into JS) whatever the speed. */
const MAX_BATCH_ROWS = 20_000;

/**
 * Batch sizes chosen by time, not by a fixed count: a fixed count is either too small on a
 * fast disk (the job spends its time committing) or too long on a slow or loaded one (other
 * writers wait). Each batch's duration, its whole write transaction, scales the next one
 * toward the target; it at most doubles per batch.
 */
class TimedBatches {
  private rows: number;
  /** How long the job has held the write lock since it last let other writers in. */
  private held = 0;
  /** How long the last batch took: the next one will take about as long. */
  private last = 0;

  constructor(
    private readonly targetMs: number,
    private readonly fixedRows: number | undefined,
  ) {
    this.rows = fixedRows ?? FIRST_BATCH_ROWS;
  }

  get size(): number {
    return this.rows;
  }

  /**
   * Runs one batch of `size` rows and resizes the next. The whole write transaction is timed,
   * its commit included (the search index is rebuilt and the audit stamped just before it):
   * that is how long other writers wait. A wait for another writer's lock counts too, so
   * batches shrink while someone else is writing.
   */
  async timed<T>(work: (size: number) => Promise<T>): Promise<T> {
    const started = performance.now();
    const result = await work(this.rows);
    const elapsed = Math.max(performance.now() - started, 1);
    this.held += elapsed;
    this.last = elapsed;
    if (this.fixedRows === undefined) {
      const scaled = Math.round((this.rows * this.targetMs) / elapsed);
      this.rows = Math.min(MAX_BATCH_ROWS, Math.max(MIN_BATCH_ROWS, Math.min(scaled, this.rows * 2)));
    }
    return result;
  }

  /**
   * Whether to let other writers in now: when one more batch as long as the last would take
   * the lock time since the last pause past the target. Back-to-back commits give a waiting
   * writer no real chance (its busy handler polls up to 100 ms apart), so this, not a batch's
   * length, bounds its wait: once batches reach the target there is a pause after each, as
   * before, while the short first batches no longer pay one each.
   */
  pauseDue(): boolean {
    if (this.held + this.last <= this.targetMs) return false;
    this.held = 0;
    return true;
  }
}
/**
 * Each attempt already waits the connection's busy timeout for the lock; a nightly job
 * should outlast an import holding it longer than that rather than fail.
 */
const BUSY_ATTEMPTS = 6;


/** The jobs a consultant schedules: soft-archiving stale customers, moving old rows out. */
export class ArchiveService {
  private readonly batchSize: number | undefined;
  private readonly batchMs: number;

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    options: ArchiveServiceOptions = {},
  ) {
    this.batchSize = options.batchSize;
    this.batchMs = options.batchMs ?? DEFAULT_BATCH_MS;
  }

  private get repository() {
    return this.store.repositories.archive;
  }

  /** The instant a duration the user typed reaches back to from now. */
  private cutoff(durationText: string): string {
    return instantBefore(this.clock.now(), parseDuration(durationText)).toISOString();
  }

  /**
   * The cron form: archives every non-archived customer in `status` last updated strictly
   * before now minus the duration. Set-based batches in short transactions sized by time, so
   * an interactive session or an import writing the same database waits at most one batch.
   * The audit triggers log each customer as for any update. On a team's server, a member
   * archives the customers they own (row-level security), a manager every one.
   */
  async archiveStale(request: StaleArchiveRequest): Promise<StaleArchiveResult> {
    const status = validStatus(request.status);
    const cutoff = this.cutoff(request.olderThan);
    const base = { status, older_than: request.olderThan.trim(), cutoff, dry_run: Boolean(request.dryRun) };
    if (request.dryRun) {
      const customers = await this.repository.staleCustomers(status, cutoff);
      return { ...base, count: customers.length, ids: customers.map((c) => c.id), customers };
    }
    const ids: string[] = [];
    const listIds = request.listIds ?? true;
    let count = 0;
    const batches = new TimedBatches(this.batchMs, this.batchSize);
    let after: ArchiveCursor = null;
    try {
      for (;;) {
        const { batch, limit } = await batches.timed((limit) =>
          this.write(async () => ({
            batch: await this.repository.archiveStale(status, cutoff, nowIso(this.clock), after, limit),
            limit,
          })),
        );
        count += batch.ids.length;
        if (listIds) for (const id of batch.ids) ids.push(id);
        after = batch.next;
        if (batch.ids.length < limit) break;
        if (batches.pauseDue()) await this.repository.pause();
      }
    } finally {
      await this.repository.finish();
    }
    return { ...base, count, ids, customers: [] };
  }

  /**
   * Moves rows into the archive database. Each batch is picked and deleted inside one write
   * transaction of this database, so the rows cannot change between being copied and being
   * deleted; the copy is committed in the archive first. Two databases cannot commit
   * atomically, so a crash between the two commits leaves the batch in both: the next run
   * copies it again (an upsert by id, a no-op) and deletes it. Nothing is ever only in flight.
   */
  async moveToArchive(request: MoveRequest): Promise<MoveResult> {
    const customersBefore = request.olderThan === undefined ? null : this.cutoff(request.olderThan);
    const interactionsBefore =
      request.interactionsOlderThan === undefined ? null : this.cutoff(request.interactionsOlderThan);
    const result: MoveResult = {
      to: isPostgresUrl(request.to) ? redactPasswords(request.to) : request.to,
      dry_run: Boolean(request.dryRun),
      customers: 0,
      customer_interactions: 0,
      interactions: 0,
    };
    const repository = this.repository;
    const due = await repository.countMovableCustomers(customersBefore);
    const dueInteractions = interactionsBefore ? await repository.countMovableInteractions(interactionsBefore, customersBefore) : 0;
    if (request.dryRun) {
      return { ...result, customers: due.customers, customer_interactions: due.interactions, interactions: dueInteractions };
    }
    // Nothing due creates nothing: no folder, no empty archive file at a mistyped path. A batch
    // left in both databases by a crash is still due here, so a rerun still finishes it.
    if (due.customers === 0 && dueInteractions === 0) return result;

    const target = await repository.openTarget(request.to);
    try {
      const batches = new TimedBatches(this.batchMs, this.batchSize);
      const move = (pick: (limit: number) => Promise<ArchiveBatch>) => this.moveBatch(target, batches, pick, request.onStep);
      let after: ArchiveCursor = null;
      for (;;) {
        const batch = await move((limit) => repository.pickCustomers(customersBefore, after, limit));
        if (batch.customers === 0) break;
        after = batch.next;
        result.customers += batch.customers;
        result.customer_interactions += batch.interactions;
      }
      after = null;
      while (interactionsBefore) {
        const batch = await move((limit) => repository.pickInteractions(interactionsBefore, customersBefore, after, limit));
        if (batch.interactions === 0) break;
        after = batch.next;
        result.interactions += batch.interactions;
      }
      return result;
    } finally {
      await repository.finish();
      await target.close();
    }
  }

  /**
   * One batch: picked and deleted under this database's write transaction, copied and
   * committed in the archive in between. An empty pick writes nothing anywhere. Timed as a
   * whole, since this database's lock is held throughout.
   */
  private async moveBatch(
    target: ArchiveTarget,
    batches: TimedBatches,
    pick: (limit: number) => Promise<ArchiveBatch>,
    onStep: ((step: MoveStep) => void) | undefined,
  ): Promise<ArchiveBatch> {
    const batch = await batches.timed((limit) =>
      this.write(async () => {
        const picked = await pick(limit);
        if (picked.customers === 0 && picked.interactions === 0) return picked;
        await target.copy(picked);
        onStep?.('archive-commit');
        await picked.deleteMoved();
        return picked;
      }),
    );
    if (batch.customers > 0 || batch.interactions > 0) {
      onStep?.('main-commit');
      if (batches.pauseDue()) {
        await target.pause();
        await this.repository.pause();
      }
    }
    return batch;
  }

  private write<T>(work: () => Promise<T>): Promise<T> {
    return this.store.write(work, { busyAttempts: BUSY_ATTEMPTS });
  }
}

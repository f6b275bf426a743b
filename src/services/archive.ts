import path from 'node:path';
import { openDatabase, type CrmDatabase } from '../db/connection.js';
import { databaseFileNames, refuseDatabaseFile } from '../db/database-files.js';
import { deferSearchIndex } from '../db/search-index.js';
import { UncreatablePathError, UnopenableDatabaseError, ValidationError } from '../domain/errors.js';
import { instantBefore, parseDuration } from '../domain/time.js';
import { nowIso, type Clock, type Customer } from '../domain/types.js';
import type { CustomerStatus } from '../domain/vocabulary.js';
import {
  ArchiveSourceRepository,
  ArchiveTargetRepository,
  StaleCustomerRepository,
  type RawRow,
} from '../repositories/sqlite/archive.js';
import { writeTx } from '../repositories/sqlite/errors.js';
import { validStatus } from './validation.js';

export interface StaleArchiveRequest {
  status: string;
  /** As the user typed it: 90d, 12w, 6m, 2y. */
  olderThan: string;
  dryRun?: boolean;
}

export interface StaleArchiveResult {
  status: CustomerStatus;
  older_than: string;
  /** Customers last updated before this instant were due. */
  cutoff: string;
  dry_run: boolean;
  count: number;
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
  /** The archive database file (absolute, or relative to the process's directory). */
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

/** Rows picked from the main file for one batch of a move. */
interface MoveBatch {
  customers: RawRow[];
  interactions: RawRow[];
  /** The rowid cursor the next batch reads from. */
  next: number;
  /** Only those of customers that move whole: a customer that stays keeps its own. */
  externalIds: RawRow[];
  /** Likewise. */
  tags: RawRow[];
  deleteMoved: () => void;
}

export interface ArchiveServiceOptions {
  /** A fixed number of rows per write transaction (tests); by default batches are sized by time. */
  batchSize?: number;
  /** How long one write transaction should hold the lock; see TimedBatches. */
  batchMs?: number;
  openArchive?: (file: string) => CrmDatabase;
}

/**
 * Long enough that the per-transaction cost (BEGIN, commit, the audit context) is noise,
 * short enough that `crm customer add` in another process waits well under a second.
 */
const DEFAULT_BATCH_MS = 150;
const FIRST_BATCH_ROWS = 200;
const MIN_BATCH_ROWS = 50;
/** Bounds the rows a batch holds in memory (a move reads them into JS) whatever the speed. */
const MAX_BATCH_ROWS = 20_000;

/**
 * Batch sizes chosen by time, not by a fixed count: a fixed count is either too small on a
 * fast disk (the job spends its time committing) or too long on a slow or loaded one (other
 * writers wait). Each batch's duration, measured while the lock is held (not while waiting
 * for it), scales the next one toward the target; it at most doubles per batch.
 */
class TimedBatches {
  private rows: number;

  constructor(
    private readonly targetMs: number,
    private readonly fixedRows: number | undefined,
  ) {
    this.rows = fixedRows ?? FIRST_BATCH_ROWS;
  }

  get size(): number {
    return this.rows;
  }

  /** Runs one batch of `size` rows (called inside the write transaction) and resizes the next. */
  timed<T>(work: (size: number) => T): T {
    const started = performance.now();
    const result = work(this.rows);
    if (this.fixedRows === undefined) {
      const elapsed = Math.max(performance.now() - started, 1);
      const scaled = Math.round((this.rows * this.targetMs) / elapsed);
      this.rows = Math.min(MAX_BATCH_ROWS, Math.max(MIN_BATCH_ROWS, Math.min(scaled, this.rows * 2)));
    }
    return result;
  }
}
/**
 * Each attempt already waits the connection's busy timeout for the lock; a nightly job
 * should outlast an import holding it longer than that rather than fail.
 */
const BUSY_ATTEMPTS = 6;


/** The jobs a consultant schedules: soft-archiving stale customers, moving old rows out. */
export class ArchiveService {
  private readonly stale: StaleCustomerRepository;
  private readonly batchSize: number | undefined;
  private readonly batchMs: number;
  private readonly openArchive: (file: string) => CrmDatabase;

  constructor(
    private readonly db: CrmDatabase,
    private readonly clock: Clock,
    options: ArchiveServiceOptions = {},
  ) {
    this.stale = new StaleCustomerRepository(db.orm, db.sqlite);
    this.batchSize = options.batchSize;
    this.batchMs = options.batchMs ?? DEFAULT_BATCH_MS;
    this.openArchive = options.openArchive ?? ((file) => openDatabase(file));
  }

  /** The instant a duration the user typed reaches back to from now. */
  private cutoff(durationText: string): string {
    return instantBefore(this.clock.now(), parseDuration(durationText)).toISOString();
  }

  /**
   * The cron form: archives every non-archived customer in `status` last updated strictly
   * before now minus the duration. Set-based batches in short transactions sized by time, so
   * an interactive session or an import writing the same file waits at most one batch. The
   * audit triggers log each customer as for any update.
   */
  archiveStale(request: StaleArchiveRequest): StaleArchiveResult {
    const status = validStatus(request.status);
    const cutoff = this.cutoff(request.olderThan);
    const base = { status, older_than: request.olderThan.trim(), cutoff, dry_run: Boolean(request.dryRun) };
    if (request.dryRun) {
      const customers = this.stale.list(status, cutoff);
      return { ...base, count: customers.length, ids: customers.map((c) => c.id), customers };
    }
    const ids: string[] = [];
    const batches = new TimedBatches(this.batchMs, this.batchSize);
    let after = 0;
    for (;;) {
      const { batch, limit } = this.write(() =>
        batches.timed((limit) => ({
          batch: this.stale.archiveBatch(status, cutoff, nowIso(this.clock), after, limit),
          limit,
        })),
      );
      for (const id of batch.ids) ids.push(id);
      after = batch.next;
      if (batch.ids.length < limit) break;
    }
    return { ...base, count: ids.length, ids, customers: [] };
  }

  /**
   * Moves rows into the archive file. Each batch runs inside a write transaction on the main
   * file, so the rows cannot change between being copied and being deleted; the copy is
   * committed in the archive first. SQLite cannot commit two WAL files atomically, so a
   * crash between the two commits leaves the batch in both files: the next run copies it
   * again (an upsert by id, a no-op) and deletes it. Nothing is ever only in flight.
   */
  moveToArchive(request: MoveRequest): MoveResult {
    const customersBefore = request.olderThan === undefined ? null : this.cutoff(request.olderThan);
    const interactionsBefore =
      request.interactionsOlderThan === undefined ? null : this.cutoff(request.interactionsOlderThan);
    // The archive is a database too: none of its files may be one of the main database's.
    const [archiveFile, ...archiveCompanions] = databaseFileNames(request.to);
    refuseDatabaseFile(archiveFile!, this.db.path, 'the archive');
    for (const companion of archiveCompanions) refuseDatabaseFile(companion, this.db.path, "the archive's companion file");
    const source = new ArchiveSourceRepository(this.db.sqlite);
    const result: MoveResult = {
      to: request.to,
      dry_run: Boolean(request.dryRun),
      customers: 0,
      customer_interactions: 0,
      interactions: 0,
    };
    const due = source.countMovableCustomers(customersBefore);
    const dueInteractions = interactionsBefore ? source.countMovableInteractions(interactionsBefore, customersBefore) : 0;
    if (request.dryRun) {
      return { ...result, customers: due.customers, customer_interactions: due.interactions, interactions: dueInteractions };
    }
    // Nothing due creates nothing: no folder, no empty archive file at a mistyped path. A batch
    // left in both files by a crash is still due here, so a rerun still finishes it.
    if (due.customers === 0 && dueInteractions === 0) return result;

    const archive = this.openArchiveFile(request.to);
    try {
      const target = new ArchiveTargetRepository(archive.sqlite);
      const batches = new TimedBatches(this.batchMs, this.batchSize);
      const move = (pick: (limit: number) => MoveBatch) =>
        this.moveBatch(source, archive, target, batches, pick, request.onStep);
      let after = 0;
      for (;;) {
        const batch = move((limit) => {
          const picked = source.movableCustomers(customersBefore, after, limit);
          const ids = picked.rows.map((c) => c.id as string);
          return {
            customers: picked.rows,
            interactions: ids.length ? source.interactionsOf(ids) : [],
            next: picked.next,
            externalIds: ids.length ? source.externalIdsOf(ids) : [],
            tags: ids.length ? source.tagsOf(ids) : [],
            deleteMoved: () => source.deleteCustomers(ids),
          };
        });
        if (batch.customers.length === 0) break;
        after = batch.next;
        result.customers += batch.customers.length;
        result.customer_interactions += batch.interactions.length;
      }
      after = 0;
      while (interactionsBefore) {
        const batch = move((limit) => {
          const picked = source.movableInteractions(interactionsBefore, customersBefore, after, limit);
          const owners = [...new Set(picked.rows.map((i) => i.customer_id as string))];
          return {
            // The archive's foreign key needs the customer: a copy of its row goes along,
            // while the customer itself stays in the main file.
            customers: owners.length ? source.customers(owners) : [],
            interactions: picked.rows,
            externalIds: [],
            tags: [],
            next: picked.next,
            deleteMoved: () => source.deleteInteractions(picked.rows.map((i) => i.id as string)),
          };
        });
        if (batch.interactions.length === 0) break;
        after = batch.next;
        result.interactions += batch.interactions.length;
      }
      return result;
    } finally {
      archive.close();
    }
  }

  /**
   * One batch: picked and deleted under the main file's write lock, copied and committed in
   * the archive in between. An empty pick writes nothing anywhere. Timed as a whole, since
   * the main file's lock is held throughout.
   */
  private moveBatch(
    source: ArchiveSourceRepository,
    archive: CrmDatabase,
    target: ArchiveTargetRepository,
    batches: TimedBatches,
    pick: (limit: number) => MoveBatch,
    onStep: ((step: MoveStep) => void) | undefined,
  ): MoveBatch {
    const batch = this.write(() =>
      batches.timed((limit) => {
        const picked = pick(limit);
        if (picked.customers.length === 0 && picked.interactions.length === 0) return picked;
        // In both files, each customer's search document is rebuilt once per batch, not per row.
        deferSearchIndex(this.db.sqlite);
        const productIds = new Set(picked.customers.map((c) => c.product_id).filter((id) => typeof id === 'string'));
        const companyIds = new Set(picked.customers.map((c) => c.company_id).filter((id) => typeof id === 'string'));
        archive.write(() => {
          deferSearchIndex(archive.sqlite);
          target.copy({
            products: productIds.size ? source.products([...productIds] as string[]) : [],
            companies: companyIds.size ? source.companies([...companyIds] as string[]) : [],
            customers: picked.customers,
            interactions: picked.interactions,
            externalIds: picked.externalIds,
            tags: picked.tags,
          });
        });
        onStep?.('archive-commit');
        picked.deleteMoved();
        return picked;
      }),
    );
    if (batch.customers.length > 0 || batch.interactions.length > 0) onStep?.('main-commit');
    return batch;
  }

  private openArchiveFile(file: string): CrmDatabase {
    try {
      return this.openArchive(file);
    } catch (error) {
      if (error instanceof UncreatablePathError) {
        const reason = error.kind === 'folder' ? `folder ${error.target}: ${error.reason}` : error.reason;
        throw new ValidationError(`cannot create archive file ${file}: ${reason}`);
      }
      if (!(error instanceof UnopenableDatabaseError)) throw error;
      if (error.notADatabase) {
        throw new ValidationError(`${file} is not a crm database; choose a new file or an earlier archive`);
      }
      throw new ValidationError(`cannot open the archive ${file}: ${error.reason}`);
    }
  }

  private write<T>(work: () => T): T {
    return writeTx(this.db, work, { busyAttempts: BUSY_ATTEMPTS });
  }
}

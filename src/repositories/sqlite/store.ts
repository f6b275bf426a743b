import { setTimeout as sleep } from 'node:timers/promises';
import type { CrmDatabase } from '../../db/connection.js';
import type { AuditWriter, BulkTransfer, ChangeFeed, Maintenance, Repositories, Store, WriteOptions } from '../ports.js';
import { SqliteArchiveRepository } from './archive.js';
import { SqliteAuditRepository } from './audit.js';
import { SqliteChangeSetRepository, SqliteRevertRepository } from './change-sets.js';
import { SqliteCompanyRepository } from './companies.js';
import { SqliteCustomerRepository } from './customers.js';
import { SqliteDuplicateRepository } from './duplicates.js';
import { isBusy, translateSqliteError } from './errors.js';
import { SqliteInteractionRepository } from './interactions.js';
import { SqliteMaintenance } from './maintenance.js';
import { SqliteMergeRepository } from './merge.js';
import { SqliteProductRepository } from './products.js';
import { SqliteReportRepository } from './reports.js';
import { SqliteSettingsRepository } from './settings.js';
import { SqliteSearchRepository } from './search.js';
import { SqliteTagRepository } from './tags.js';

/** The embedded default: one SQLite file on one better-sqlite3 connection. */
export class SqliteStore implements Store {
  readonly backend = 'sqlite';
  readonly repositories: Repositories;
  readonly maintenance: Maintenance;
  private actor = '';

  constructor(readonly db: CrmDatabase) {
    this.maintenance = new SqliteMaintenance(db);
    this.repositories = {
      products: new SqliteProductRepository(db.orm),
      customers: new SqliteCustomerRepository(db.orm),
      interactions: new SqliteInteractionRepository(db.orm),
      audit: new SqliteAuditRepository(db.orm),
      reports: new SqliteReportRepository(db.orm),
      duplicates: new SqliteDuplicateRepository(db.sqlite),
      merge: new SqliteMergeRepository(db.sqlite),
      changeSets: new SqliteChangeSetRepository(db.sqlite, () => this.actor),
      revert: new SqliteRevertRepository(db.sqlite),
      companies: new SqliteCompanyRepository(db.orm),
      settings: new SqliteSettingsRepository(db.orm),
      tags: new SqliteTagRepository(db.sqlite),
      search: new SqliteSearchRepository(db.sqlite),
      archive: new SqliteArchiveRepository(db),
    };
  }

  get location(): string {
    return this.db.path;
  }

  get writeInstant(): Date | undefined {
    return this.db.writeInstant;
  }

  async write<T>(work: () => Promise<T>, options: WriteOptions = {}): Promise<T> {
    const attempts = options.busyAttempts ?? 1;
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await this.db.writeAsync(work);
      } catch (error) {
        if (attempt >= attempts || !isBusy(error)) throw translateSqliteError(error);
      }
    }
  }

  /** A deferred transaction: the reads see one snapshot of the file, and take no write lock. */
  async read<T>(work: () => Promise<T>): Promise<T> {
    const { sqlite } = this.db;
    if (sqlite.inTransaction) return work();
    sqlite.exec('BEGIN');
    try {
      const result = await work();
      sqlite.exec('COMMIT');
      return result;
    } catch (error) {
      if (sqlite.inTransaction) sqlite.exec('ROLLBACK');
      throw translateSqliteError(error);
    }
  }

  /**
   * `PRAGMA data_version` changes whenever another connection commits to the file and costs no
   * table read, so an idle watch asks it once per interval.
   */
  async watchChanges(): Promise<ChangeFeed> {
    const version = this.db.sqlite.prepare('PRAGMA data_version').pluck();
    let seen = version.get() as number;
    // Closing ends the wait at once: a pending timer would keep the process alive after
    // Ctrl-C for up to a whole --interval.
    const closed = new AbortController();
    return {
      next: async (ms) => {
        if (closed.signal.aborted) return false;
        try {
          await sleep(ms, undefined, { signal: closed.signal });
        } catch (error) {
          if (closed.signal.aborted) return false;
          throw error;
        }
        const current = version.get() as number;
        if (current === seen) return false;
        seen = current;
        return true;
      },
      close: async () => closed.abort(),
    };
  }

  async bulkTransfer(): Promise<BulkTransfer> {
    const { SqliteBulkTransfer } = await import('./bulk-transfer.js');
    return new SqliteBulkTransfer(this.db);
  }

  identifyWriter(writer: AuditWriter): void {
    this.actor = writer.actor;
    this.db.identifyWriter(writer);
  }

  onLockWait(listener: (() => void) | undefined): void {
    this.db.onLockWait(listener);
  }

  async close(): Promise<void> {
    this.db.close();
  }
}

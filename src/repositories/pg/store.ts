import type { PoolClient } from 'pg';
import { openPgPool, serverError, type PgDatabase } from '../../db/pg/connection.js';
import type { AuditWriter, BulkTransfer, ChangeFeed, Maintenance, Store, WriteOptions } from '../ports.js';
import type { StoreOptions } from '../open.js';
import { translatePgError } from './errors.js';
import { PgMaintenance } from './maintenance.js';
import { PgRepositories } from './repositories.js';

/** The channel the server's triggers notify on (drizzle/pg/0001_rules.sql): ids only. */
export const CHANGES_CHANNEL = 'crm_changes';

/**
 * The one connection a command works on: every query and transaction of the command runs on
 * it in turn, as on SQLite's one connection. A pool of two lets `watch` hold a second one for
 * LISTEN.
 */
export interface PgSession {
  readonly client: PoolClient;
  /** Runs one statement; server errors keep their SQLSTATE for translatePgError. */
  query<R extends object = Record<string, unknown>>(text: string, values?: readonly unknown[]): Promise<R[]>;
  /** Whether a write or read of the store is open: a cursor then lives in it rather than in a transaction of its own. */
  inTransaction(): boolean;
}

/** A team's database on a PostgreSQL server, reached with the connecting member's own role. */
export class PgStore implements Store {
  readonly backend = 'postgres';
  readonly repositories: PgRepositories;
  readonly maintenance: Maintenance;
  private writer: AuditWriter = { actor: '' };
  private instant: Date | undefined;
  private depth = 0;
  /** The change set of the command being run (see AuditWriter.command), once it has written. */
  private changeSet: number | undefined;
  /** Whether the role may use schema crm at all, asked once before the first write. */
  private schemaUsable: boolean | undefined;

  private constructor(
    private readonly database: PgDatabase,
    readonly session: PgSession,
  ) {
    this.repositories = new PgRepositories(session);
    this.maintenance = new PgMaintenance(session, database);
  }

  static async open(url: string, _options: StoreOptions = {}): Promise<PgStore> {
    const database = await openPgPool(url, { maxConnections: 2 });
    let client: PoolClient;
    try {
      client = await database.pool.connect();
    } catch (error) {
      await database.close();
      throw serverError(error);
    }
    let store: PgStore | undefined;
    const session: PgSession = {
      client,
      inTransaction: () => (store?.depth ?? 0) > 0,
      query: async <R extends object>(text: string, values?: readonly unknown[]) => {
        try {
          return (await client.query<R>(text, values as unknown[] | undefined)).rows;
        } catch (error) {
          throw translatePgError(error);
        }
      },
    };
    store = new PgStore(database, session);
    return store;
  }

  get location(): string {
    return this.database.description;
  }

  get writeInstant(): Date | undefined {
    return this.instant && new Date(this.instant.getTime());
  }

  async write<T>(work: () => Promise<T>, _options: WriteOptions = {}): Promise<T> {
    return this.transaction(work, true);
  }

  async read<T>(work: () => Promise<T>): Promise<T> {
    return this.transaction(work, false);
  }

  /**
   * BEGIN ... COMMIT on the one connection; inside another transaction, a savepoint. Reads use
   * REPEATABLE READ so a page and its total come from one snapshot. Writes use READ COMMITTED
   * whatever the server's default: the rules' triggers (the active product limit) are written
   * for it, and refuse under REPEATABLE READ.
   */
  private async transaction<T>(work: () => Promise<T>, writes: boolean): Promise<T> {
    const { session } = this;
    if (this.depth > 0) {
      const name = `crm_nested_${this.depth}`;
      this.depth += 1;
      await session.query(`SAVEPOINT ${name}`);
      try {
        const result = await work();
        await session.query(`RELEASE SAVEPOINT ${name}`);
        return result;
      } catch (error) {
        await session.query(`ROLLBACK TO SAVEPOINT ${name}`).catch(() => undefined);
        throw translatePgError(error);
      } finally {
        this.depth -= 1;
      }
    }
    this.depth = 1;
    let opened: { id: number; created: boolean } | undefined;
    try {
      await session.query(writes ? 'BEGIN ISOLATION LEVEL READ COMMITTED' : 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      if (writes) {
        this.instant = this.writer.clock?.now();
        opened = await this.beginChangeSet();
      }
      const result = await work();
      if (opened) await this.endChangeSet(opened);
      await session.query('COMMIT');
      return result;
    } catch (error) {
      await session.query('ROLLBACK').catch(() => undefined);
      // A change set the transaction opened went with it.
      if (opened?.created) this.changeSet = undefined;
      throw translatePgError(error);
    } finally {
      this.depth = 0;
      this.instant = undefined;
    }
  }

  /**
   * Names the command's change set for this write transaction (drizzle/pg/0004_change_sets.sql),
   * opening one at its first write; the audit trigger stamps every entry with it. A role of no
   * team gets none (its writes are refused anyway), and a role without access to schema crm
   * does not even call the function, so that the write itself says who may add it.
   */
  private async beginChangeSet(): Promise<{ id: number; created: boolean } | undefined> {
    this.schemaUsable ??= (
      await this.session.query<{ usable: boolean }>(
        `SELECT has_schema_privilege(oid, 'USAGE') AS usable FROM pg_namespace WHERE nspname = 'crm'`,
      )
    )[0]?.usable === true;
    if (!this.schemaUsable) return undefined;
    const [row] = await this.session.query<{ id: number | null }>(`SELECT crm.crm_begin_change_set($1, $2, $3) AS id`, [
      this.writer.command ?? '',
      this.instant?.toISOString() ?? null,
      this.changeSet ?? null,
    ]);
    if (row?.id === null || row?.id === undefined) return undefined;
    const created = row.id !== this.changeSet;
    this.changeSet = row.id;
    return { id: row.id, created };
  }

  /** Just before commit: a change set this transaction opened and wrote nothing into is dropped. */
  private async endChangeSet(opened: { id: number; created: boolean }): Promise<void> {
    const [row] = await this.session.query<{ kept: boolean }>(`SELECT crm.crm_end_change_set($1, $2) AS kept`, [opened.id, opened.created]);
    if (!row?.kept || this.writer.command === undefined) this.changeSet = undefined;
  }

  /**
   * LISTEN on a second connection: the notification says a change committed, never what.
   * While the audit log is not settled (another transaction may still commit entries below the
   * ids already visible, see PgAuditRepository.latestId), every interval counts as a change,
   * so that the entries held back show once it is, even if that transaction rolled back.
   */
  async watchChanges(): Promise<ChangeFeed> {
    const listener = await this.database.pool.connect().catch((error: unknown) => {
      throw serverError(error);
    });
    let pending = false;
    let wake: (() => void) | undefined;
    let failure: unknown;
    const onNotification = () => {
      pending = true;
      wake?.();
    };
    const onError = (error: unknown) => {
      failure = error;
      wake?.();
    };
    listener.on('notification', onNotification);
    listener.on('error', onError);
    await listener.query(`LISTEN ${CHANGES_CHANNEL}`);
    return {
      next: async (ms) => {
        if (!pending && failure === undefined) {
          await new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, ms);
            wake = () => {
              clearTimeout(timer);
              resolve();
            };
          });
          wake = undefined;
        }
        if (failure !== undefined) throw serverError(failure);
        const changed = pending || this.repositories.audit.heldBack;
        pending = false;
        return changed;
      },
      close: async () => {
        // A pending next() ends now, false, so a stopped watch exits without waiting out its interval.
        wake?.();
        listener.off('notification', onNotification);
        listener.off('error', onError);
        await listener.query(`UNLISTEN ${CHANGES_CHANNEL}`).catch(() => undefined);
        listener.release();
      },
    };
  }

  /** The server names the connected role in the audit log; the clock and command line are used here. */
  async bulkTransfer(): Promise<BulkTransfer> {
    const { PgBulkTransfer } = await import('./bulk-transfer.js');
    return new PgBulkTransfer(this.session, this);
  }

  identifyWriter(writer: AuditWriter): void {
    this.writer = writer;
    // A new command: its writes start a change set of their own.
    this.changeSet = undefined;
  }

  /** A PostgreSQL writer waits on row locks, not on a whole-database lock; nothing to tell. */
  onLockWait(_listener: (() => void) | undefined): void {}

  async close(): Promise<void> {
    this.session.client.release();
    await this.database.close();
  }
}

export function openPgStore(url: string, options: StoreOptions): Promise<Store> {
  return PgStore.open(url, options);
}

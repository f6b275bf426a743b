import type { AuditEntry } from '../domain/audit.js';
import { NotFoundError, UsageError } from '../domain/errors.js';
import { parseInstantOrAgo } from '../domain/time.js';
import { nowIso, type Clock } from '../domain/types.js';
import type { TableName } from '../domain/vocabulary.js';
import type { AuditedCustomer, AuditRepository, Store } from '../repositories/ports.js';
import type { CustomerService } from './customers.js';
import { resolveRef, type RefSource } from './refs.js';

export interface CustomerHistory {
  customer: AuditedCustomer & { deleted: boolean };
  entries: AuditEntry[];
}

export interface WatchOptions {
  table?: TableName;
  /** How often to look for other connections' commits. */
  intervalMs: number;
}

export interface AuditWatch {
  stop(): void;
  /** Rejects if reading the log fails (the watch has stopped by then); never resolves. */
  readonly failed: Promise<never>;
}

export interface PrunePlan {
  before: string;
  count: number;
}

/** Entries read per query while catching up, so a bulk write does not load at once. */
const WATCH_BATCH = 1000;

export class AuditService {
  private readonly audit: AuditRepository;
  private readonly deletedCustomers: RefSource<AuditedCustomer>;

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly customers: CustomerService,
  ) {
    this.audit = store.repositories.audit;
    const audit = this.audit;
    this.deletedCustomers = {
      get: (id) => audit.auditedCustomer(id),
      findByIdPrefix: (prefix, limit) => audit.auditedCustomersByIdPrefix(prefix, limit),
      findByName: (name) => audit.auditedCustomersByName(name),
    };
  }

  /**
   * A customer's audit entries and those of its interactions, oldest first. A customer that
   * has been deleted is found in the log itself (by id, id prefix or last known name).
   */
  async history(ref: string): Promise<CustomerHistory> {
    const { customer, entries: named } = await this.resolveCustomer(ref);
    const ids = new Set([customer.id]);
    let entries = named ?? (await this.audit.forCustomers([...ids]));
    // A raw `UPDATE customers SET id = ...` leaves the earlier entries under the old id.
    for (;;) {
      const earlierIds = entries
        .filter((entry) => entry.table_name === 'customers' && entry.action === 'update')
        .map((entry) => entry.old_values?.id)
        .filter((id): id is string => typeof id === 'string' && !ids.has(id));
      if (earlierIds.length === 0) break;
      for (const id of earlierIds) ids.add(id);
      entries = await this.audit.forCustomers([...ids]);
    }
    return { customer, entries };
  }

  /** The customer, and its entries when the ref's one read brought them too (a server's round trip). */
  private async resolveCustomer(ref: string): Promise<{ customer: CustomerHistory['customer']; entries?: AuditEntry[] }> {
    try {
      const { found, named } = await this.customers.resolveReading(ref, (query, limit) => this.store.repositories.customers.historyByRef(query, limit));
      return { customer: { id: found.id, name: found.name, deleted: false }, entries: named?.entries };
    } catch (error) {
      if (!(error instanceof NotFoundError)) throw error;
      try {
        // The log knows every name a customer ever had, so a former name can lead to a
        // customer that is still here under its new one.
        const logged = await resolveRef('customer', this.deletedCustomers, ref);
        const live = await this.customers.find(logged.id);
        return { customer: live ? { id: live.id, name: live.name, deleted: false } : { ...logged, deleted: true } };
      } catch (fallbackError) {
        // "No customer matches": the live lookup's message says it best.
        if (fallbackError instanceof NotFoundError) throw error;
        throw fallbackError;
      }
    }
  }

  /**
   * Calls `onEntry` for every entry recorded after the watch starts, by any process, until
   * stopped. The log is read only after the store says another connection has committed
   * (SQLite: `PRAGMA data_version`, which reads no table; PostgreSQL: a notification), and
   * read through the same rules as any query, so a member sees only their team's entries.
   */
  async watch(options: WatchOptions, onEntry: (entry: AuditEntry) => void): Promise<AuditWatch> {
    const changes = await this.store.watchChanges();
    let highWater: number;
    try {
      highWater = await this.audit.latestId();
    } catch (error) {
      await changes.close().catch(() => undefined);
      throw error;
    }
    let stopped = false;
    let fail: (error: unknown) => void = () => {};
    const failed = new Promise<never>((_, reject) => {
      fail = reject;
    });
    const catchUp = async () => {
      const top = await this.audit.latestId();
      for (;;) {
        const batch = await this.audit.between(highWater, top, options.table, WATCH_BATCH);
        for (const entry of batch) onEntry(entry);
        if (batch.length < WATCH_BATCH) break;
        highWater = batch.at(-1)!.id;
      }
      highWater = Math.max(highWater, top);
    };
    let closing: Promise<void> | undefined;
    // Ends a pending wait as well, so a stopped watch holds no timer or connection.
    const stop = () => {
      stopped = true;
      closing ??= changes.close().catch(() => undefined);
      return closing;
    };
    void (async () => {
      try {
        while (!stopped) {
          if ((await changes.next(options.intervalMs)) && !stopped) await catchUp();
        }
      } catch (error) {
        // After a stop the store may be closed under a read; that is no failure of the watch.
        if (!stopped) fail(error);
      } finally {
        await stop();
      }
    })();
    return {
      stop: () => {
        void stop();
      },
      failed,
    };
  }

  /**
   * Which entries `prune(before)` would delete. `before` is a date as users type it
   * (2026-01-31, today, ...) or a duration meaning that long ago (90d, 6m, 2y).
   */
  async planPrune(beforeText: string): Promise<PrunePlan> {
    const iso = parseInstantOrAgo(beforeText, this.clock.now()).toISOString();
    this.assertNotFuture(iso, beforeText.trim());
    return { before: iso, count: await this.audit.countBefore(iso) };
  }

  async prune(before: string): Promise<{ before: string; deleted: number }> {
    this.assertNotFuture(before, before);
    return { before, deleted: await this.store.maintenance.pruneAudit(before) };
  }

  /**
   * A cut-off after now would delete the whole log, the entries of the last minutes
   * included: almost certainly a slip (`tomorrow` for `1d`), and it cannot be undone.
   */
  private assertNotFuture(before: string, typed: string): void {
    if (before <= nowIso(this.clock)) return;
    const shown = typed === before ? before : `"${typed}" (${before})`;
    throw new UsageError(
      `the cut-off ${shown} is in the future; give a past date or a duration ago, like 2026-01-01 or 90d`,
    );
  }
}

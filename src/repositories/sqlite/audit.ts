import { and, asc, count, desc, eq, gt, inArray, lt, lte, max, sql, type SQL } from 'drizzle-orm';
import type { Drizzle } from '../../db/connection.js';
import { auditCustomerKey, auditLog, type AuditLogRow } from '../../db/schema.js';
import type { AuditEntry } from '../../domain/audit.js';
import type { AuditedCustomer, AuditRepository } from '../ports.js';
import { equalsIgnoringCase, startsWith } from './sql-helpers.js';

function parseValues(text: string | null): Record<string, unknown> | null {
  return text === null ? null : (JSON.parse(text) as Record<string, unknown>);
}

export function toAuditEntry(row: AuditLogRow): AuditEntry {
  return { ...row, old_values: parseValues(row.old_values), new_values: parseValues(row.new_values) };
}

const customerKey = auditCustomerKey(auditLog);
const auditedName = sql<string>`json_extract(coalesce(${auditLog.new_values}, ${auditLog.old_values}), '$.name')`;
const isCustomerEntry = eq(auditLog.table_name, 'customers');

function entriesOfCustomersQuery(orm: Drizzle, customerIds: readonly string[]) {
  return orm.select().from(auditLog).where(inArray(customerKey, [...customerIds])).orderBy(asc(auditLog.id));
}

/** Entries of these customers and of their interactions and tags, oldest first (audit_log_customer_idx). */
export function auditEntriesOfCustomers(orm: Drizzle, customerIds: readonly string[]): AuditEntry[] {
  return entriesOfCustomersQuery(orm, customerIds).all().map(toAuditEntry);
}

/** Read-only: the audit log is written by triggers (and src/db/audit.ts), never from here. */
export class SqliteAuditRepository implements AuditRepository {
  constructor(private readonly orm: Drizzle) {}

  /** Entries of these customers and of their interactions, oldest first (uses audit_log_customer_idx). */
  async forCustomers(customerIds: readonly string[]): Promise<AuditEntry[]> {
    return auditEntriesOfCustomers(this.orm, customerIds);
  }

  /** The query of `forCustomers`, for test/query-plans.test.ts to EXPLAIN. */
  forCustomersQuery(customerIds: readonly string[]) {
    return entriesOfCustomersQuery(this.orm, customerIds);
  }

  /** Entries with from < id <= to, oldest first, optionally of one table. */
  async between(fromId: number, toId: number, tableName: string | undefined, limit: number): Promise<AuditEntry[]> {
    return this.orm
      .select()
      .from(auditLog)
      .where(
        and(
          gt(auditLog.id, fromId),
          lte(auditLog.id, toId),
          tableName === undefined ? undefined : eq(auditLog.table_name, tableName),
        ),
      )
      .orderBy(asc(auditLog.id))
      .limit(limit)
      .all()
      .map(toAuditEntry);
  }

  /** The newest entry's id (0 for an empty log): a cheap B-tree seek to the last row. */
  async latestId(): Promise<number> {
    return this.orm.select({ id: auditLog.id }).from(auditLog).orderBy(desc(auditLog.id)).limit(1).get()?.id ?? 0;
  }

  async countBefore(before: string): Promise<number> {
    return this.orm.select({ n: count() }).from(auditLog).where(lt(auditLog.created_at, before)).get()?.n ?? 0;
  }

  async auditedCustomer(id: string): Promise<AuditedCustomer | undefined> {
    const row = this.orm
      .select({ id: auditLog.record_id, name: auditedName })
      .from(auditLog)
      .where(and(eq(customerKey, id), isCustomerEntry))
      .orderBy(desc(auditLog.id))
      .limit(1)
      .get();
    return row?.id ? { id: row.id, name: row.name } : undefined;
  }

  async auditedCustomersByIdPrefix(prefix: string, limit: number): Promise<AuditedCustomer[]> {
    return this.latestNames(startsWith(auditLog.record_id, prefix), limit);
  }

  async auditedCustomersByName(name: string): Promise<AuditedCustomer[]> {
    return this.latestNames(equalsIgnoringCase(auditedName, name));
  }

  /**
   * The customers with an entry matching `condition`, each with the name of its latest
   * entry, in one query: SQLite takes the bare columns of a max() group from the row
   * holding the maximum.
   */
  private latestNames(condition: SQL, limit?: number): AuditedCustomer[] {
    const matching = this.orm
      .select({ id: auditLog.record_id })
      .from(auditLog)
      .where(and(isCustomerEntry, condition));
    const query = this.orm
      .select({ id: auditLog.record_id, name: auditedName, latest: max(auditLog.id) })
      .from(auditLog)
      .where(and(isCustomerEntry, inArray(customerKey, matching)))
      .groupBy(auditLog.record_id)
      .orderBy(asc(auditLog.record_id));
    const rows = limit === undefined ? query.all() : query.limit(limit).all();
    return rows.flatMap(({ id, name }) => (id ? [{ id, name }] : []));
  }
}

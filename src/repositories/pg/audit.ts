import { foldCase } from '../../db/connection.js';
import type { AuditEntry } from '../../domain/audit.js';
import type { AuditedCustomer, AuditRepository } from '../ports.js';
import { streamRows } from './cursor.js';
import { AUDIT_COLUMNS } from './queries.js';
import type { PgSession } from './store.js';

/** An audit_log row as the server returns it, values still JSON text. */
export interface AuditRow {
  id: number;
  table_name: string;
  record_id: string | null;
  action: string;
  old_values: string | null;
  new_values: string | null;
  actor: string;
  created_at: string;
  change_set: number | null;
}

const COLUMNS = AUDIT_COLUMNS.join(', ');

/**
 * The team's entries of some customers and of their interactions (`a`), found through
 * audit_log_customer_idx by crm.crm_audit_of_customers (drizzle/pg/0003): under row-level
 * security a member's own condition on that expression could not use the index.
 */
const OF_CUSTOMERS = (ids: string) => `crm.crm_audit_of_customers(${ids}) AS a`;

/** A customer entry's name: the new one, or for a delete the last one. */
const AUDITED_NAME = `(coalesce(new_values, old_values)::json ->> 'name')`;

const ASCII_UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const ASCII_LOWER = ASCII_UPPER.toLowerCase();

/** `LIKE` treats % and _ as wildcards; user input is matched literally. */
function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (char) => `\\${char}`);
}

function parseValues(text: string | null): Record<string, unknown> | null {
  return text === null ? null : (JSON.parse(text) as Record<string, unknown>);
}

export function toAuditEntry(row: AuditRow): AuditEntry {
  return { ...row, old_values: parseValues(row.old_values), new_values: parseValues(row.new_values) };
}

/**
 * The team's audit log on its server, read through row-level security (a member sees their
 * team's entries only). Written by the server's triggers, never from here. Entries come back
 * as SQLite's: the JSON of the values parsed, instants as ISO text, ids as numbers.
 */
export class PgAuditRepository implements AuditRepository {
  private settledId: number | undefined;
  private behind = false;

  constructor(private readonly session: PgSession) {}

  /** Entries of these customers and of their interactions, oldest first (audit_log_customer_idx). */
  async forCustomers(customerIds: readonly string[]): Promise<AuditEntry[]> {
    const rows = await this.session.query<AuditRow>(
      `SELECT ${COLUMNS} FROM ${OF_CUSTOMERS('$1::text[]')} ORDER BY a.id`,
      [[...customerIds]],
    );
    return rows.map(toAuditEntry);
  }

  async between(fromId: number, toId: number, tableName: string | undefined, limit: number): Promise<AuditEntry[]> {
    const values: unknown[] = [fromId, toId, limit];
    const table = tableName === undefined ? '' : `AND table_name = $${values.push(tableName)}`;
    const rows = await this.session.query<AuditRow>(
      `SELECT ${COLUMNS} FROM crm.audit_log WHERE id > $1 AND id <= $2 ${table} ORDER BY id LIMIT $3`,
      values,
    );
    return rows.map(toAuditEntry);
  }

  /**
   * The id up to which the log is complete. On SQLite writers take turns, so that is the
   * newest entry; here ids are handed out as rows are written, and a transaction still open
   * may commit entries with smaller ids than some already visible (crm.crm_audit_watermark in
   * drizzle/pg/0003). While one may, the last settled id is kept (`heldBack`), so that a
   * watch reading up to it misses nothing; its first call takes the current id as the start.
   */
  async latestId(): Promise<number> {
    const [row] = await this.session.query<{ last_id: number; settled: boolean }>(
      `SELECT last_id, settled FROM crm.crm_audit_watermark()`,
    );
    const lastId = Number(row?.last_id ?? 0);
    if (row?.settled || this.settledId === undefined) this.settledId = lastId;
    this.behind = !row?.settled;
    return this.settledId;
  }

  /** Whether the last `latestId` held back entries that another transaction may still precede. */
  get heldBack(): boolean {
    return this.behind;
  }

  async countBefore(before: string): Promise<number> {
    const [row] = await this.session.query<{ n: number }>(
      `SELECT count(*)::integer AS n FROM crm.audit_log WHERE created_at < $1::timestamptz`,
      [before],
    );
    return row?.n ?? 0;
  }

  async auditedCustomer(id: string): Promise<AuditedCustomer | undefined> {
    const [row] = await this.session.query<{ id: string | null; name: string }>(
      `SELECT a.record_id AS id, ${AUDITED_NAME} AS name FROM ${OF_CUSTOMERS('ARRAY[$1::text]')}
        WHERE a.table_name = 'customers' ORDER BY a.id DESC LIMIT 1`,
      [id],
    );
    return row?.id ? { id: row.id, name: row.name } : undefined;
  }

  /** Ids starting with the prefix, ignoring ASCII case as SQLite's LIKE does. */
  async auditedCustomersByIdPrefix(prefix: string, limit: number): Promise<AuditedCustomer[]> {
    return this.latestNames(
      `translate(record_id, '${ASCII_UPPER}', '${ASCII_LOWER}') LIKE $1 ESCAPE '\\'`,
      [`${escapeLike(asciiLower(prefix))}%`],
      limit,
    );
  }

  /**
   * Names equal after foldCase (any script), as on SQLite, where crm_fold() is that same
   * JavaScript. The server cannot run it: the team's distinct logged names are read through a
   * cursor and folded here, then the matching ones are looked up. Only a ref that names no
   * live customer comes here (SQLite folds every entry's name for it too).
   */
  async auditedCustomersByName(name: string): Promise<AuditedCustomer[]> {
    const wanted = foldCase(name);
    const matching: string[] = [];
    const names = streamRows<{ name: string }>(
      this.session,
      `SELECT DISTINCT ${AUDITED_NAME} AS name FROM crm.audit_log WHERE table_name = 'customers' AND ${AUDITED_NAME} IS NOT NULL`,
    );
    for await (const row of names) if (foldCase(row.name) === wanted) matching.push(row.name);
    if (matching.length === 0) return [];
    return this.latestNames(`${AUDITED_NAME} = ANY($1::text[])`, [matching]);
  }

  /**
   * The customers with an entry matching `condition` (a scan of the team's customer entries,
   * as on SQLite), each with the name of its latest entry, by id in byte order (SQLite's):
   * one DISTINCT ON per customer.
   */
  private async latestNames(condition: string, values: unknown[], limit?: number): Promise<AuditedCustomer[]> {
    const limited = limit === undefined ? '' : `LIMIT $${values.push(limit)}`;
    const matching = `ARRAY(SELECT DISTINCT record_id FROM crm.audit_log WHERE table_name = 'customers' AND record_id IS NOT NULL AND ${condition})`;
    const rows = await this.session.query<{ id: string | null; name: string }>(
      `SELECT DISTINCT ON (a.record_id COLLATE "C") a.record_id AS id, ${AUDITED_NAME} AS name
         FROM ${OF_CUSTOMERS(matching)}
        WHERE a.table_name = 'customers'
        ORDER BY a.record_id COLLATE "C", a.id DESC
        ${limited}`,
      values,
    );
    return rows.flatMap(({ id, name }) => (id ? [{ id, name }] : []));
  }
}

function asciiLower(text: string): string {
  return text.replace(/[A-Z]/g, (char) => char.toLowerCase());
}

import { getTableConfig, type SQLiteTable } from 'drizzle-orm/sqlite-core';
import { companies, customerExternalIds, customerInteractions, customers, customerTags, products, settings } from './schema.js';

/**
 * The SQLite audit triggers, generated from the drizzle schema: one source for the columns an
 * entry records, so a column added to a table cannot be left out of its history. A migration
 * that changes an audited table's columns re-creates its triggers from here
 * (`npm run db:audit-triggers`), and test/audit-triggers.test.ts fails while the triggers in a
 * migrated file differ from what this generates. (PostgreSQL's audit trigger turns the whole
 * row into JSON itself, drizzle/pg/0001_rules.sql, so it has nothing to keep in step.)
 */
export interface AuditedTable {
  readonly table: SQLiteTable;
  /** The column an entry is filed under: a customer's history finds its external ids by customer_id. */
  readonly recordId: string;
  /**
   * Whether the table has a touch trigger that answers a raw UPDATE with a second UPDATE of
   * updated_at (drizzle/0005): the first entry then already shows the touched updated_at and
   * the touch itself is not logged, so one edit is one entry.
   */
  readonly touched: boolean;
}

export const AUDITED_TABLES: readonly AuditedTable[] = [
  { table: products, recordId: 'id', touched: true },
  { table: companies, recordId: 'id', touched: true },
  { table: customers, recordId: 'id', touched: true },
  { table: customerInteractions, recordId: 'id', touched: false },
  { table: customerExternalIds, recordId: 'customer_id', touched: false },
  // Filed under the customer, so `crm history` shows a customer's tags coming and going.
  { table: customerTags, recordId: 'customer_id', touched: false },
  { table: settings, recordId: 'key', touched: true },
];

const NOW = `strftime('%Y-%m-%dT%H:%M:%fZ', 'now')`;
const SUMMARY_MODE_OFF = "(SELECT `mode` FROM `audit_context`) IS NOT 'summary'";
const RAW_WRITE = 'NOT EXISTS (SELECT 1 FROM `audit_context`)';

interface Column {
  name: string;
  boolean: boolean;
}

function columnsOf(table: SQLiteTable): Column[] {
  return getTableConfig(table).columns.map((column) => ({ name: column.name, boolean: column.columnType === 'SQLiteBoolean' }));
}

/** A row as the JSON object audit entries hold: booleans as true/false, everything else as stored. */
function rowJson(columns: Column[], row: 'NEW' | 'OLD', updatedAt?: string): string {
  const pairs = columns.map(({ name, boolean }) => {
    if (name === 'updated_at' && updatedAt) return `'${name}', ${updatedAt}`;
    const value = `${row}.\`${name}\``;
    return `'${name}', ${boolean ? `json(CASE WHEN ${value} THEN 'true' ELSE 'false' END)` : value}`;
  });
  return `json_object(${pairs.join(', ')})`;
}

function entry(tableName: string, recordId: string, action: string, oldValues: string, newValues: string): string {
  return `INSERT INTO \`audit_log\` (\`table_name\`, \`record_id\`, \`action\`, \`old_values\`, \`new_values\`, \`actor\`, \`created_at\`)
  VALUES (
    '${tableName}', ${recordId}, '${action}', ${oldValues}, ${newValues},
    coalesce((SELECT \`actor\` FROM \`audit_context\`), ''),
    coalesce((SELECT \`at\` FROM \`audit_context\`), ${NOW})
  );`;
}

export function auditTriggerNames(audited: AuditedTable): string[] {
  const name = getTableConfig(audited.table).name;
  return ['insert', 'update', 'delete'].map((action) => `${name}_audit_${action}`);
}

/** The three CREATE TRIGGER statements of one audited table. */
export function auditTriggerStatements(audited: AuditedTable): string[] {
  const name = getTableConfig(audited.table).name;
  const columns = columnsOf(audited.table);
  const [insert, update, remove] = auditTriggerNames(audited);
  const unchangedButTouch = columns
    .filter((column) => column.name !== 'updated_at')
    .map((column) => `NEW.\`${column.name}\` IS OLD.\`${column.name}\``)
    .join(' AND ');
  const updateWhen = audited.touched
    ? `${SUMMARY_MODE_OFF}
  AND NOT (
    ${RAW_WRITE}
    AND NEW.\`updated_at\` = ${NOW}
    AND ${unchangedButTouch}
  )`
    : SUMMARY_MODE_OFF;
  const touchedUpdatedAt = audited.touched
    ? `CASE WHEN NEW.\`updated_at\` IS OLD.\`updated_at\` AND ${RAW_WRITE} THEN ${NOW} ELSE NEW.\`updated_at\` END`
    : undefined;
  return [
    `CREATE TRIGGER \`${insert}\`
AFTER INSERT ON \`${name}\`
WHEN ${SUMMARY_MODE_OFF}
BEGIN
  ${entry(name, `NEW.\`${audited.recordId}\``, 'insert', 'NULL', rowJson(columns, 'NEW'))}
END`,
    `CREATE TRIGGER \`${update}\`
AFTER UPDATE ON \`${name}\`
WHEN ${updateWhen}
BEGIN
  ${entry(name, `NEW.\`${audited.recordId}\``, 'update', rowJson(columns, 'OLD'), rowJson(columns, 'NEW', touchedUpdatedAt))}
END`,
    `CREATE TRIGGER \`${remove}\`
AFTER DELETE ON \`${name}\`
WHEN ${SUMMARY_MODE_OFF}
BEGIN
  ${entry(name, `OLD.\`${audited.recordId}\``, 'delete', rowJson(columns, 'OLD'), 'NULL')}
END`,
  ];
}

/** A custom migration's text that re-creates every audit trigger from the schema. */
export function auditTriggersMigration(): string {
  const statements = AUDITED_TABLES.flatMap((audited) => [
    ...auditTriggerNames(audited).map((name) => `DROP TRIGGER IF EXISTS \`${name}\``),
    ...auditTriggerStatements(audited),
  ]);
  return `-- Generated by \`npm run db:audit-triggers\` from src/db/audit-triggers.ts: do not edit by hand.\n${statements
    .map((statement) => `${statement};`)
    .join('\n--> statement-breakpoint\n')}\n`;
}

/** Trigger SQL compared as SQL, not as layout: runs of white space are one, none around brackets. */
export function normalizeSql(sql: string): string {
  return sql
    .replace(/\s+/g, ' ')
    .replace(/\s*([(),])\s*/g, '$1')
    .replace(/;\s*$/, '')
    .trim();
}

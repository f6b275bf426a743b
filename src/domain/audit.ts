import { UsageError } from './errors.js';
import { TABLE_NAMES, type TableName } from './vocabulary.js';

/**
 * One audit log entry as commands show it (`--json` too): the audit_log columns, with
 * old_values / new_values parsed from their JSON text.
 */
export interface AuditEntry {
  id: number;
  table_name: string;
  /** Null for summary entries that stand for many rows (a bulk import, a prune). */
  record_id: string | null;
  /** `insert`, `update`, `delete`; summary entries name their own (`import`, `prune`...). */
  action: string;
  old_values: Record<string, unknown> | null;
  new_values: Record<string, unknown> | null;
  /** CRM_OWNER or the OS user of a crm write; empty for a write made outside crm. */
  actor: string;
  created_at: string;
  /** The change set of the crm command that wrote it (`crm undo --list`); null outside crm. */
  change_set: number | null;
}

export interface FieldChange {
  field: string;
  /** Undefined when the row did not exist before (insert). */
  old?: unknown;
  /** Undefined when the row no longer exists (delete). */
  new?: unknown;
}

/**
 * What an entry changed, field by field: every field of an inserted or deleted row, and
 * only the fields whose value differs for an update.
 */
export function fieldChanges(entry: AuditEntry): FieldChange[] {
  const before = entry.old_values ?? {};
  const after = entry.new_values ?? {};
  const fields = [...new Set([...Object.keys(before), ...Object.keys(after)])];
  return fields.flatMap((field) => {
    const change: FieldChange = { field };
    if (entry.old_values && field in before) change.old = before[field];
    if (entry.new_values && field in after) change.new = after[field];
    if (entry.old_values && entry.new_values && JSON.stringify(change.old) === JSON.stringify(change.new)) {
      return [];
    }
    return [change];
  });
}

/** Singular nouns as the CLI uses them, so `--table customer` means what the user meant. */
const TABLE_ALIASES: Record<string, TableName> = {
  product: 'products',
  customer: 'customers',
  interaction: 'customer_interactions',
  interactions: 'customer_interactions',
  external_ids: 'customer_external_ids',
  company: 'companies',
  setting: 'settings',
  tag: 'customer_tags',
  tags: 'customer_tags',
};

export function parseTableName(text: string): TableName {
  const lower = text.trim().toLowerCase();
  if ((TABLE_NAMES as readonly string[]).includes(lower)) return lower as TableName;
  const alias = TABLE_ALIASES[lower];
  if (alias) return alias;
  throw new UsageError(`unknown table "${text}": use one of ${TABLE_NAMES.join(', ')}`);
}

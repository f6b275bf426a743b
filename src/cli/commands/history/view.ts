import { fieldChanges, type AuditEntry, type FieldChange } from '../../../domain/audit.js';
import { shortId } from '../../../domain/ids.js';
import type { Paint } from '../../paint.js';

const NOUNS: Record<string, string> = {
  products: 'product',
  customers: 'customer',
  customer_interactions: 'interaction',
  customer_tags: 'tag',
  audit_log: 'audit log',
};

const ACTION_COLOURS: Record<string, 'green' | 'yellow' | 'red'> = {
  insert: 'green',
  update: 'yellow',
  delete: 'red',
};

/** One line per value: a note's line breaks would otherwise break the layout. */
export function displayValue(value: unknown): string {
  if (value === undefined || value === null) return '(none)';
  if (typeof value === 'string') return value.replace(/\r?\n/g, '\\n');
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

function recordLabel(entry: AuditEntry): string | undefined {
  const row = entry.new_values ?? entry.old_values;
  if (!row || entry.record_id === null) return undefined;
  if (entry.table_name === 'customer_interactions') return `${displayValue(row.type)} (${displayValue(row.channel)})`;
  if (entry.table_name === 'customer_tags') return displayValue(row.tag);
  return typeof row.name === 'string' ? row.name : undefined;
}

/** `<when>  <action>  <what> <id>  "<name>"  by <actor>` */
export function entryHeadline(entry: AuditEntry, paint: Paint): string {
  const colour = ACTION_COLOURS[entry.action] ?? 'cyan';
  const noun = NOUNS[entry.table_name] ?? entry.table_name;
  const label = recordLabel(entry);
  return [
    paint.dim(entry.created_at),
    paint[colour](entry.action.padEnd(6)),
    entry.record_id === null ? noun : `${noun} ${shortId(entry.record_id)}`,
    label === undefined ? undefined : `"${label}"`,
    entry.actor ? `by ${entry.actor}` : paint.dim('outside crm'),
  ]
    .filter((part) => part !== undefined)
    .join('  ');
}

export function changeText(change: FieldChange, paint: Paint): string {
  if (!('old' in change)) return `${change.field}: ${paint.green(displayValue(change.new))}`;
  if (!('new' in change)) return `${change.field}: ${paint.red(displayValue(change.old))}`;
  return `${change.field}: ${paint.red(displayValue(change.old))} → ${paint.green(displayValue(change.new))}`;
}

/**
 * The fields worth printing under an entry: what an update changed; the values of an
 * inserted or deleted row (its id is in the headline, empty fields say nothing).
 */
export function shownChanges(entry: AuditEntry): FieldChange[] {
  const changes = fieldChanges(entry);
  if (entry.action === 'update' || entry.record_id === null) return changes;
  return changes.filter(
    (change) => change.field !== 'id' && ('new' in change ? change.new : change.old) !== null,
  );
}

import type { AuditEntry } from '../domain/audit.js';
import { rowKey, UNDOABLE_TABLES } from '../domain/change-sets.js';
import { ConflictError, NotFoundError, RuleViolationError } from '../domain/errors.js';
import { shortId } from '../domain/ids.js';
import type { ChangeSet, ChangeSetRepository, RevertRepository, RowImage, RowKey, Store } from '../repositories/ports.js';

/** How many change sets `undo --list` shows unless told. */
export const DEFAULT_LIST_LIMIT = 20;
/** Audit entries read per query while loading a change set (an import may have 100k). */
const ENTRY_PAGE = 5_000;
/** At most this many records are named when an undo is refused; the rest are counted. */
const NAMED_CONFLICTS = 10;

/** A change set as `undo --list` shows it. */
export interface ChangeSetSummary extends ChangeSet {
  /** Audit entries per table and action: { customers: { insert: 3 } }. */
  counts: Record<string, Record<string, number>>;
  /** The change set that took this one back, if any. */
  undone_by: number | null;
  /** Why `crm undo` cannot take it back, when it cannot. */
  not_undoable: string | null;
}

/** One row's part in a change set: how it was before the first entry and after the last. */
interface RowChange {
  table: string;
  key: RowKey;
  /** Null: the change set inserted the row. */
  before: RowImage | null;
  /** Null: the change set deleted the row. */
  after: RowImage | null;
}

export interface UndoPlan {
  changeSet: ChangeSet;
  /** Rows per table the undo deletes, puts back and sets back. */
  counts: Record<string, { removed: number; restored: number; reverted: number }>;
  rows: number;
  /** The undo that already took this change set back, if any. */
  undoneBy: ChangeSet | null;
}

export type UndoStep = 'reverted' | 'committed';

export interface UndoResult {
  changeSet: ChangeSet;
  counts: UndoPlan['counts'];
  rows: number;
}

/** A change set is refused whole: nothing of it is taken back. */
export class NotUndoableError extends RuleViolationError {}

const noun = (table: string) =>
  ({ products: 'product', customers: 'customer', customer_interactions: 'interaction', customer_external_ids: 'external id', customer_tags: 'tag' })[table] ??
  table;

function describeRow(change: { table: string; key: RowKey }, image: RowImage | null): string {
  const id = typeof change.key.id === 'string' ? shortId(change.key.id) : Object.values(change.key).join(':');
  const name = typeof image?.name === 'string' ? ` "${image.name}"` : typeof image?.type === 'string' ? ` "${image.type}"` : '';
  return `${noun(change.table)}${name} (${id})`;
}

/** Equal as the audit log shows them: every column the after-image has. */
function sameImage(current: RowImage | null, expected: RowImage | null): boolean {
  if (current === null || expected === null) return current === expected;
  return Object.keys(expected).every((column) => JSON.stringify(current[column] ?? null) === JSON.stringify(expected[column] ?? null));
}

/**
 * `crm undo`: takes back one change set (everything one crm command changed) from its audit
 * entries, in one transaction, and is itself a change set that can be taken back. It is
 * refused, naming the records, when a later change has touched the same rows (their state is
 * no longer what the change set left), or would lose rows added since (an interaction logged
 * on a customer the change set created). Bulk writes audited as one summary entry (imports
 * with --audit summary, prunes) left no rows to put back and are refused.
 */
export class UndoService {
  private readonly changeSets: ChangeSetRepository;
  private readonly revert: RevertRepository;

  constructor(private readonly store: Store) {
    this.changeSets = store.repositories.changeSets;
    this.revert = store.repositories.revert;
  }

  async list(limit = DEFAULT_LIST_LIMIT): Promise<ChangeSetSummary[]> {
    return this.store.read(async () => {
      const sets = await this.changeSets.recent(limit);
      const ids = sets.map((set) => set.id);
      const tallies = await this.changeSets.tallies(ids);
      const undoneBy = new Map((await this.changeSets.undoing(ids)).map((undo) => [undo.undoes!, undo.id]));
      return sets.map((set) => {
        const counts: ChangeSetSummary['counts'] = {};
        let notUndoable: string | null = null;
        for (const tally of tallies.filter((t) => t.change_set === set.id)) {
          (counts[tally.table_name] ??= {})[tally.action] = tally.count;
          notUndoable ??= whyNotUndoable(tally.table_name, tally.action);
        }
        return { ...set, counts, undone_by: undoneBy.get(set.id) ?? null, not_undoable: notUndoable };
      });
    });
  }

  /** The change set `undo` would take back: the one named, else the newest of whoever runs it. */
  private async target(id: number | undefined): Promise<ChangeSet> {
    if (id !== undefined) {
      const found = await this.changeSets.get(id);
      if (!found) throw new NotFoundError(`no change set ${id} (crm undo --list shows them)`);
      return found;
    }
    const latest = await this.changeSets.latestOwn();
    if (!latest) throw new NotFoundError('nothing to undo: no change made by you is recorded (crm undo --list shows every change set)');
    return latest;
  }

  /** What undoing would do; with `check`, refuses now rather than after a confirmation. */
  async plan(id: number | undefined, options: { check?: boolean } = {}): Promise<UndoPlan> {
    return this.store.read(async () => {
      const changeSet = await this.target(id);
      const rows = await this.rowChanges(changeSet);
      const undoneBy = (await this.changeSets.undoing([changeSet.id])).at(-1) ?? null;
      if (options.check) await this.refuseConflicts(changeSet, rows, undoneBy);
      return { changeSet, counts: countsOf(rows), rows: rows.length, undoneBy };
    });
  }

  async undo(id: number | undefined, options: { onStep?: (step: UndoStep) => void } = {}): Promise<UndoResult> {
    const result = await this.store.write(async () => {
      const changeSet = await this.target(id);
      const rows = await this.rowChanges(changeSet);
      const undoneBy = (await this.changeSets.undoing([changeSet.id])).at(-1) ?? null;
      await this.refuseConflicts(changeSet, rows, undoneBy);
      await this.apply(rows);
      await this.changeSets.markUndo(changeSet.id);
      options.onStep?.('reverted');
      return { changeSet, counts: countsOf(rows), rows: rows.length };
    });
    options.onStep?.('committed');
    return result;
  }

  /** Each row the change set touched, once: its state before the first entry and after the last. */
  private async rowChanges(changeSet: ChangeSet): Promise<RowChange[]> {
    const rows = new Map<string, RowChange>();
    let after = 0;
    let seen = 0;
    for (;;) {
      const page = await this.changeSets.entries(changeSet.id, after, ENTRY_PAGE);
      for (const entry of page) {
        seen += 1;
        const refusal = whyNotUndoable(entry.table_name, entry.action);
        if (refusal) throw new NotUndoableError(`cannot undo change set ${changeSet.id} (${shownCommand(changeSet)}): ${refusal}; nothing was changed`);
        if (entry.action === 'merge') continue;
        addEntry(rows, entry, changeSet);
      }
      if (page.length < ENTRY_PAGE) break;
      after = page.at(-1)!.id;
    }
    if (seen === 0) {
      throw new NotUndoableError(
        `cannot undo change set ${changeSet.id} (${shownCommand(changeSet)}): its audit entries have been pruned; nothing was changed`,
      );
    }
    return [...rows.values()].filter((row) => !(row.before === null && row.after === null));
  }

  /**
   * Refuses when undoing would overwrite or lose a later change: a row no longer as the change
   * set left it; a row about to go that others now point at (an interaction logged since on a
   * customer the change set created); a row coming back whose parent has gone since.
   */
  private async refuseConflicts(changeSet: ChangeSet, rows: readonly RowChange[], undoneBy: ChangeSet | null): Promise<void> {
    const problems: string[] = [];
    const byTable = groupBy(rows, (row) => row.table);
    for (const [table, changes] of byTable) {
      const current = await this.revert.current(table, changes.map((change) => change.key));
      changes.forEach((change, index) => {
        const now = current[index] ?? null;
        if (sameImage(now, change.after)) return;
        const what = now === null ? 'was deleted' : change.after === null ? 'was put back' : 'was changed';
        problems.push(`${describeRow(change, now ?? change.after ?? change.before)} ${what} since`);
      });
    }
    const touched = new Map(rows.map((row) => [`${row.table}\u0000${JSON.stringify(row.key)}`, row]));
    for (const [table, changes] of byTable) {
      const leaving = changes.filter((change) => change.before === null).map((change) => String(change.key.id));
      if (leaving.length === 0) continue;
      const leavingSet = new Set(leaving);
      for (const dependent of await this.revert.dependents(table, leaving)) {
        const own = touched.get(`${dependent.table}\u0000${JSON.stringify(dependent.key)}`);
        const parentColumn = UNDOABLE_TABLES[dependent.table]?.parent?.column;
        // Fine when the undo deletes it too, or points it elsewhere again.
        if (own && (own.before === null || (parentColumn && !leavingSet.has(String(own.before[parentColumn]))))) continue;
        problems.push(`${describeRow({ table: dependent.table, key: dependent.key }, null)} was added since to ${noun(table)} ${shortId(dependent.parent)}`);
      }
    }
    for (const [table, changes] of byTable) {
      const parent = UNDOABLE_TABLES[table]?.parent;
      if (!parent) continue;
      const needed = new Set(
        changes.flatMap((change) => {
          const value = change.before?.[parent.column];
          return typeof value === 'string' && value !== '' ? [value] : [];
        }),
      );
      const comingBack = new Set(rows.filter((row) => row.table === parent.table && row.before !== null).map((row) => String(row.key.id)));
      const missing = [...needed].filter((id) => !comingBack.has(id));
      if (missing.length === 0) continue;
      const present = await this.revert.current(parent.table, missing.map((id) => ({ id })));
      missing.forEach((id, index) => {
        if (present[index] === null) problems.push(`${noun(parent.table)} ${shortId(id)} was deleted since`);
      });
    }
    if (problems.length === 0) return;
    const named = problems.slice(0, NAMED_CONFLICTS);
    const more = problems.length - named.length;
    const already = undoneBy ? ` It was already undone by change set ${undoneBy.id}; \`crm undo ${undoneBy.id}\` takes that back.` : '';
    throw new ConflictError(
      `cannot undo change set ${changeSet.id} (${shownCommand(changeSet)}): later changes touched the same records: ` +
        `${named.join('; ')}${more > 0 ? `; and ${more} more` : ''}.${already} Nothing was changed.`,
    );
  }

  /** Rows coming back go parents first; rows going away go children first. */
  private async apply(rows: readonly RowChange[]): Promise<void> {
    const rank = (table: string) => UNDOABLE_TABLES[table]!.rank;
    const tables = [...new Set(rows.map((row) => row.table))].sort((a, b) => rank(a) - rank(b));
    const of = (table: string, kind: 'restore' | 'revert' | 'remove') =>
      rows.filter(
        (row) =>
          row.table === table &&
          (kind === 'restore' ? row.after === null : kind === 'remove' ? row.before === null : row.before !== null && row.after !== null),
      );
    for (const table of tables) {
      const restored = of(table, 'restore');
      if (restored.length > 0) await this.revert.insert(table, restored.map((row) => row.before!));
    }
    for (const table of tables) {
      const reverted = of(table, 'revert');
      if (table === 'customer_interactions') {
        // Only an interaction's customer ever changes (a merge); the rest is immutable.
        const byCustomer = groupBy(reverted, (row) => String(row.before!.customer_id));
        for (const [customerId, moved] of byCustomer) {
          await this.revert.moveInteractions(moved.map((row) => String(row.key.id)), customerId);
        }
      } else if (reverted.length > 0) {
        await this.revert.overwrite(table, reverted.map((row) => row.before!));
      }
    }
    for (const table of [...tables].reverse()) {
      const removed = of(table, 'remove');
      if (removed.length > 0) await this.revert.delete(table, removed.map((row) => row.key));
    }
  }
}

/** Why an entry's change set cannot be taken back, or null. */
function whyNotUndoable(table: string, action: string): string | null {
  if (action === 'merge' && table === 'customers') return null;
  if (!['insert', 'update', 'delete'].includes(action)) {
    return `it was audited as one summary entry (${action}${table === 'audit_log' ? '' : ` of ${table}`}), which holds no rows to put back (imports audited with --audit rows can be undone)`;
  }
  if (!UNDOABLE_TABLES[table]) return `it changed ${table}, which undo cannot put back`;
  return null;
}

function addEntry(rows: Map<string, RowChange>, entry: AuditEntry, changeSet: ChangeSet): void {
  const image = entry.new_values ?? entry.old_values;
  if (!image) return;
  const key = rowKey(entry.table_name, image);
  if (entry.old_values && entry.new_values && JSON.stringify(rowKey(entry.table_name, entry.old_values)) !== JSON.stringify(key)) {
    throw new NotUndoableError(
      `cannot undo change set ${changeSet.id} (${shownCommand(changeSet)}): it changed the key of ${noun(entry.table_name)} ${JSON.stringify(rowKey(entry.table_name, entry.old_values))}; nothing was changed`,
    );
  }
  const id = `${entry.table_name}\u0000${JSON.stringify(key)}`;
  const known = rows.get(id);
  if (known) known.after = entry.new_values;
  else rows.set(id, { table: entry.table_name, key, before: entry.old_values, after: entry.new_values });
}

function countsOf(rows: readonly RowChange[]): UndoPlan['counts'] {
  const counts: UndoPlan['counts'] = {};
  for (const row of rows) {
    const tally = (counts[row.table] ??= { removed: 0, restored: 0, reverted: 0 });
    if (row.before === null) tally.removed += 1;
    else if (row.after === null) tally.restored += 1;
    else tally.reverted += 1;
  }
  return counts;
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const name = key(item);
    let group = groups.get(name);
    if (!group) groups.set(name, (group = []));
    group.push(item);
  }
  return groups;
}

export function shownCommand(changeSet: ChangeSet): string {
  return changeSet.command || 'a write without a command line';
}

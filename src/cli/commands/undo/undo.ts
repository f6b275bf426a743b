import { Option, type Command } from 'commander';
import { UsageError } from '../../../domain/errors.js';
import type { ChangeSetSummary, UndoPlan } from '../../../services/undo.js';
import { chooseFormat, FORMATS, type Column } from '../../output.js';
import { parsePositiveInteger } from '../../parse.js';
import type { Session } from '../../session.js';

/** As in services/undo.ts (not imported: the CLI loads no service code before a command runs). */
const DEFAULT_LIST_LIMIT = 20;

export interface UndoOptions {
  changeSet?: string;
  list?: boolean;
  limit?: string;
  yes?: boolean;
  json?: boolean;
  format?: string;
  wide?: boolean;
}

export function registerUndo(program: Command, session: Session): void {
  program
    .command('undo')
    .description('take back the last change you made (one command: an edit, a merge, a whole import)')
    .argument('[change-set]', 'the change set to take back (a number from --list); default: your newest')
    .option('-l, --list', 'list the recent change sets instead: time, who, command, what changed')
    .option('-n, --limit <n>', `with --list, how many (default: ${DEFAULT_LIST_LIMIT})`)
    .option('-y, --yes', 'do not ask for confirmation (required when not on a terminal)')
    .addOption(new Option('--format <format>', 'with --list, the output format').choices(FORMATS))
    .option('--json', 'print JSON: the change sets with --list, what was undone otherwise')
    .option('--wide', 'table: every cell in full, even wider than the terminal')
    .addHelpText(
      'after',
      `
Every command that writes records a change set: its command line, who ran it and when,
and the audit entries of every row it changed. "crm undo" takes back your newest one in
one transaction: rows it added are deleted, rows it deleted come back, rows it changed
are set back, interactions a merge moved go back to their customer.

An undo is itself a change set: "crm undo" right after "crm undo" puts the change back.
To go further back, name an older change set from --list; it is refused, naming the
records, when a later change touched the same rows (undo the later one first), and
nothing is changed. Imports audited as one summary entry (--audit summary, or auto
above 10,000 rows) left no rows in the log and cannot be undone: import with
--audit rows to keep that possible.

Examples:
  $ crm undo --list
  $ crm undo
  $ crm undo 41 --yes
  $ crm undo --list --json | jq '.[0].counts'`,
    )
    .action((changeSet: string | undefined, options: Omit<UndoOptions, 'changeSet'>) =>
      runUndo(session, { changeSet, ...options }),
    );
}

const SIGNS: Record<string, string> = { insert: '+', update: '~', delete: '-' };

/** `customers +2 ~1 -1 merge 2; customer_interactions ~3`: inserted, updated, deleted, then notes. */
function describeCounts(counts: Record<string, Record<string, number>>): string {
  const rank = (action: string) => (action in SIGNS ? Object.keys(SIGNS).indexOf(action) : 3);
  const parts = Object.entries(counts).map(([table, actions]) => {
    const signs = Object.entries(actions)
      .sort(([a], [b]) => rank(a) - rank(b) || (a < b ? -1 : 1))
      .map(([action, count]) => (SIGNS[action] ? `${SIGNS[action]}${count}` : `${action} ${count}`));
    return `${table} ${signs.join(' ')}`;
  });
  return parts.join('; ');
}

function status(summary: ChangeSetSummary): string {
  const notes: string[] = [];
  if (summary.undoes !== null) notes.push(`undoes ${summary.undoes}`);
  if (summary.undone_by !== null) notes.push(`undone by ${summary.undone_by}`);
  if (summary.not_undoable) notes.push('cannot be undone');
  return notes.join(', ');
}

const LIST_COLUMNS: ReadonlyArray<Column<ChangeSetSummary>> = [
  { header: 'id', value: (s) => s.id },
  { header: 'created_at', label: 'time', value: (s) => s.created_at },
  { header: 'actor', label: 'by', value: (s) => s.actor },
  { header: 'command', value: (s) => s.command },
  { header: 'changes', value: (s) => describeCounts(s.counts) },
  { header: 'status', value: status },
];

const NOUNS: Record<string, [string, string]> = {
  products: ['product', 'products'],
  customers: ['customer', 'customers'],
  customer_interactions: ['interaction', 'interactions'],
  customer_external_ids: ['external id', 'external ids'],
};

function rows(table: string, count: number): string {
  const [one, many] = NOUNS[table] ?? [table, table];
  return `${count} ${count === 1 ? one : many}`;
}

/** "deletes 2 customers, puts back 1 interaction, sets back 1 customer" */
function describePlan(counts: UndoPlan['counts'], tense: 'future' | 'past'): string {
  const verbs = tense === 'future' ? ['deletes', 'puts back', 'sets back'] : ['deleted', 'put back', 'set back'];
  const parts: string[] = [];
  (['removed', 'restored', 'reverted'] as const).forEach((kind, index) => {
    const of = Object.entries(counts).filter(([, tally]) => tally[kind] > 0).map(([table, tally]) => rows(table, tally[kind]));
    if (of.length > 0) parts.push(`${verbs[index]} ${of.join(' and ')}`);
  });
  return parts.join(', ') || 'changes nothing';
}

function parseChangeSet(text: string): number {
  const value = /^\s*#?\d+\s*$/.test(text) ? Number(text.trim().replace('#', '')) : NaN;
  if (!Number.isSafeInteger(value) || value < 1) throw new UsageError(`invalid change set "${text}": use a number from crm undo --list`);
  return value;
}

export async function runUndo(session: Session, options: UndoOptions): Promise<void> {
  const undo = (await session.services()).undo;
  if (options.list) {
    if (options.changeSet !== undefined) throw new UsageError('--list shows every change set; give no change set with it');
    const limit = options.limit === undefined ? DEFAULT_LIST_LIMIT : parsePositiveInteger(options.limit, '--limit');
    const format = chooseFormat(options, session.stdoutIsTTY);
    const sets = await undo.list(limit);
    session.out.list(sets, LIST_COLUMNS, format, () => sets, { wide: options.wide });
    if (sets.length === 0) session.info('no change sets recorded yet');
    return;
  }
  if (options.limit !== undefined || options.format !== undefined) throw new UsageError('--limit and --format go with --list');
  let id = options.changeSet === undefined ? undefined : parseChangeSet(options.changeSet);
  if (!options.yes) {
    // Checked before asking, so nobody confirms an undo that is then refused. With --yes the
    // undo's own transaction does it all once (reading a 100k-row change set twice costs seconds).
    const plan = await undo.plan(id, { check: session.canPrompt });
    const { changeSet } = plan;
    const what = `change set ${changeSet.id} (${changeSet.command || 'no command line'}, by ${changeSet.actor || 'someone'} at ${changeSet.created_at})`;
    await session.confirm(`undoing ${what}`, `Undo ${what}? It ${describePlan(plan.counts, 'future')}`, options.yes);
    id = changeSet.id;
  }
  const result = await undo.undo(id, { onStep: session.ctx.hooks?.onUndoStep });
  if (options.json) session.out.json({ undone: result.changeSet.id, command: result.changeSet.command, counts: result.counts, rows: result.rows });
  session.success(`undid change set ${result.changeSet.id} (${result.changeSet.command || 'no command line'}): ${describePlan(result.counts, 'past')}; crm undo again puts it back`);
}

import { Option, type Command } from 'commander';
import { shortId } from '../../../domain/ids.js';
import { parseCountryCode } from '../../../domain/phones.js';
import type { Customer } from '../../../domain/types.js';
import { MERGE_PREFERENCES, unsettledError, type MergePreference } from '../../../domain/merge.js';
import type { MergePlan, MovedRecords } from '../../../services/merge.js';
import { displayValue } from '../history/view.js';
import type { Session } from '../../session.js';
import { customerJson, renderCustomer } from './view.js';

export interface CustomerMergeOptions {
  keep: string;
  others: string[];
  prefer?: MergePreference;
  yes?: boolean;
  json?: boolean;
}

export function registerCustomerMerge(customer: Command, session: Session): void {
  customer
    .command('merge')
    .description('merge duplicates into one customer: the others\' interactions and links move to it, then they are deleted')
    .argument('<keep>', 'the customer to keep: id, id prefix (4+ characters) or name')
    .argument('<other...>', 'the customers merged into it, then deleted')
    .addOption(new Option('--prefer <which>', 'settle fields the customers disagree on: keep (the kept one\'s value) or newest (the most recently updated one\'s)').choices(MERGE_PREFERENCES))
    .option('-y, --yes', 'do not ask for confirmation (required when not on a terminal)')
    .option('--json', 'print the kept customer, what moved and what changed as JSON')
    .addHelpText(
      'after',
      `
Every interaction and external id of the others moves to the kept customer, and its
empty fields are filled from theirs. A field they fill differently (two phone numbers,
two statuses) is a conflict: on a terminal you pick each value; otherwise --prefer
decides, and without it the merge is refused (exit 2) naming the fields. E-mails that
differ only in case, phones that are the same number (see "customer duplicates") and
names that differ only in case or accents are not conflicts. Everything happens in one
transaction; the audit log records each moved row and a "merge" entry on the kept and
on each merged id, so "crm history" of either shows it, and "crm undo" takes it back.

Examples:
  $ crm customer duplicates
  $ crm customer merge "ada lovelace" 5e6f7a8b
  $ crm customer merge 1a2b3c4d 5e6f7a8b 9c0d1e2f --prefer newest --yes`,
    )
    .action((keep: string, others: string[], options: Omit<CustomerMergeOptions, 'keep' | 'others'>) =>
      runCustomerMerge(session, { keep, others, ...options }),
    );
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

const MOVED_NOUNS: Record<string, string> = { customer_interactions: 'interaction', customer_external_ids: 'external id' };

function movedText(moved: MovedRecords): string {
  const parts = Object.entries(moved)
    .filter(([, count]) => count > 0)
    .map(([table, count]) => plural(count, MOVED_NOUNS[table] ?? table));
  return parts.length === 0 ? 'nothing to move' : `${parts.join(' and ')} moved`;
}

function customerLabel(customer: Customer): string {
  return `"${customer.name}" (${shortId(customer.id)})`;
}

/** Asks, on a terminal, for each field the plan leaves unsettled. */
async function askChoices(session: Session, plan: MergePlan): Promise<Record<string, unknown>> {
  const choices: Record<string, unknown> = {};
  for (const conflict of plan.conflicts.filter((c) => plan.unsettled.includes(c.field))) {
    choices[conflict.field] = await session.prompter.select({
      message: `The customers disagree on ${conflict.field}. Keep which value?`,
      choices: conflict.options.map((option) => ({
        name: `${displayValue(option.value)}  (${option.customers.map((c) => `${shortId(c.id)}${c.id === plan.keep.id ? ', kept' : ''}`).join('; ')})`,
        value: option.value,
      })),
    });
  }
  return choices;
}

export async function runCustomerMerge(session: Session, options: CustomerMergeOptions): Promise<void> {
  const countryCode = parseCountryCode(session.ctx.env.CRM_COUNTRY_CODE);
  const merge = (await session.services()).merge;
  const request = { keep: options.keep, others: options.others, prefer: options.prefer, countryCode };
  const plan = await merge.plan(request);
  let choices: Record<string, unknown> = {};
  if (plan.unsettled.length > 0) {
    if (!session.canPrompt) throw unsettledError(plan.unsettled);
    choices = await askChoices(session, plan);
  }
  const changed = Object.keys((await merge.plan({ ...request, choices })).changes);
  const others = plan.others.map(customerLabel).join(', ');
  await session.confirm(
    `merging ${plural(plan.others.length, 'customer')} into ${customerLabel(plan.keep)}`,
    `Merge ${others} into ${customerLabel(plan.keep)}${changed.length > 0 ? ` (setting ${changed.join(', ')})` : ''} and delete ${plan.others.length === 1 ? 'it' : 'them'}?`,
    options.yes,
  );
  const result = await merge.merge({ ...request, choices, onStep: session.ctx.hooks?.onMergeStep });
  if (options.json) {
    session.out.json({
      customer: customerJson(result.customer),
      merged: result.merged.map((customer) => customer.id),
      changes: result.changes,
      moved: result.moved,
    });
  } else {
    renderCustomer(session, result.customer, false);
  }
  const fields = Object.keys(result.changes);
  session.success(
    `merged ${plural(result.merged.length, 'customer')} into ${customerLabel(result.customer)}: ${movedText(result.moved)}` +
      `${fields.length > 0 ? `; set ${fields.join(', ')}` : ''} (crm undo takes it back)`,
  );
}

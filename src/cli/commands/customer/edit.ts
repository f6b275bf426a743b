import { Option, type Command } from 'commander';
import { UsageError } from '../../../domain/errors.js';
import { shortId } from '../../../domain/ids.js';
import { parseDealValue } from '../../parse.js';
import type { Session } from '../../session.js';
import { readAll } from '../interaction/log.js';
import { renderCustomer } from './view.js';

export interface CustomerEditOptions {
  ref: string;
  name?: string;
  email?: string;
  phone?: string;
  /** A ref, or `false` from --no-product. */
  product?: string | false;
  /** A ref, or `false` from --no-company. */
  company?: string | false;
  /** An amount, or `false` from --no-value. */
  value?: string | false;
  source?: string;
  owner?: string;
  /** The note itself, "" to clear it, or `-` to read it from stdin. */
  note?: string;
  /** Edit the note in $VISUAL/$EDITOR (a terminal only). */
  editNote?: boolean;
  json?: boolean;
}

const EDITABLE = '--name, --email, --phone, --company, --no-company, --value, --no-value, --product, --no-product, --source, --owner, --note or --edit-note';

export function registerCustomerEdit(customer: Command, session: Session): void {
  // Each pair (--product and --no-product, ...) sets one value, so commander's .conflicts()
  // cannot tell them apart and the last would silently win: which ones were typed is
  // recorded as they parse.
  const typed = new Map<string, Set<string>>();
  const record = (value: string, flag: string) => () => {
    typed.set(value, (typed.get(value) ?? new Set()).add(flag));
  };
  const edit = customer
    .command('edit')
    .description('change a customer\'s details (the status changes with "customer move")')
    .argument('<ref>', 'id, id prefix (4+ characters) or name')
    .option('-n, --name <name>', 'new name')
    .option('-e, --email <address>', 'new email ("" clears it)')
    .option('-p, --phone <number>', 'new phone ("" clears it)')
    .option('-c, --company <ref>', 'the company they work for (id, id prefix or name)')
    .option('--no-company', 'they work for no company')
    .option('--value <amount>', 'deal value: "12 000 EUR", or 12000 in $CRM_CURRENCY or crm config currency')
    .option('--no-value', 'remove the deal value')
    .option('--product <ref>', 'link them to this product')
    .option('--no-product', 'unlink them from their product')
    .option('--source <text>', 'new acquisition source ("" clears it)')
    .option('-o, --owner <name>', 'new owner ("" clears it)')
    .addOption(new Option('--note <text>', 'replace their note ("" clears it; "-" reads it from stdin)').conflicts('editNote'))
    .option('--edit-note', 'edit their note in $VISUAL/$EDITOR (on a terminal)')
    .option('--json', 'print the updated customer as JSON')
    .addHelpText(
      'after',
      `
Examples:
  $ crm customer edit "ada lovelace" --email ada@newmail.com --phone "+44 20 7946 0000"
  $ crm customer edit 3f2a --product "website audit" --owner grace
  $ crm customer edit "ada lovelace" --no-product --source ""
  $ crm customer edit "ada lovelace" --company "Analytical Engines" --value "12 000 EUR"
  $ CRM_CURRENCY=GBP crm customer edit "ada lovelace" --value 15000
  $ crm customer edit "ada lovelace" --no-value --no-company
  $ crm customer edit "ada lovelace" --note "Prefers calls after 4pm; partner: Charles"
  $ crm customer edit 3f2a --note - < meeting-notes.txt
  $ crm customer edit 3f2a --edit-note          # on a terminal: opens your editor

The note is free text about the customer (several lines are fine) that can be changed any
time; interactions ("crm interaction log") are the dated, unchangeable record.`,
    )
    .on('option:product', record('product', '--product <ref>'))
    .on('option:no-product', record('product', '--no-product'))
    .on('option:company', record('company', '--company <ref>'))
    .on('option:no-company', record('company', '--no-company'))
    .on('option:value', record('value', '--value <amount>'))
    .on('option:no-value', record('value', '--no-value'))
    .hook('preAction', () => {
      for (const flags of typed.values()) {
        if (flags.size > 1) {
          // The option that sets a value first, whichever order they were typed in.
          const [given, negated] = [...flags].sort((a, b) => Number(a.startsWith('--no-')) - Number(b.startsWith('--no-')));
          edit.error(`error: option '${given}' cannot be used with option '${negated}'`, { code: 'commander.conflictingOption' });
        }
      }
    })
    .action((ref: string, options: Omit<CustomerEditOptions, 'ref'>) =>
      runCustomerEdit(session, { ref, ...options }),
    );
}

export async function runCustomerEdit(session: Session, options: CustomerEditOptions): Promise<void> {
  const { name, email, phone, product, company, value, source, owner } = options;
  if ([name, email, phone, product, company, value, source, owner, options.note, options.editNote].every((given) => given === undefined)) {
    throw new UsageError(`nothing to change: give ${EDITABLE}`);
  }
  const services = await session.services();
  let note = options.note === '-' ? await readAll(session.ctx.stdin) : options.note;
  if (options.editNote) {
    if (!session.canPrompt) {
      throw new UsageError(`--edit-note opens an editor, which needs a terminal (${session.whyNoPrompt('prompt')}); use --note TEXT or --note - instead`);
    }
    // The customer is resolved first, so a wrong ref fails before the editor opens.
    const current = await services.customers.resolve(options.ref);
    note = await session.prompter.editor({ message: `Note on "${current.name}" (opens your editor):`, default: current.note ?? '' });
  }
  const { customer, changed } = await services.customers.edit(options.ref, {
    name,
    email,
    phone,
    product: product === false ? null : product,
    company: company === false ? null : company,
    value: value === false ? null : value === undefined ? undefined : parseDealValue(value, session.defaultCurrency),
    acquisition_source: source,
    owner,
    note,
  });
  renderCustomer(session, customer, options.json);
  if (changed) session.success(`updated customer "${customer.name}" (${shortId(customer.id)})`);
  else session.info(`"${customer.name}" already had those values; nothing changed`);
}

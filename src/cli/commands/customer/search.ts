import { Option, type Command } from 'commander';
import { UsageError } from '../../../domain/errors.js';
import { chooseFormat, FORMATS } from '../../output.js';
import type { Session } from '../../session.js';
import { customerColumns, customerJson } from './view.js';

export interface CustomerSearchOptions {
  text: string;
  json?: boolean;
  wide?: boolean;
  format?: string;
}

export function registerCustomerSearch(customer: Command, session: Session): void {
  customer
    .command('search')
    .alias('find')
    .description('find customers whose name, email or phone contains the text (case-insensitive; archived ones are hidden)')
    .argument('<text>', 'text to look for')
    .addOption(new Option('--format <format>', 'output format').choices(FORMATS))
    .option('--json', 'print JSON (same as --format json)')
    .option('--wide', 'table: every cell in full, even wider than the terminal')
    .addHelpText('after', '\nExamples:\n  $ crm customer search lovelace\n  $ crm customer search @example.com --json\n  $ crm customer search "555 01"')
    .action((text: string, options: Omit<CustomerSearchOptions, 'text'>) =>
      runCustomerSearch(session, { text, ...options }),
    );
}

export function runCustomerSearch(session: Session, options: CustomerSearchOptions): void {
  const text = options.text.trim();
  if (!text) throw new UsageError('nothing to search for: give some text (use "customer list" to see everyone)');
  const format = chooseFormat(options, session.stdoutIsTTY);
  const customers = session.services.customers.search(text);
  session.out.list(customers, customerColumns({ archived: false }), format, () => customers.map(customerJson), { wide: options.wide });
  if (customers.length === 0) session.info(`no customer's name, email or phone contains "${text}"`);
}

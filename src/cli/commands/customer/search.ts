import { Option, type Command } from 'commander';
import { UsageError } from '../../../domain/errors.js';
import type { CustomerSearchResult } from '../../../services/customers.js';
import { chooseFormat, FORMATS } from '../../output.js';
import { parsePositiveInteger } from '../../parse.js';
import type { Session } from '../../session.js';
import { DEFAULT_PAGE_SIZE } from './list.js';
import { customerColumns, customerJson } from './view.js';

export interface CustomerSearchOptions {
  text: string;
  limit?: string;
  page?: string;
  all?: boolean;
  json?: boolean;
  wide?: boolean;
  format?: string;
}

export function registerCustomerSearch(customer: Command, session: Session): void {
  customer
    .command('search')
    .alias('find')
    .description(
      `find customers whose name, email or phone contains the text (case-insensitive; archived ones are hidden), A-Z, ${DEFAULT_PAGE_SIZE} per page`,
    )
    .argument('<text>', 'text to look for')
    .option('-n, --limit <n>', `customers per page (default: ${DEFAULT_PAGE_SIZE})`)
    .addOption(new Option('--page <n>', 'which page to show (default: 1)').conflicts('all'))
    .addOption(new Option('--all', 'every matching customer, no paging').conflicts('limit'))
    .addOption(new Option('--format <format>', 'output format').choices(FORMATS))
    .option('--json', 'print JSON (same as --format json)')
    .option('--wide', 'table: every cell in full, even wider than the terminal')
    .addHelpText(
      'after',
      `
A footer on stderr says when more customers match beyond the page shown.

Examples:
  $ crm customer search lovelace
  $ crm customer search @example.com --json
  $ crm customer search "555 01" --page 2
  $ crm customer search smith --all --format csv > smiths.csv`,
    )
    .action((text: string, options: Omit<CustomerSearchOptions, 'text'>) =>
      runCustomerSearch(session, { text, ...options }),
    );
}

export async function runCustomerSearch(session: Session, options: CustomerSearchOptions): Promise<void> {
  const text = options.text.trim();
  if (!text) throw new UsageError('nothing to search for: give some text (use "customer list" to see everyone)');
  const format = chooseFormat(options, session.stdoutIsTTY);
  const limit = options.all ? undefined : options.limit === undefined ? DEFAULT_PAGE_SIZE : parsePositiveInteger(options.limit, '--limit');
  const page = options.page === undefined ? 1 : parsePositiveInteger(options.page, '--page');
  const result = await (await session.services()).customers.search(text, { limit, page });
  const { customers } = result;
  session.out.list(customers, customerColumns({ archived: false }), format, () => customers.map(customerJson), { wide: options.wide });
  const footer = searchFooter(text, result);
  if (footer) session.info(footer);
}

/** Tells the user what they are not seeing, and the option that shows it. */
function searchFooter(text: string, { customers, offset, page, more }: CustomerSearchResult): string | undefined {
  const shown = customers.length;
  if (shown === 0 && offset === 0) return `no customer's name, email or phone contains "${text}"`;
  if (shown === 0) return `page ${page} is past the end: no more customers contain "${text}"`;
  const last = offset + shown;
  if (more) return `showing ${offset + 1}–${last}; more match: --page ${page + 1} for the next, --all for everything`;
  if (offset > 0) return `showing ${offset + 1}–${last}`;
  return undefined;
}

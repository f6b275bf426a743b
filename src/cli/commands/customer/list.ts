import { Option, type Command } from 'commander';
import { CUSTOMER_STATUSES } from '../../../domain/vocabulary.js';
import type { ArchivedScope, CustomerListResult, CustomerSort } from '../../../services/customers.js';
import { chooseFormat, FORMATS } from '../../output.js';
import { parsePositiveInteger, parseStatus } from '../../parse.js';
import type { Session } from '../../session.js';
import { customerColumns, customerJson } from './view.js';

export const DEFAULT_PAGE_SIZE = 20;

/** A repeatable option's values, in the order given. */
function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}
const SORTS: readonly CustomerSort[] = ['created', 'updated', 'name', 'status'];

export interface CustomerListOptions {
  status?: string;
  product?: string;
  owner?: string;
  /** Repeatable: customers with all of them. */
  tag?: string[];
  archived?: boolean;
  includeArchived?: boolean;
  sort?: CustomerSort;
  limit?: string;
  page?: string;
  all?: boolean;
  json?: boolean;
  wide?: boolean;
  format?: string;
}

export function registerCustomerList(customer: Command, session: Session): void {
  customer
    .command('list')
    .alias('ls')
    .description(`list customers, newest first, ${DEFAULT_PAGE_SIZE} per page (archived ones are hidden)`)
    .option('-s, --status <status>', `only this pipeline stage: ${CUSTOMER_STATUSES.join(', ')}`)
    .option('--product <ref>', 'only customers of this product')
    .option('-o, --owner <name>', 'only customers of this owner (case-insensitive)')
    .option('-t, --tag <tag>', 'only customers with this tag (case-insensitive); repeat it for customers with all of them', collect, [])
    .addOption(new Option('--archived', 'only archived customers').conflicts('includeArchived'))
    .option('--include-archived', 'archived and active customers together')
    .addOption(new Option('--sort <key>', 'order: created and updated newest first, name A-Z, status in pipeline order').choices(SORTS).default('created'))
    .option('-n, --limit <n>', `customers per page (default: ${DEFAULT_PAGE_SIZE})`)
    .addOption(new Option('--page <n>', 'which page to show (default: 1)').conflicts('all'))
    .addOption(new Option('--all', 'every matching customer, no paging').conflicts('limit'))
    .addOption(new Option('--format <format>', 'output format').choices(FORMATS))
    .option('--json', 'print JSON (same as --format json)')
    .option('--wide', 'table: every cell in full, even wider than the terminal')
    .addHelpText(
      'after',
      `
A footer on stderr says how many more customers there are beyond the page shown.

Examples:
  $ crm customer list --status qualified --owner grace
  $ crm customer list --sort name --limit 50 --page 2
  $ crm customer list --tag referral --tag "big client"
  $ crm customer list --product "website audit" --all --format csv > audit-customers.csv`,
    )
    .action((options: CustomerListOptions) => runCustomerList(session, options));
}

export async function runCustomerList(session: Session, options: CustomerListOptions): Promise<void> {
  const format = chooseFormat(options, session.stdoutIsTTY);
  const limit = options.all ? undefined : options.limit === undefined ? DEFAULT_PAGE_SIZE : parsePositiveInteger(options.limit, '--limit');
  const page = options.page === undefined ? 1 : parsePositiveInteger(options.page, '--page');
  const archived: ArchivedScope = options.archived ? 'only' : options.includeArchived ? 'include' : 'exclude';
  const result = await (await session.services()).customers.list(
    {
      status: options.status === undefined ? undefined : parseStatus(options.status),
      product: options.product,
      owner: options.owner,
      tags: options.tag,
      archived,
    },
    { sort: options.sort, limit, page },
  );
  const { customers } = result;
  session.out.list(customers, customerColumns({ archived: archived !== 'exclude' }), format, () => customers.map(customerJson), { wide: options.wide });
  const footer = pageFooter(result);
  if (footer) session.info(footer);
}

/** Tells the user what they are not seeing, and the option that shows it. */
function pageFooter({ customers, total, offset, page, limit }: CustomerListResult): string | undefined {
  const shown = customers.length;
  if (total === 0) return 'no customers match';
  if (shown === 0 && limit !== undefined) {
    const pages = Math.ceil(total / limit);
    return `page ${page} is past the end: ${total} customer(s) make ${pages} page(s) of ${limit}`;
  }
  const last = offset + shown;
  if (last < total) {
    return `showing ${offset + 1}–${last} of ${total}; ${total - last} more: --page ${page + 1} for the next, --all for everything`;
  }
  if (offset > 0) return `showing ${offset + 1}–${last} of ${total}`;
  return undefined;
}

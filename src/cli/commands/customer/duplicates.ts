import { Option, type Command } from 'commander';
import { shortId } from '../../../domain/ids.js';
import { parseCountryCode } from '../../../domain/phones.js';
import { formatLocalDay } from '../../../domain/time.js';
import type { Customer } from '../../../domain/types.js';
import type { DuplicateGroup } from '../../../services/duplicates.js';
import { chooseFormat, FORMATS, type Column } from '../../output.js';
import type { Session } from '../../session.js';
import { customerJson, paintStatus } from './view.js';

export interface CustomerDuplicatesOptions {
  json?: boolean;
  format?: string;
  wide?: boolean;
}

export function registerCustomerDuplicates(customer: Command, session: Session): void {
  customer
    .command('duplicates')
    .alias('dupes')
    .description('list likely duplicates: customers sharing an e-mail, a phone number or a name')
    .addOption(new Option('--format <format>', 'output format').choices(FORMATS))
    .option('--json', 'print the groups as JSON (same as --format json)')
    .option('--wide', 'table: every cell in full, even wider than the terminal')
    .addHelpText(
      'after',
      `
Customers are grouped when they share
  email  the same e-mail, ignoring case;
  phone  the same number once separators are dropped: +44 20 7946 0000, 0044 20 7946 0000
         and, with CRM_COUNTRY_CODE=44, 020 7946 0000 are one number (at least 7 digits);
  name   the same name ignoring case and accents, unless their e-mails differ (a name
         shared by more than 10 customers is a common name and is left out).
A group found by several of these lists each reason. Archived customers are included.
Each group is listed oldest first: the usual one to keep with "crm customer merge".
One row per customer (with its group number) in table, csv and tsv; --json gives
[{"group", "reasons": [{"reason", "key"}], "customers": [...]}].

Environment:
  CRM_COUNTRY_CODE  the country calling code of numbers written without one (e.g. 44, 1)

Examples:
  $ crm customer duplicates
  $ CRM_COUNTRY_CODE=44 crm customer duplicates --json | jq '.[].customers[0].id'
  $ crm customer merge 1a2b3c4d 5e6f7a8b`,
    )
    .action((options: CustomerDuplicatesOptions) => runCustomerDuplicates(session, options));
}

interface DuplicateRow {
  group: number;
  reasons: string;
  customer: Customer;
}

const COLUMNS: ReadonlyArray<Column<DuplicateRow>> = [
  { header: 'group', value: (row) => row.group },
  { header: 'reasons', label: 'same', value: (row) => row.reasons },
  { header: 'id', value: (row) => row.customer.id, display: (row) => shortId(row.customer.id) },
  { header: 'name', value: (row) => row.customer.name },
  { header: 'email', value: (row) => row.customer.email },
  { header: 'phone', value: (row) => row.customer.phone },
  { header: 'status', value: (row) => row.customer.status, display: (row, paint) => paintStatus(row.customer.status, paint) },
  { header: 'owner', value: (row) => row.customer.owner },
  { header: 'is_archived', label: 'archived', value: (row) => row.customer.is_archived, display: (row) => (row.customer.is_archived ? 'yes' : 'no') },
  { header: 'created_at', value: (row) => row.customer.created_at, display: (row) => formatLocalDay(row.customer.created_at) },
];

export async function runCustomerDuplicates(session: Session, options: CustomerDuplicatesOptions): Promise<void> {
  const format = chooseFormat(options, session.stdoutIsTTY);
  const countryCode = parseCountryCode(session.ctx.env.CRM_COUNTRY_CODE);
  const groups = await (await session.services()).duplicates.find(countryCode);
  const rows = groups.flatMap((group, index) =>
    group.customers.map((customer) => ({ group: index + 1, reasons: group.reasons.map((r) => r.reason).join(', '), customer })),
  );
  session.out.list(rows, COLUMNS, format, () => groups.map(duplicateJson), { wide: options.wide });
  session.info(footer(groups));
}

function duplicateJson(group: DuplicateGroup, index: number): unknown {
  return { group: index + 1, reasons: group.reasons, customers: group.customers.map(customerJson) };
}

function footer(groups: readonly DuplicateGroup[]): string {
  if (groups.length === 0) return 'no likely duplicates';
  const customers = groups.reduce((sum, group) => sum + group.customers.length, 0);
  const [keep, ...others] = groups[0]!.customers.map((customer) => shortId(customer.id));
  return `${groups.length} group(s) of likely duplicates, ${customers} customers; merge the first group (keeping the oldest) with: crm customer merge ${keep} ${others.join(' ')}`;
}

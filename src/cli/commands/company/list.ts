import { Option, type Command } from 'commander';
import { chooseFormat, FORMATS } from '../../output.js';
import type { Session } from '../../session.js';
import { companyColumns } from './view.js';

export interface CompanyListOptions {
  json?: boolean;
  wide?: boolean;
  format?: string;
}

export function registerCompanyList(company: Command, session: Session): void {
  company
    .command('list')
    .alias('ls')
    .description('list companies by name, with how many customers (not archived) each has')
    .addOption(new Option('--format <format>', 'output format').choices(FORMATS))
    .option('--json', 'print JSON (same as --format json): each company with a customers count')
    .option('--wide', 'table: every cell in full, even wider than the terminal')
    .addHelpText('after', '\nExamples:\n  $ crm company list\n  $ crm company list --format csv > companies.csv\n  $ crm company list --json | jq \'.[] | select(.customers > 2) | .name\'')
    .action((options: CompanyListOptions) => runCompanyList(session, options));
}

export async function runCompanyList(session: Session, options: CompanyListOptions): Promise<void> {
  const format = chooseFormat(options, session.stdoutIsTTY);
  const companies = await (await session.services()).companies.list();
  session.out.list(companies, companyColumns, format, () => companies, { wide: options.wide });
  if (companies.length === 0) session.info('no companies yet (crm company add NAME)');
}

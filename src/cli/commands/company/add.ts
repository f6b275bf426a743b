import type { Command } from 'commander';
import { shortId } from '../../../domain/ids.js';
import type { Session } from '../../session.js';
import { renderCompany } from './view.js';

export interface CompanyAddOptions {
  name: string;
  json?: boolean;
}

export function registerCompanyAdd(company: Command, session: Session): void {
  company
    .command('add')
    .description('add a company (names are unique, ignoring case)')
    .argument('<name>', 'company name')
    .option('--json', 'print the new company as JSON')
    .addHelpText(
      'after',
      '\nExamples:\n  $ crm company add "Analytical Engines Ltd"\n  $ crm company add Acme --json\n  $ crm customer add "Ada Lovelace" --company "analytical engines ltd"',
    )
    .action((name: string, options: Omit<CompanyAddOptions, 'name'>) => runCompanyAdd(session, { name, ...options }));
}

export async function runCompanyAdd(session: Session, options: CompanyAddOptions): Promise<void> {
  session.allowCreatingDatabase();
  const company = await (await session.services()).companies.add({ name: options.name });
  renderCompany(session, company, options.json);
  session.success(`added company "${company.name}" (${shortId(company.id)})`);
}

import type { Command } from 'commander';
import type { Session } from '../../session.js';
import { companyJson } from './view.js';

export interface CompanyDeleteOptions {
  ref: string;
  yes?: boolean;
  json?: boolean;
}

export function registerCompanyDelete(company: Command, session: Session): void {
  company
    .command('delete')
    .alias('rm')
    .description('delete a company; its customers remain, with no company')
    .argument('<ref>', 'id, id prefix (4+ characters) or name')
    .option('-y, --yes', 'do not ask for confirmation (required when not on a terminal)')
    .option('--json', 'print the deleted company as JSON')
    .addHelpText('after', '\nExamples:\n  $ crm company delete "old client"\n  $ crm company delete 3f2a --yes')
    .action((ref: string, options: Omit<CompanyDeleteOptions, 'ref'>) => runCompanyDelete(session, { ref, ...options }));
}

function customerCount(count: number): string {
  return count === 1 ? '1 customer' : `${count} customers`;
}

export async function runCompanyDelete(session: Session, options: CompanyDeleteOptions): Promise<void> {
  const companies = (await session.services()).companies;
  const target = await companies.planDelete(options.ref);
  const { name } = target.company;
  await session.confirm(
    `deleting company "${name}"`,
    target.customers > 0 ? `Delete company "${name}"? Its ${customerCount(target.customers)} will have no company` : `Delete company "${name}"?`,
    options.yes,
  );
  const { company, unlinkedCustomers } = await companies.delete(target.company.id);
  if (options.json) session.out.json(companyJson(company));
  const unlinked = unlinkedCustomers === 1 ? '; 1 customer now has no company' : `; ${unlinkedCustomers} customers now have no company`;
  session.success(`deleted company "${company.name}"${unlinkedCustomers ? unlinked : ''}`);
}

import type { Command } from 'commander';
import { UsageError } from '../../../domain/errors.js';
import { shortId } from '../../../domain/ids.js';
import type { Session } from '../../session.js';
import { renderCompany } from './view.js';

export interface CompanyEditOptions {
  ref: string;
  name?: string;
  json?: boolean;
}

export function registerCompanyEdit(company: Command, session: Session): void {
  company
    .command('edit')
    .description("rename a company (its customers follow: they are linked by id)")
    .argument('<ref>', 'id, id prefix (4+ characters) or name')
    .option('-n, --name <name>', 'new name')
    .option('--json', 'print the updated company as JSON')
    .addHelpText('after', '\nExamples:\n  $ crm company edit acme --name "Acme Corporation"\n  $ crm company edit 3f2a --name "Analytical Engines" --json')
    .action((ref: string, options: Omit<CompanyEditOptions, 'ref'>) => runCompanyEdit(session, { ref, ...options }));
}

export async function runCompanyEdit(session: Session, options: CompanyEditOptions): Promise<void> {
  if (options.name === undefined) throw new UsageError('nothing to change: give --name');
  const { company, changed } = await (await session.services()).companies.edit(options.ref, { name: options.name });
  renderCompany(session, company, options.json);
  if (changed) session.success(`updated company "${company.name}" (${shortId(company.id)})`);
  else session.info(`"${company.name}" already has that name; nothing changed`);
}

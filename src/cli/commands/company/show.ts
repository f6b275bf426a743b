import type { Command } from 'commander';
import type { Session } from '../../session.js';
import { companyDetailsJson, renderCompanyDetails } from './view.js';

export interface CompanyShowOptions {
  ref: string;
  json?: boolean;
  wide?: boolean;
}

const HELP = `
Shows the company, its open deal value (customers not archived and not closed, summed per
currency, never across currencies), its latest interaction, and its people with their stage,
deal value and last contact. Archived people are listed and marked.

--json: the company's columns, plus "customers" (each with id, name, email, phone, status,
owner, is_archived, deal_value_minor, deal_currency, last_interaction_at), "open_value"
([{currency, value_minor, customers}]) and "latest_interaction" (an interaction with
customer_name, or null).

Examples:
  $ crm company show acme
  $ crm company show 3f2a --json | jq '.open_value'`;

export function registerCompanyShow(company: Command, session: Session): void {
  company
    .command('show')
    .description('show a company: its people, their stages, open deal value and latest interaction')
    .argument('<ref>', 'id, id prefix (4+ characters) or name')
    .option('--json', 'print JSON (see below)')
    .option('--wide', 'table: every cell in full, even wider than the terminal')
    .addHelpText('after', HELP)
    .action((ref: string, options: Omit<CompanyShowOptions, 'ref'>) => runCompanyShow(session, { ref, ...options }));
}

export async function runCompanyShow(session: Session, options: CompanyShowOptions): Promise<void> {
  const details = await (await session.services()).companies.show(options.ref);
  if (options.json) session.out.json(companyDetailsJson(details));
  else renderCompanyDetails(session, details, options.wide);
}

import type { Command } from 'commander';
import type { Session } from '../../session.js';
import { interactionColumns } from '../interaction/view.js';
import { customerJson, renderCustomer } from './view.js';

export interface CustomerShowOptions {
  ref: string;
  json?: boolean;
  wide?: boolean;
}

export function registerCustomerShow(customer: Command, session: Session): void {
  customer
    .command('show')
    .description('show a customer, their company, deal value, product and interaction history (newest first)')
    .argument('<ref>', 'id, id prefix (4+ characters) or name')
    .option('--json', 'print JSON: the customer with product_name, company_name, a tags array and an interactions array')
    .option('--wide', 'table: every cell in full, even wider than the terminal')
    .addHelpText('after', '\nExamples:\n  $ crm customer show "ada lovelace"\n  $ crm customer show 3f2a --json')
    .action((ref: string, options: Omit<CustomerShowOptions, 'ref'>) =>
      runCustomerShow(session, { ref, ...options }),
    );
}

export async function runCustomerShow(session: Session, options: CustomerShowOptions): Promise<void> {
  const { customer, tags, interactions } = await (await session.services()).customers.show(options.ref);
  if (options.json) {
    session.out.json({ ...customerJson(customer), product_name: customer.product_name, company_name: customer.company_name, tags, interactions });
    return;
  }
  renderCustomer(session, customer, false, tags);
  session.out.line();
  if (interactions.length === 0) {
    session.out.line(session.out.paint.dim('no interactions logged yet'));
    return;
  }
  session.out.line(session.out.paint.bold(`interactions (${interactions.length}, newest first)`));
  session.out.list(interactions, interactionColumns, 'table', () => interactions, { wide: options.wide });
}

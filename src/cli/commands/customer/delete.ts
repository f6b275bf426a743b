import type { Command } from 'commander';
import type { Session } from '../../session.js';
import { customerJson } from './view.js';

export interface CustomerDeleteOptions {
  ref: string;
  yes?: boolean;
  json?: boolean;
}

export function registerCustomerDelete(customer: Command, session: Session): void {
  customer
    .command('delete')
    .alias('rm')
    .description('delete a customer and their interactions for good (see "customer archive" to keep them)')
    .argument('<ref>', 'id, id prefix (4+ characters) or name')
    .option('-y, --yes', 'do not ask for confirmation (required when not on a terminal)')
    .option('--json', 'print the deleted customer as JSON')
    .addHelpText('after', '\nExamples:\n  $ crm customer delete "test customer"\n  $ crm customer delete 3f2a --yes')
    .action((ref: string, options: Omit<CustomerDeleteOptions, 'ref'>) =>
      runCustomerDelete(session, { ref, ...options }),
    );
}

function interactionCount(count: number): string {
  return count === 1 ? '1 interaction' : `${count} interactions`;
}

export async function runCustomerDelete(session: Session, options: CustomerDeleteOptions): Promise<void> {
  const customers = (await session.services()).customers;
  const target = await customers.planDelete(options.ref);
  const { name } = target.customer;
  await session.confirm(
    `deleting customer "${name}"`,
    `Delete customer "${name}" and ${interactionCount(target.interactions)}? This cannot be undone`,
    options.yes,
  );
  const { customer, interactionsDeleted } = await customers.delete(target.customer.id);
  if (options.json) session.out.json(customerJson(customer));
  session.success(`deleted customer "${customer.name}" and ${interactionCount(interactionsDeleted)}`);
}

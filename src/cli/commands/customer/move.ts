import type { Command } from 'commander';
import { CUSTOMER_STATUSES } from '../../../domain/vocabulary.js';
import { parseStatus } from '../../parse.js';
import type { Session } from '../../session.js';
import { customerJson } from './view.js';

export interface CustomerMoveOptions {
  ref: string;
  status: string;
  json?: boolean;
}

export function registerCustomerMove(customer: Command, session: Session): void {
  customer
    .command('move')
    .description('move a customer to another pipeline stage')
    .argument('<ref>', 'id, id prefix (4+ characters) or name')
    .argument('<status>', `one of ${CUSTOMER_STATUSES.join(', ')}`)
    .option('--json', 'print the updated customer as JSON')
    .addHelpText('after', '\nExamples:\n  $ crm customer move "ada lovelace" qualified\n  $ crm customer move 3f2a closed_won')
    .action((ref: string, status: string, options: Omit<CustomerMoveOptions, 'ref' | 'status'>) =>
      runCustomerMove(session, { ref, status, ...options }),
    );
}

export async function runCustomerMove(session: Session, options: CustomerMoveOptions): Promise<void> {
  const status = parseStatus(options.status);
  const { customer, from } = await (await session.services()).customers.move(options.ref, status);
  if (options.json) session.out.json(customerJson(customer));
  if (from === customer.status) session.info(`"${customer.name}" is already ${status}; nothing changed`);
  else session.success(`moved "${customer.name}" from ${from} to ${customer.status}`);
}

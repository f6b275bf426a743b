import type { Command } from 'commander';
import type { Session } from '../../session.js';
import { registerCustomerAdd } from './add.js';
import { registerCustomerDelete } from './delete.js';
import { registerCustomerEdit } from './edit.js';
import { registerCustomerList } from './list.js';
import { registerCustomerMove } from './move.js';
import { registerCustomerSearch } from './search.js';
import { registerCustomerShow } from './show.js';

export function registerCustomerCommands(program: Command, session: Session): void {
  const customer = program
    .command('customer')
    .description('manage customers and move them through the pipeline');
  registerCustomerAdd(customer, session);
  registerCustomerList(customer, session);
  registerCustomerSearch(customer, session);
  registerCustomerShow(customer, session);
  registerCustomerEdit(customer, session);
  registerCustomerMove(customer, session);
  // `customer archive` and `customer restore` (archive.ts, restore.ts) are registered here,
  // in this order, so that `--help` lists the soft delete before the hard one.
  registerCustomerDelete(customer, session);
}

import type { Command } from 'commander';
import type { Session } from '../../session.js';
import { registerCustomerAdd } from './add.js';
import { registerCustomerArchive } from './archive.js';
import { registerCustomerDelete } from './delete.js';
import { registerCustomerDuplicates } from './duplicates.js';
import { registerCustomerEdit } from './edit.js';
import { registerCustomerList } from './list.js';
import { registerCustomerMerge } from './merge.js';
import { registerCustomerMove } from './move.js';
import { registerCustomerRestore } from './restore.js';
import { registerCustomerSearch } from './search.js';
import { registerCustomerShow } from './show.js';

export function registerCustomerCommands(program: Command, session: Session): void {
  const customer = program
    .command('customer')
    .description('manage customers and move them through the pipeline')
    .addHelpText(
      'after',
      `
Examples:
  $ crm customer add "Ada Lovelace" --email ada@example.com --status qualified
  $ crm customer list --status qualified
  $ crm customer move "ada lovelace" proposal
  $ crm customer show "ada lovelace"
  $ crm customer duplicates`,
    );
  registerCustomerAdd(customer, session);
  registerCustomerList(customer, session);
  registerCustomerSearch(customer, session);
  registerCustomerShow(customer, session);
  registerCustomerEdit(customer, session);
  registerCustomerMove(customer, session);
  // Archive and restore before delete, so that `--help` lists the soft delete before the hard one.
  registerCustomerArchive(customer, session);
  registerCustomerRestore(customer, session);
  registerCustomerDelete(customer, session);
  registerCustomerDuplicates(customer, session);
  registerCustomerMerge(customer, session);
}

import type { Command } from 'commander';
import type { Session } from '../../session.js';
import { registerCustomerArchive } from './archive.js';
import { registerCustomerRestore } from './restore.js';

export function registerCustomerCommands(program: Command, session: Session): void {
  const customer = program
    .command('customer')
    .description('manage customers and move them through the pipeline');
  registerCustomerArchive(customer, session);
  registerCustomerRestore(customer, session);
}

import type { Command } from 'commander';
import type { Session } from '../../session.js';
import { renderArchiveChange } from './archive-view.js';

export interface CustomerRestoreOptions {
  refs: string[];
  json?: boolean;
}

export function registerCustomerRestore(customer: Command, session: Session): void {
  customer
    .command('restore')
    .description('bring archived customers back into lists and reports')
    .argument('<ref...>', 'id, id prefix (4+ characters) or name')
    .option('--json', 'print the customers as JSON')
    .addHelpText('after', '\nExamples:\n  $ crm customer restore "ada lovelace"\n  $ crm customer restore 3f2a 9bc1 --json')
    .action((refs: string[], options: Omit<CustomerRestoreOptions, 'refs'>) =>
      runCustomerRestore(session, { refs, ...options }),
    );
}

export async function runCustomerRestore(session: Session, options: CustomerRestoreOptions): Promise<void> {
  const result = await (await session.services()).customers.setArchived(options.refs, false);
  renderArchiveChange(session, result, 'restored', options.json);
}

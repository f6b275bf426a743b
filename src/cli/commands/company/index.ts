import type { Command } from 'commander';
import type { Session } from '../../session.js';
import { registerCompanyAdd } from './add.js';
import { registerCompanyDelete } from './delete.js';
import { registerCompanyEdit } from './edit.js';
import { registerCompanyList } from './list.js';
import { registerCompanyShow } from './show.js';

export function registerCompanyCommands(program: Command, session: Session): void {
  const company = program
    .command('company')
    .description('manage the companies your customers work for')
    .addHelpText(
      'after',
      `
Examples:
  $ crm company add "Analytical Engines Ltd"
  $ crm customer edit "ada lovelace" --company "analytical engines"
  $ crm company show "analytical engines"
  $ crm company delete acme --yes      # its customers stay, with no company`,
    );
  registerCompanyAdd(company, session);
  registerCompanyList(company, session);
  registerCompanyShow(company, session);
  registerCompanyEdit(company, session);
  registerCompanyDelete(company, session);
}

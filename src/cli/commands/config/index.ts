import type { Command } from 'commander';
import type { Session } from '../../session.js';
import { registerConfigGet } from './get.js';
import { registerConfigList } from './list.js';
import { registerConfigSet } from './set.js';
import { registerConfigUnset } from './unset.js';

export function registerConfigCommands(program: Command, session: Session): void {
  const config = program
    .command('config')
    .description('settings kept in the database: the default currency, the stage probabilities of the forecast')
    .addHelpText(
      'after',
      `
Examples:
  $ crm config set currency EUR
  $ crm config set stage.proposal.probability 0.4
  $ crm config get stage.proposal.probability
  $ crm config list
  $ crm config unset stage.proposal.probability`,
    );
  registerConfigGet(config, session);
  registerConfigSet(config, session);
  registerConfigList(config, session);
  registerConfigUnset(config, session);
}

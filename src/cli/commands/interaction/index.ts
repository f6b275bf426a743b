import type { Command } from 'commander';
import type { Session } from '../../session.js';
import { registerInteractionList } from './list.js';
import { registerInteractionLog } from './log.js';

/** No edit verb on purpose: interactions are an audit trail (the database refuses updates too). */
export function registerInteractionCommands(program: Command, session: Session): void {
  const interaction = program
    .command('interaction')
    .description('log and list what happened with a customer (calls, emails, meetings)')
    .addHelpText(
      'after',
      `
Examples:
  $ crm interaction log "ada lovelace" --channel email --type "Proposal sent" --note "Sent v2" --follow-up +1w
  $ crm interaction list "ada lovelace"`,
    );
  registerInteractionLog(interaction, session);
  registerInteractionList(interaction, session);
}

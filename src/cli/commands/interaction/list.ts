import { Option, type Command } from 'commander';
import { chooseFormat, FORMATS } from '../../output.js';
import type { Session } from '../../session.js';
import { interactionColumns } from './view.js';

export interface InteractionListOptions {
  customer: string;
  json?: boolean;
  wide?: boolean;
  format?: string;
}

export function registerInteractionList(interaction: Command, session: Session): void {
  interaction
    .command('list')
    .alias('ls')
    .description("a customer's interactions, newest first")
    .argument('<customer-ref>', 'the customer: id, id prefix (4+ characters) or name')
    .addOption(new Option('--format <format>', 'output format').choices(FORMATS))
    .option('--json', 'print JSON (same as --format json)')
    .option('--wide', 'table: every cell in full, even wider than the terminal')
    .addHelpText('after', '\nExamples:\n  $ crm interaction list "ada lovelace"\n  $ crm interaction list 3f2a --format csv > ada-history.csv')
    .action((customer: string, options: Omit<InteractionListOptions, 'customer'>) =>
      runInteractionList(session, { customer, ...options }),
    );
}

export async function runInteractionList(session: Session, options: InteractionListOptions): Promise<void> {
  const format = chooseFormat(options, session.stdoutIsTTY);
  const { customer, interactions } = await (await session.services()).interactions.list(options.customer);
  session.out.list(interactions, interactionColumns, format, () => interactions, { wide: options.wide });
  if (interactions.length === 0) session.info(`no interactions logged with "${customer.name}" yet`);
}

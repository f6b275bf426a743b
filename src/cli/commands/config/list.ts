import { Option, type Command } from 'commander';
import { chooseFormat, FORMATS } from '../../output.js';
import type { Session } from '../../session.js';
import { configColumns, KEYS_HELP } from './view.js';

export interface ConfigListOptions {
  json?: boolean;
  wide?: boolean;
  format?: string;
}

export function registerConfigList(config: Command, session: Session): void {
  config
    .command('list')
    .alias('ls')
    .description('every setting with its value, whether it was set or is the default, and what it does')
    .addOption(new Option('--format <format>', 'output format').choices(FORMATS))
    .option('--json', 'print JSON: [{key, value, source, default, description, updated_at}]')
    .option('--wide', 'table: every cell in full, even wider than the terminal')
    .addHelpText('after', `${KEYS_HELP}\n\nExamples:\n  $ crm config list\n  $ crm config list --json | jq -r '.[] | select(.source == "set") | .key'`)
    .action((options: ConfigListOptions) => runConfigList(session, options));
}

export async function runConfigList(session: Session, options: ConfigListOptions): Promise<void> {
  const format = chooseFormat(options, session.stdoutIsTTY);
  const entries = await (await session.services()).settings.list();
  session.out.list(entries, configColumns, format, () => entries, { wide: options.wide });
}

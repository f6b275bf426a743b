import type { Command } from 'commander';
import { NotFoundError } from '../../../domain/errors.js';
import { parseSettingKey } from '../../../domain/settings.js';
import type { Session } from '../../session.js';
import { KEYS_HELP } from './view.js';

export interface ConfigGetOptions {
  key: string;
  json?: boolean;
}

export function registerConfigGet(config: Command, session: Session): void {
  config
    .command('get')
    .description('print the value of a setting (its default when none is set)')
    .argument('<key>', 'currency or stage.<stage>.probability')
    .option('--json', 'print {key, value, source, default, description, updated_at}')
    .addHelpText(
      'after',
      `${KEYS_HELP}

A key with no value (currency, until set) prints nothing and exits with status 1.

Examples:
  $ crm config get currency
  $ crm config get stage.proposal.probability
  $ crm config get stage.won.probability --json`,
    )
    .action((key: string, options: Omit<ConfigGetOptions, 'key'>) => runConfigGet(session, { key, ...options }));
}

export async function runConfigGet(session: Session, options: ConfigGetOptions): Promise<void> {
  const key = parseSettingKey(options.key);
  const entry = await (await session.services()).settings.get(key);
  if (options.json) {
    session.out.json(entry);
    return;
  }
  if (entry.value === null) throw new NotFoundError(`${key} is not set (crm config set ${key} VALUE)`);
  session.out.line(entry.value);
}

import type { Command } from 'commander';
import { parseSettingKey } from '../../../domain/settings.js';
import type { Session } from '../../session.js';
import { KEYS_HELP } from './view.js';

export interface ConfigSetOptions {
  key: string;
  value: string;
  json?: boolean;
}

export function registerConfigSet(config: Command, session: Session): void {
  config
    .command('set')
    .description('set a setting (kept in the database)')
    .argument('<key>', 'currency or stage.<stage>.probability')
    .argument('<value>', 'an ISO 4217 code (EUR), or a probability from 0 to 1 (0.4 or 40%)')
    .option('--json', 'print the setting as JSON')
    .addHelpText(
      'after',
      `${KEYS_HELP}

Examples:
  $ crm config set currency EUR
  $ crm config set stage.proposal.probability 0.4
  $ crm config set stage.negotiation.probability 80%`,
    )
    .action((key: string, value: string, options: Omit<ConfigSetOptions, 'key' | 'value'>) =>
      runConfigSet(session, { key, value, ...options }),
    );
}

export async function runConfigSet(session: Session, options: ConfigSetOptions): Promise<void> {
  const key = parseSettingKey(options.key);
  session.allowCreatingDatabase();
  const { entry, changed } = await (await session.services()).settings.set(key, options.value);
  if (options.json) session.out.json(entry);
  if (changed) session.success(`${key} = ${entry.value}`);
  else session.info(`${key} was already ${entry.value}; nothing changed`);
}

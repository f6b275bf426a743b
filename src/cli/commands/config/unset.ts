import type { Command } from 'commander';
import { parseSettingKey } from '../../../domain/settings.js';
import type { Session } from '../../session.js';
import { KEYS_HELP } from './view.js';

export interface ConfigUnsetOptions {
  key: string;
  json?: boolean;
}

export function registerConfigUnset(config: Command, session: Session): void {
  config
    .command('unset')
    .description('remove a setting: its default applies again')
    .argument('<key>', 'currency or stage.<stage>.probability')
    .option('--json', 'print the setting as it now is, as JSON')
    .addHelpText('after', `${KEYS_HELP}\n\nExamples:\n  $ crm config unset stage.proposal.probability\n  $ crm config unset currency`)
    .action((key: string, options: Omit<ConfigUnsetOptions, 'key'>) => runConfigUnset(session, { key, ...options }));
}

export async function runConfigUnset(session: Session, options: ConfigUnsetOptions): Promise<void> {
  const key = parseSettingKey(options.key);
  const { entry, changed } = await (await session.services()).settings.unset(key);
  if (options.json) session.out.json(entry);
  const now = entry.value === null ? 'no value' : `its default, ${entry.value}`;
  if (changed) session.success(`${key} unset: back to ${now}`);
  else session.info(`${key} was not set (it has ${now}); nothing changed`);
}

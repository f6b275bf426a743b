import envPaths from 'env-paths';
import path from 'node:path';

export const DEFAULT_DB_FILENAME = 'crm.db';

/**
 * `--db`, then `CRM_DB`, then the platform data directory
 * ($XDG_DATA_HOME/crm or ~/.local/share/crm on Linux).
 */
export function resolveDatabasePath(
  explicitPath: string | undefined,
  env: NodeJS.ProcessEnv,
  cwd: string,
): string {
  const chosen = explicitPath || env.CRM_DB;
  if (chosen) return chosen === ':memory:' ? chosen : path.resolve(cwd, chosen);
  return path.join(envPaths('crm', { suffix: '' }).data, DEFAULT_DB_FILENAME);
}

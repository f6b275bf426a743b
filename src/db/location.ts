import envPaths from 'env-paths';
import os from 'node:os';
import path from 'node:path';

export const DEFAULT_DB_FILENAME = 'crm.db';

/**
 * The per-user data folder. On Linux and other XDG systems it is computed from the `env`
 * given (not from the process), so the context decides, as it does for everything else;
 * a relative XDG_DATA_HOME is ignored, as the XDG spec asks.
 */
function dataDirectory(env: Record<string, string | undefined>, platform: NodeJS.Platform): string {
  if (platform === 'darwin' || platform === 'win32') return envPaths('crm', { suffix: '' }).data;
  const xdgDataHome = env.XDG_DATA_HOME;
  const base =
    xdgDataHome && path.isAbsolute(xdgDataHome)
      ? xdgDataHome
      : path.join(env.HOME || os.homedir(), '.local', 'share');
  return path.join(base, 'crm');
}

/**
 * `--db`, then `CRM_DB`, then the platform data directory
 * ($XDG_DATA_HOME/crm or ~/.local/share/crm on Linux).
 */
export function resolveDatabasePath(
  explicitPath: string | undefined,
  env: Record<string, string | undefined>,
  cwd: string,
  platform: NodeJS.Platform = process.platform,
): string {
  const chosen = explicitPath || env.CRM_DB;
  // A URL is never a file path: taken as one, it made a folder named "postgres:".
  if (chosen && isPostgresUrl(chosen)) return chosen;
  if (chosen) return chosen === ':memory:' ? chosen : path.resolve(cwd, chosen);
  return path.join(dataDirectory(env, platform), DEFAULT_DB_FILENAME);
}

/** A postgres:// or postgresql:// URL, which names a team database on a server, never a file. */
export function isPostgresUrl(text: string): boolean {
  return /^postgres(?:ql)?:\/\//i.test(text);
}

/*
 * Taking passwords out of what crm shows: here rather than in db/pg/connection.ts, so that
 * SQLite commands do not load the PostgreSQL connection code to redact nothing.
 */

/** Every password the process knows of: taken out of every message crm prints. */
export function knownSecrets(target?: { password?: string }): string[] {
  return [target?.password, process.env.PGPASSWORD].filter((secret): secret is string => !!secret);
}

/**
 * Removes passwords from text meant for a user: the password part of any postgres URL in it,
 * and every known password written out (plain or URL-encoded), wherever it appears.
 */
export function redactPasswords(text: string, secrets: readonly string[] = knownSecrets()): string {
  let redacted = text.replace(/(postgres(?:ql)?:\/\/[^:/?#@\s]*:)[^@\s]*@/gi, '$1***@');
  for (const secret of secrets) {
    if (!secret) continue;
    for (const form of new Set([secret, encodeURIComponent(secret)])) {
      redacted = redacted.split(form).join('***');
    }
  }
  return redacted;
}

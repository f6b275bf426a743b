/**
 * `crm __complete -- WORDS…`, which the completion scripts run on every Tab, answered by a
 * bundle of its own (dist/bundle/complete.cjs, src/build/bundle.mjs) before `bin/crm.js` loads
 * the program: no commander, drizzle, zod or migrations. The commands and options come from
 * the tree the build wrote from the program itself (completion-tree.json), names from one
 * prepared statement on a read-only handle. Completion must feel instant (issue 12: ≤ 100 ms;
 * `npm run bench -- --only completion`), and on a million customers the program's own start
 * took several times that.
 *
 * It skips the service layer on purpose: reading a few names is all it does, with the same
 * function the SQLite repositories use (src/repositories/sqlite/name-completion.ts), so the
 * answers are the in-process command's (test/completion.test.ts compares them). A team's
 * server is left to the program (`false`): its driver and session rules are the program's.
 */
import type Database from 'better-sqlite3';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import { isPostgresUrl, resolveDatabasePath } from '../db/location.js';
import { COMPLETION_LIMIT } from '../domain/completion.js';
import { sqliteNamesStartingWith } from '../repositories/sqlite/name-completion.js';
import { completionFor, databaseOption, type CompletionNode } from './commands/completion/candidates.js';

/** A Tab does not wait behind another process's lock; it offers no names instead. */
const BUSY_TIMEOUT_MS = 200;

/**
 * `args`: what follows `__complete` on the command line. Returns whether it answered; when it
 * did not (another form of the command, a server URL, no tree), the program runs as usual.
 */
export function completeFast(args: readonly string[], env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): boolean {
  if (args[0] !== '--') return false;
  const typed = args.length > 1 ? args.slice(1) : [''];
  const location = resolveDatabasePath(databaseOption(typed), env, cwd);
  if (isPostgresUrl(location)) return false;
  let tree: CompletionNode;
  try {
    tree = JSON.parse(fs.readFileSync(new URL('./completion-tree.json', import.meta.url), 'utf8')) as CompletionNode;
  } catch {
    return false;
  }
  const completion = completionFor(tree, typed);
  let lines: string[];
  if (completion.kind === 'files') lines = [':files'];
  else if (completion.kind === 'words') lines = completion.words;
  else lines = [...(completion.words ?? []), ...names(location, completion.of, completion.prefix)];
  if (lines.length > 0) process.stdout.write(`${lines.join('\n')}\n`);
  return true;
}

/** A database that cannot be read (missing, not crm's, locked) offers no names rather than an error. */
function names(location: string, of: 'customer' | 'product' | 'company', prefix: string): string[] {
  let sqlite: Database.Database | undefined;
  try {
    // Required only for names, and as CommonJS: importing it as a module costs a Tab more.
    const Sqlite = createRequire(import.meta.url)('better-sqlite3') as typeof Database;
    sqlite = new Sqlite(location, { readonly: true, fileMustExist: true, timeout: BUSY_TIMEOUT_MS });
    return sqliteNamesStartingWith(sqlite, of, prefix, COMPLETION_LIMIT);
  } catch {
    return [];
  } finally {
    sqlite?.close();
  }
}

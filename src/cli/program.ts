import { Command } from 'commander';
import { packageVersion } from '../project-root.js';
import { registerArchive } from './commands/archive/archive.js';
import { registerBackup } from './commands/backup/backup.js';
import { registerCompletion } from './commands/completion/completion.js';
import { registerCompanyCommands } from './commands/company/index.js';
import { registerConfigCommands } from './commands/config/index.js';
import { registerCustomerCommands } from './commands/customer/index.js';
import { registerDbCommands } from './commands/db/index.js';
import { registerExport } from './commands/export/export.js';
import { registerFollowups } from './commands/followups/followups.js';
import { registerHistory } from './commands/history/history.js';
import { registerImport } from './commands/import/import.js';
import { registerInteractionCommands } from './commands/interaction/index.js';
import { registerPipeline } from './commands/pipeline/pipeline.js';
import { registerProductCommands } from './commands/product/index.js';
import { registerSearch } from './commands/search/search.js';
import { registerTag } from './commands/tag/tag.js';
import { registerTeamCommands } from './commands/team/index.js';
import { registerUndo } from './commands/undo/undo.js';
import { registerWatch } from './commands/watch/watch.js';
import type { Session } from './session.js';

const ROOT_HELP = `
Data lives in one SQLite file: --db PATH, else $CRM_DB, else
$XDG_DATA_HOME/crm/crm.db (~/.local/share/crm/crm.db). It is created by
crm db init or the first add or import; other commands never create it.

Records are named by a <ref>: a full id, a unique id prefix (4+ characters),
or a unique case-insensitive name.

Output is a table on a terminal and tab-separated values with a header when
piped; lists take --format table|json|csv|tsv and --json. Tables fit the
terminal (long cells end in "…"); --wide prints every cell in full.

Environment:
  CRM_DB            database file (overridden by --db)
  CRM_OWNER         default --owner for new customers
  CRM_CURRENCY      currency of --value amounts that name none (else crm config currency)
  CRM_COUNTRY_CODE  country calling code of phone numbers written without one (duplicates, merge)
  CRM_BUSY_TIMEOUT  seconds a write waits for another process's write (default 600)
  COLUMNS           table width when stdout is not a terminal (default 80)
  NO_COLOR          disable colour

Exit status:
  0  success
  1  failure: validation, rule, not found or conflict (nothing was changed)
  2  usage error: unknown command or option, missing or malformed argument

Examples:
  $ crm product add "Website audit" --description "Two-day review"
  $ crm customer add "Ada Lovelace" --email ada@example.com --product "website audit"
  $ crm company add "Analytical Engines"
  $ crm customer edit "ada lovelace" --company "analytical engines" --value "12 000 EUR"
  $ crm customer list --status lead --json
  $ crm interaction log "ada lovelace" --channel phone --type "Intro call" --note "Wants a quote"
  $ crm tag "ada lovelace" add referral
  $ crm search lovelace quote
  $ crm undo --yes`;

export function buildProgram(session: Session): Command {
  const { ctx } = session;
  const program = new Command('crm');
  // Set before any subcommand exists: commander copies these settings into each subcommand.
  program
    .exitOverride()
    .configureOutput({
      writeOut: (text) => ctx.stdout.write(text),
      writeErr: (text) => ctx.stderr.write(text),
    })
    .showSuggestionAfterError(true)
    .allowExcessArguments(false);

  program
    .description('A terminal-first CRM: products, companies, customers and interactions in a local SQLite file.')
    .version(packageVersion, '-V, --version', 'print the version')
    .helpOption('-h, --help', 'show help')
    .option('--db <path>', 'database file to use (default: $CRM_DB, then the data directory)')
    .option('--no-color', 'disable colour (also: NO_COLOR)')
    .option('--no-input', 'never prompt; a missing value is an error instead')
    .addHelpText('after', ROOT_HELP)
    .hook('preAction', async () => {
      session.setGlobals(program.opts());
      await session.prepare();
    });

  registerProductCommands(program, session);
  registerCompanyCommands(program, session);
  registerCustomerCommands(program, session);
  registerInteractionCommands(program, session);
  registerTag(program, session);
  registerSearch(program, session);
  registerPipeline(program, session);
  registerFollowups(program, session);
  registerExport(program, session);
  registerImport(program, session);
  registerBackup(program, session);
  registerArchive(program, session);
  registerHistory(program, session);
  registerUndo(program, session);
  registerWatch(program, session);
  registerConfigCommands(program, session);
  registerDbCommands(program, session);
  registerTeamCommands(program, session);
  registerCompletion(program, session);
  return program;
}

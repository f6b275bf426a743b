import { Command } from 'commander';
import { packageVersion } from '../project-root.js';
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

type Register = (program: Command, session: Session) => void;

/**
 * Every top-level command, in the order help lists them, with the words that invoke it and how
 * to load the module that registers it. A command line loads and registers only the command it
 * runs: registering all of them (and compiling their modules) was a tenth of what a list command
 * cost beyond `node -e 0`. Help, completion and anything unsure load them all.
 */
const COMMANDS: ReadonlyArray<{ words: readonly string[]; load: () => Promise<Register> }> = [
  { words: ['product'], load: async () => (await import('./commands/product/index.js')).registerProductCommands },
  { words: ['company'], load: async () => (await import('./commands/company/index.js')).registerCompanyCommands },
  { words: ['customer'], load: async () => (await import('./commands/customer/index.js')).registerCustomerCommands },
  { words: ['interaction'], load: async () => (await import('./commands/interaction/index.js')).registerInteractionCommands },
  { words: ['tag'], load: async () => (await import('./commands/tag/tag.js')).registerTag },
  { words: ['search'], load: async () => (await import('./commands/search/search.js')).registerSearch },
  { words: ['pipeline'], load: async () => (await import('./commands/pipeline/pipeline.js')).registerPipeline },
  { words: ['followups'], load: async () => (await import('./commands/followups/followups.js')).registerFollowups },
  { words: ['export'], load: async () => (await import('./commands/export/export.js')).registerExport },
  { words: ['import'], load: async () => (await import('./commands/import/import.js')).registerImport },
  { words: ['backup'], load: async () => (await import('./commands/backup/backup.js')).registerBackup },
  { words: ['archive'], load: async () => (await import('./commands/archive/archive.js')).registerArchive },
  { words: ['history'], load: async () => (await import('./commands/history/history.js')).registerHistory },
  { words: ['undo'], load: async () => (await import('./commands/undo/undo.js')).registerUndo },
  { words: ['watch'], load: async () => (await import('./commands/watch/watch.js')).registerWatch },
  { words: ['config'], load: async () => (await import('./commands/config/index.js')).registerConfigCommands },
  { words: ['db'], load: async () => (await import('./commands/db/index.js')).registerDbCommands },
  { words: ['team'], load: async () => (await import('./commands/team/index.js')).registerTeamCommands },
  // Completion walks the whole program, so it loads every command (see commandsFor).
  { words: ['completion', '__complete'], load: async () => (await import('./commands/completion/completion.js')).registerCompletion },
];

/** The root program's options that take a value, whose value is not a command word. */
const ROOT_OPTIONS_WITH_VALUE = new Set(['--db']);

/**
 * The commands `argv` needs registered: the one its first word names; none when it asks for the
 * version before any command; all of them for help (root help lists every command), a word that
 * names no command (the error suggests the nearest one), completion, or anything unusual.
 */
export function commandsFor(argv: readonly string[]): typeof COMMANDS {
  for (let index = 0; index < argv.length; index++) {
    const word = argv[index]!;
    if (ROOT_OPTIONS_WITH_VALUE.has(word)) {
      index++;
      continue;
    }
    if (word === '-V' || word === '--version') return [];
    if (word === '--' || word === '-h' || word === '--help') return COMMANDS;
    if (word.startsWith('-')) continue;
    const command = COMMANDS.find((entry) => entry.words.includes(word));
    return command && !command.words.includes('completion') ? [command] : COMMANDS;
  }
  return COMMANDS;
}

/** The program with the commands `argv` needs (see commandsFor); without argv, every command. */
export async function buildProgram(session: Session, argv?: readonly string[]): Promise<Command> {
  const program = rootProgram(session);
  const commands = argv === undefined ? COMMANDS : commandsFor(argv);
  const registers = await Promise.all(commands.map((command) => command.load()));
  for (const register of registers) register(program, session);
  return program;
}

function rootProgram(session: Session): Command {
  const { ctx } = session;
  const program = new Command('crm');
  // Set before any subcommand exists: commander copies these settings into each subcommand.
  program
    .exitOverride()
    .configureOutput({
      writeOut: (text) => ctx.stdout.write(text),
      writeErr: (text) => session.stderr.write(text),
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

  return program;
}

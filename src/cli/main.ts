import { CommanderError } from 'commander';
import { CrmError } from '../domain/errors.js';
import { isReaderGone } from './closed-output.js';
import type { Context } from './context.js';
import { buildProgram } from './program.js';
import { Session } from './session.js';

const EXIT_OK = 0;
const EXIT_FAILURE = 1;
const EXIT_USAGE = 2;
const EXIT_INTERRUPTED = 130;

/**
 * The one entry point: parses `argv` (without the node and script paths), runs the command
 * and returns the exit status. Typed errors become one line on stderr here and only here.
 */
export async function run(argv: readonly string[], ctx: Context): Promise<number> {
  const session = new Session(ctx, argv);
  const program = await buildProgram(session, argv);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return outputExitCode(session);
  } catch (error) {
    // A reader that stops early (`| head -1`) took what it wanted; only a real failure counts.
    if (isReaderGone(error) || (session.readerGone && !(error instanceof CrmError))) return EXIT_OK;
    // A refusal before any action ran (a usage error) is coloured like the others on a terminal.
    // Help and --version (commander's exit code 0) print no error line, and need no stderr.
    if (!(error instanceof CommanderError && error.exitCode === 0)) await session.prepareColours().catch(() => undefined);
    return exitCodeFor(error, session);
  } finally {
    await session.close().catch(() => undefined);
  }
}

/** The command succeeded, but its result may not have reached the disk behind `> file`. */
function outputExitCode(session: Session): number {
  const failure = session.outputFailure;
  if (!failure) return EXIT_OK;
  session.error(`cannot write the output: ${failure.message}`);
  return EXIT_FAILURE;
}

function exitCodeFor(error: unknown, session: Session): number {
  if (error instanceof CommanderError) {
    // Commander has already printed its message (through the context's stderr). Help asked
    // for (--help, `crm help`, `crm customer help list`) and --version are its exit code 0;
    // help shown because the command was incomplete is not.
    return error.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
  }
  if (error instanceof CrmError) {
    session.error(error.message);
    return error.exitCode;
  }
  if (error instanceof Error && error.name === 'ExitPromptError') {
    session.error('cancelled; nothing was changed');
    return EXIT_INTERRUPTED;
  }
  const message = error instanceof Error ? error.message : String(error);
  session.error(`unexpected: ${message.split('\n')[0]}`);
  if (session.ctx.env.CRM_DEBUG && error instanceof Error && error.stack) {
    session.stderr.write(`${error.stack}\n`);
  }
  return EXIT_FAILURE;
}

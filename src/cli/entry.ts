/** What `bin/crm.js` needs, and the entry point of the bundle `npm run build` makes (src/build/bundle.mjs). */
import { completionTree } from './commands/completion/candidates.js';
import type { Context } from './context.js';
import { buildProgram } from './program.js';
import { Session } from './session.js';

export { processContext } from './context.js';
export { run } from './main.js';

/** The command tree `crm __complete` reads without loading the program (src/cli/complete-fast.ts); the build writes it. */
export async function completionTreeJson(ctx: Context): Promise<string> {
  return JSON.stringify(completionTree(await buildProgram(new Session(ctx))));
}

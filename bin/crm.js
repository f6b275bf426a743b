#!/usr/bin/env node
import module from 'node:module';

// Node 22.1+ keeps compiled code between runs; on older Node there is nothing to turn on.
module.enableCompileCache?.();

// A Tab in the shell runs `crm __complete -- WORDS`: a small bundle answers it for a SQLite file, without loading the program.
const completed = process.argv[2] === '__complete' && (await import('../dist/bundle/complete.js')).completeFast(process.argv.slice(3));
if (!completed) {
  const { processContext, run } = await import('../dist/bundle/crm.js');
  process.exitCode = await run(process.argv.slice(2), processContext());
}

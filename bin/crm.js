#!/usr/bin/env node
import module from 'node:module';

// Node 22.1+ keeps compiled code between runs; on older Node there is nothing to turn on.
module.enableCompileCache?.();

const { processContext, run } = await import('../dist/bundle/crm.js');
process.exitCode = await run(process.argv.slice(2), processContext());

#!/usr/bin/env node
import { processContext } from '../dist/src/cli/context.js';
import { run } from '../dist/src/cli/main.js';

process.exitCode = await run(process.argv.slice(2), processContext());

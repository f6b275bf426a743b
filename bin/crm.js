#!/usr/bin/env node
import { createRequire } from 'node:module';

// The bundle is loaded through dist/bundle/load.cjs, which keeps a V8 code cache of it.
const { processContext, run } = createRequire(import.meta.url)('../dist/bundle/load.cjs').loadBundle('crm.js');
process.exitCode = await run(process.argv.slice(2), processContext());

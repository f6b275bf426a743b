#!/usr/bin/env node
// CommonJS (see bin/package.json): an ES module as the entry point cost every command ~8 ms of
// CPU for setting up Node's ES module loader, which nothing else here needs.
'use strict';

// A Tab in the shell runs `crm __complete -- WORDS`: a small bundle answers it for a SQLite file, without loading the program.
const completed = process.argv[2] === '__complete' && require('../dist/bundle/complete.cjs').completeFast(process.argv.slice(3));
if (!completed) {
  // The bundle is loaded through dist/bundle/load.cjs, which keeps a V8 code cache of it.
  const { processContext, run } = require('../dist/bundle/load.cjs').loadBundle('crm.js');
  run(process.argv.slice(2), processContext()).then((code) => {
    process.exitCode = code;
  });
}

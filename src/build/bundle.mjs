/**
 * Bundles the program into dist/bundle/ (run by `npm run build`, after tsc has type-checked it).
 * Loading one file instead of a few hundred modules is most of what makes `crm --version`
 * start in about the time of `node -e 0`. Code reached only through `await import()`
 * (prompts, CSV, the database layer) goes into chunks of its own, loaded when a command needs it.
 */
import { build } from 'esbuild';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const root = path.resolve(import.meta.dirname, '../..');
const outdir = path.join(root, 'dist', 'bundle');

/**
 * Commander requires node:child_process when it loads, for executable subcommands (`git-style`
 * separate programs), which crm has none of; compiling it and what it needs (net, dgram) cost
 * every command a tenth of `node -e 0`. Commander gets a stand-in that loads it on first use.
 */
const lazyChildProcessForCommander = {
  name: 'lazy-child-process-for-commander',
  setup(build) {
    build.onResolve({ filter: /^node:child_process$/ }, (args) =>
      /[\\/]node_modules[\\/]commander[\\/]/.test(args.importer) ? { path: 'child_process', namespace: 'crm-lazy' } : undefined,
    );
    build.onLoad({ filter: /.*/, namespace: 'crm-lazy' }, () => ({
      contents: "module.exports = { spawn: (...args) => require('node:child_process').spawn(...args) };",
      loader: 'js',
    }));
  },
};

fs.rmSync(outdir, { recursive: true, force: true });
await build({
  absWorkingDir: root,
  entryPoints: { crm: 'src/cli/entry.ts' },
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  chunkNames: 'chunks/[name]-[hash]',
  // Native addons and the PostgreSQL driver stay ordinary packages, loaded from node_modules.
  external: ['better-sqlite3', 'pg', 'pg-copy-streams'],
  // CommonJS dependencies (commander, cli-table3) call require() for Node's built-ins.
  banner: { js: "import { createRequire as __crmCreateRequire } from 'node:module'; const require = __crmCreateRequire(import.meta.url);" },
  legalComments: 'none',
  // A third less to parse on every start (about 7% less CPU per command, npm run bench:startup).
  // Names are kept, so a CRM_DEBUG stack trace still names its functions.
  minifyWhitespace: true,
  minifySyntax: true,
  plugins: [lazyChildProcessForCommander],
  logLevel: 'warning',
});

/*
 * `crm __complete` (every Tab in the shell) has a bundle of its own, which bin/crm.js loads
 * instead of the program for a SQLite file (src/cli/complete-fast.ts), and the program's
 * command tree as data beside it, taken from the program just built.
 */
const { completionTreeJson, processContext } = await import(pathToFileURL(path.join(outdir, 'crm.js')).href);
fs.writeFileSync(path.join(outdir, 'completion-tree.json'), completionTreeJson(processContext()));
await build({
  absWorkingDir: root,
  entryPoints: { complete: 'src/cli/complete-fast.ts' },
  outdir,
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  external: ['better-sqlite3'],
  legalComments: 'none',
  minifyWhitespace: true,
  minifySyntax: true,
  logLevel: 'warning',
});

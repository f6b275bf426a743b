/**
 * Bundles the program into dist/bundle/ (run by `npm run build`, after tsc has type-checked it).
 * Loading one file instead of a few hundred modules is most of what makes `crm --version`
 * start in about the time of `node -e 0`. Code reached only through `await import()`
 * (prompts, CSV, the database layer) goes into chunks of its own, loaded when a command needs it.
 *
 * The chunks are then turned into CommonJS-style scripts that dist/bundle/load.cjs (a copy of
 * src/build/load-bundle.cjs) compiles with a V8 code cache: Node 20 has no compile cache of its
 * own, and parsing and compiling the bundle was a third of what `crm customer list` costs
 * beyond `node -e 0`.
 */
import { build, transform } from 'esbuild';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';

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

const minify = {
  // A third less to parse on every start (about 7% less CPU per command, npm run bench:startup).
  // Names are kept, so a CRM_DEBUG stack trace still names its functions.
  minifyWhitespace: true,
  minifySyntax: true,
};

/**
 * better-sqlite3's JavaScript (a dozen small CommonJS files, 10 ms of CPU to load one by one
 * through Node's loader on every database command) goes into the bundle, and with it into the
 * code cache; only its native addon stays in node_modules. The package finds the addon with
 * the `bindings` package, which searches from its caller's file (here the bundle, not the
 * package): it is given a stand-in that requires the addon where npm installs it, and asks
 * `bindings` to search the package's own folder only if it is somewhere else.
 */
const sqliteAddonFromItsPackage = {
  name: 'sqlite-addon-from-its-package',
  setup(build) {
    build.onResolve({ filter: /^bindings$/ }, (args) =>
      /[\\/]node_modules[\\/]better-sqlite3[\\/]/.test(args.importer) ? { path: 'bindings', namespace: 'crm-sqlite-addon' } : undefined,
    );
    build.onLoad({ filter: /.*/, namespace: 'crm-sqlite-addon' }, () => ({
      contents: `module.exports = (name) => {
  try {
    return require('better-sqlite3/build/Release/' + name);
  } catch (error) {
    if (error.code !== 'MODULE_NOT_FOUND') throw error;
    const module_root = require('node:path').dirname(require.resolve('better-sqlite3/package.json'));
    return require('bindings')({ bindings: name, module_root });
  }
};`,
      loader: 'js',
    }));
  },
};

/**
 * pg picks its sockets when it loads by asking whether it runs in a Cloudflare Worker; in Node
 * 20 the question (`typeof Response`, then a Response made) loads Node's fetch implementation,
 * undici: 45 ms of CPU, more than the rest of the driver, on every team-mode command. crm runs
 * in Node only, so the bundled copy is told it is not in a Worker. The build fails if pg's
 * file no longer has the function, rather than bundling the slow path unnoticed.
 */
const pgWithoutWorkerCheck = {
  name: 'pg-without-worker-check',
  setup(build) {
    build.onLoad({ filter: /[\\/]node_modules[\\/]pg[\\/]lib[\\/]stream\.js$/ }, async (args) => {
      const source = await fs.promises.readFile(args.path, 'utf8');
      const check = 'function isCloudflareRuntime() {';
      if (!source.includes(check)) throw new Error(`${args.path} has no ${check}: see pgWithoutWorkerCheck in src/build/bundle.mjs`);
      return { contents: source.replace(check, `${check}\n  return false;`), loader: 'js' };
    });
  },
};

fs.rmSync(outdir, { recursive: true, force: true });
const { outputFiles } = await build({
  absWorkingDir: root,
  entryPoints: { crm: 'src/cli/entry.ts' },
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  chunkNames: 'chunks/[name]-[hash]',
  // The PostgreSQL driver's JavaScript is bundled too, into the chunk of the PostgreSQL store
  // that only a postgres:// database loads: required from node_modules one file at a time it
  // cost a team-mode command 35-50 ms of CPU (a sixth of `crm customer list` on a server),
  // and in the bundle it is in the code cache. Its optional pg-native and pg-cloudflare
  // (required only when asked for: pg.native, a Cloudflare Worker) stay outside, as does
  // pg-copy-streams (bulk transfers only). SQLite's native addon stays in its package (see
  // sqliteAddonFromItsPackage).
  external: ['pg-native', 'pg-cloudflare', 'pg-copy-streams', 'better-sqlite3/*', 'bindings'],
  legalComments: 'none',
  ...minify,
  plugins: [lazyChildProcessForCommander, sqliteAddonFromItsPackage, pgWithoutWorkerCheck],
  logLevel: 'warning',
  write: false,
});

/**
 * Each chunk as a script for load.cjs, a function expression taking CommonJS's parameters:
 * imports become require() calls (load.cjs gives each file its own require, which loads the
 * bundle's other files itself), `await import()` a require() in a promise, and import.meta.url
 * a parameter load.cjs passes in.
 */
const hash = crypto.createHash('sha256');
for (const file of outputFiles) {
  const { code } = await transform(file.text, {
    format: 'cjs',
    platform: 'node',
    target: 'node20',
    supported: { 'dynamic-import': false },
    define: { 'import.meta.url': '__crm_import_meta_url', 'import.meta.dirname': '__dirname' },
    ...minify,
    logLevel: 'warning',
  });
  fs.mkdirSync(path.dirname(file.path), { recursive: true });
  // load.cjs compiles the file as it is and calls the function with what it needs. Only a
  // file that reads import.meta.url takes it (load.cjs tells by the parameter list): making
  // the URL costs ~0.1 ms of CPU per file, ~3 ms for the thirty-odd files a list loads.
  const parameters = `exports, require, module, __filename, __dirname${code.includes('__crm_import_meta_url') ? ', __crm_import_meta_url' : ''}`;
  const script = `(function (${parameters}) {${code}\n})`;
  fs.writeFileSync(file.path, script);
  hash.update(path.relative(outdir, file.path)).update('\0').update(script).update('\0');
}
// The build's id names its cache folder, so a cache is never tried on another build's files.
const loader = fs.readFileSync(path.join(root, 'src', 'build', 'load-bundle.cjs'), 'utf8');
const buildId = hash.digest('hex').slice(0, 16);
if (!loader.includes("'__CRM_BUILD_ID__'")) throw new Error('src/build/load-bundle.cjs lost its build id placeholder');
fs.writeFileSync(path.join(outdir, 'load.cjs'), loader.replace("'__CRM_BUILD_ID__'", `'${buildId}'`));

/*
 * `crm __complete` (every Tab in the shell) has a bundle of its own, which bin/crm.js requires
 * instead of the program for a SQLite file (src/cli/complete-fast.ts), and the program's
 * command tree as data beside it, taken from the program just built. CommonJS like bin/crm.js,
 * so that a Tab does not set up Node's ES module loader either.
 */
// No code cache for this one load of the program: it is the build's, not a user's.
process.env.NODE_DISABLE_COMPILE_CACHE = '1';
const { completionTreeJson, processContext } = createRequire(import.meta.url)(path.join(outdir, 'load.cjs')).loadBundle('crm.js');
const completionTree = await completionTreeJson(processContext());
fs.writeFileSync(path.join(outdir, 'completion-tree.json'), completionTree);
// The command groups, for load.cjs to remember each of their commands apart.
const groups = JSON.parse(completionTree).commands.filter((command) => command.commands.length > 0).map((command) => command.name);
if (!loader.includes("'__CRM_GROUPS__'")) throw new Error('src/build/load-bundle.cjs lost its command groups placeholder');
fs.writeFileSync(path.join(outdir, 'load.cjs'), loader.replace("'__CRM_BUILD_ID__'", `'${buildId}'`).replace("'__CRM_GROUPS__'", `'${groups.join(' ')}'`));
await build({
  absWorkingDir: root,
  entryPoints: { complete: 'src/cli/complete-fast.ts' },
  outdir,
  outExtension: { '.js': '.cjs' },
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  external: ['better-sqlite3'],
  define: { 'import.meta.url': '__crm_complete_url', 'import.meta.dirname': '__dirname' },
  banner: { js: "const __crm_complete_url = require('node:url').pathToFileURL(__filename).href;" },
  legalComments: 'none',
  ...minify,
  logLevel: 'warning',
});

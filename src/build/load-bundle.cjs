'use strict';
/**
 * Loads the bundle (dist/bundle/, written by src/build/bundle.mjs, which copies this file there
 * as load.cjs) with a V8 code cache, the compile cache Node 20 lacks (module.enableCompileCache
 * came in Node 22.1, and only for modules Node loads itself).
 *
 * The bundle's files are CommonJS-style scripts: each is compiled with vm.Script, given the
 * cache V8 made of it on an earlier run, and called with its own `require`, which loads the
 * bundle's other files the same way and anything else (Node's built-ins, better-sqlite3, pg)
 * through Node. Compiling them this way instead of as ES modules saves most of their parsing
 * and compiling, and Node's per-module resolution, on every command.
 *
 * The cache lives in the user's cache folder, one folder per build of the bundle and per V8
 * version, since V8 accepts a cache made by the same V8 from the same source only (the folder
 * is named by both, so a cache is never even tried on other files). It is written
 * when the process exits, after the command ran, so it holds the functions the command compiled
 * as well; a command word not seen before (`crm import` after `crm customer list`) rewrites the
 * caches of the files it loaded, which then hold the functions both need. Any failure to read,
 * use or write the cache only means compiling as if there were none. NODE_DISABLE_COMPILE_CACHE
 * (Node's own switch for its compile cache) turns it off.
 */
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const vm = require('node:vm');
const { pathToFileURL } = require('node:url');

/** Replaced by the build with a hash of the bundle's files. */
const BUILD_ID = '__CRM_BUILD_ID__';
/** How many other builds' cache folders are kept (see pruneOtherBuilds). */
const KEPT_OTHER_BUILDS = 3;
/** Commands remembered per cache folder; beyond this many, no more rewrites. */
const MAX_WORDS = 128;
/**
 * The command groups (`customer`, `product`, …), replaced by the build with their names: a
 * group's commands are remembered one by one (`customer list` apart from `customer add`), since
 * each compiles functions of its own that the cache should hold.
 */
const GROUPS = '__CRM_GROUPS__';

const bundleFolder = __dirname;
/**
 * Resolves what the bundle leaves outside it (Node's built-ins, better-sqlite3's addon, pg)
 * from this folder, as crm.js's own require would. This file's require does just that, without
 * module.createRequire, whose node:module brings Node's ES module loader and source maps
 * (~1 ms of CPU to compile).
 */
const nodeRequire = require;

/** The user's cache folder, as XDG (Linux), macOS and Windows name it; undefined when there is none. */
function userCacheFolder(env) {
  if (process.platform === 'win32') return env.LOCALAPPDATA ? path.join(env.LOCALAPPDATA, 'crm', 'Cache') : undefined;
  const home = os.homedir();
  if (process.platform === 'darwin') return home ? path.join(home, 'Library', 'Caches', 'crm') : undefined;
  const xdg = env.XDG_CACHE_HOME;
  // The XDG spec asks for a relative XDG_CACHE_HOME to be ignored.
  if (xdg && path.isAbsolute(xdg)) return path.join(xdg, 'crm');
  return home ? path.join(home, '.cache', 'crm') : undefined;
}

function cacheFolder() {
  if (process.env.NODE_DISABLE_COMPILE_CACHE) return undefined;
  const root = userCacheFolder(process.env);
  if (!root) return undefined;
  return path.join(root, 'code-cache', `${BUILD_ID}-${process.versions.v8}-${process.arch}`);
}

const folder = cacheFolder();
/**
 * The command being run, as the cache remembers it: its first word that is neither an option
 * nor --db's value (`customer` in `crm --db x.db customer list`), with the next word when the
 * first names a group (`customer list`); '' for none.
 */
const commandWord = (() => {
  const words = [];
  const args = process.argv.slice(2);
  for (let index = 0; index < args.length && words.length < 2; index++) {
    if (args[index] === '--db') index++;
    else if (!args[index].startsWith('-')) words.push(args[index]);
  }
  const word = /^[a-z_][a-z0-9_-]{0,30}$/;
  if (!words[0] || !word.test(words[0])) return '';
  const groups = GROUPS.startsWith('__') ? [] : GROUPS.split(' ');
  return groups.includes(words[0]) && words[1] && word.test(words[1]) ? `${words[0]} ${words[1]}` : words[0];
})();

let seenWords;
function wordsSeen() {
  if (seenWords === undefined) {
    try {
      seenWords = fs.readFileSync(path.join(folder, 'commands'), 'utf8').split('\n').filter(Boolean);
    } catch {
      seenWords = [];
    }
  }
  return seenWords;
}

/** How a file that reads import.meta.url begins (src/build/bundle.mjs); the others are not given it. */
const TAKES_URL = '(function (exports, require, module, __filename, __dirname, __crm_import_meta_url) {';

/** Loaded files by path: their module objects, and their scripts while a cache may be written. */
const modules = new Map();
/** Scripts whose cache is to be written at exit: [script, cache file]. */
const toCache = [];

function readCache(file) {
  if (!folder) return undefined;
  try {
    return fs.readFileSync(file);
  } catch {
    return undefined;
  }
}

/**
 * The bundle file `id` names from `dirname`. Most are siblings (`./chunk-X.js`), joined by hand:
 * path.join's normalisation, a loop over every character of these long paths run for each
 * require, was hot enough in a list for V8 to spend ~4 ms of CPU optimising it. The result is
 * the same string path.join gives, so a file is never loaded twice under two names.
 */
function bundlePath(dirname, id) {
  const name = id.slice(2);
  return id.startsWith('./') && !name.includes('/') && !name.includes('\\') ? `${dirname}${path.sep}${name}` : path.join(dirname, id);
}

function loadFile(file) {
  const known = modules.get(file);
  if (known) return known.exports;
  const module = { exports: {} };
  modules.set(file, module);
  const source = fs.readFileSync(file, 'utf8');
  const cacheFile = folder && `${folder}${path.sep}${file.slice(file.lastIndexOf(path.sep) + 1)}.cache`;
  const cachedData = readCache(cacheFile);
  // Each file is already a function expression (src/build/bundle.mjs wraps it), so its text
  // is compiled as read, without a wrapped copy of it.
  const script = new vm.Script(source, {
    filename: file,
    cachedData,
  });
  if (cacheFile) toCache.push({ script, cacheFile, fresh: cachedData === undefined || script.cachedDataRejected === true });
  const dirname = file.slice(0, file.lastIndexOf(path.sep));
  const localRequire = (id) => (id.startsWith('./') || id.startsWith('../') ? loadFile(bundlePath(dirname, id)) : nodeRequire(id));
  const url = source.startsWith(TAKES_URL) ? pathToFileURL(file).href : undefined;
  script.runInThisContext()(module.exports, localRequire, module, file, dirname, url);
  return module.exports;
}

/**
 * Removes the caches of all but the few most recent other builds (and V8 versions): a new
 * version of crm leaves the old one's behind, while several checkouts of crm (or two Node
 * versions) in use side by side each keep theirs.
 */
function pruneOtherBuilds() {
  const parent = path.dirname(folder);
  const others = fs
    .readdirSync(parent)
    .filter((entry) => entry !== path.basename(folder))
    .map((entry) => ({ entry, modified: fs.statSync(path.join(parent, entry)).mtimeMs }))
    .sort((a, b) => b.modified - a.modified);
  for (const { entry } of others.slice(KEPT_OTHER_BUILDS)) fs.rmSync(path.join(parent, entry), { recursive: true, force: true });
}

function writeCaches() {
  const newWord = commandWord && !wordsSeen().includes(commandWord) && wordsSeen().length < MAX_WORDS;
  const due = toCache.filter((entry) => entry.fresh || newWord);
  if (due.length === 0) return;
  try {
    if (!fs.existsSync(folder)) {
      fs.mkdirSync(folder, { recursive: true, mode: 0o700 });
      pruneOtherBuilds();
    }
    for (const { script, cacheFile } of due) {
      // Written aside and renamed, so a concurrent crm never reads half a cache.
      const temporary = `${cacheFile}.${process.pid}`;
      fs.writeFileSync(temporary, script.createCachedData(), { mode: 0o600 });
      fs.renameSync(temporary, cacheFile);
    }
    if (newWord) fs.appendFileSync(path.join(folder, 'commands'), `${commandWord}\n`, { mode: 0o600 });
  } catch {
    // A read-only or full disk: the next run compiles again, nothing else is lost.
  }
}

if (folder) process.once('exit', writeCaches);

/** Loads `name` (crm.js) from the bundle folder and returns its exports. */
exports.loadBundle = (name) => loadFile(path.join(bundleFolder, name));

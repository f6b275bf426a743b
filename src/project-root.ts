import fs from 'node:fs';
import path from 'node:path';

/**
 * The package root (where package.json and drizzle/ live), found by walking up from this
 * file, so the same code works from `src/` under vitest and from `dist/src/` when installed.
 */
export const projectRoot: string = (() => {
  // import.meta.dirname rather than fileURLToPath(import.meta.url): no URL parsing, whose
  // functions a command would otherwise compile at start-up.
  let dir = import.meta.dirname;
  for (;;) {
    if (fs.existsSync(path.join(dir, 'package.json')) && fs.existsSync(path.join(dir, 'drizzle'))) {
      return dir;
    }
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error('crm: cannot locate its package folder (package.json + drizzle/)');
    dir = parent;
  }
})();

export const packageVersion: string = (
  JSON.parse(fs.readFileSync(path.join(projectRoot, 'package.json'), 'utf8')) as { version: string }
).version;

import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The package root (where package.json and drizzle/ live), found by walking up from this
 * file, so the same code works from `src/` under vitest and from `dist/src/` when installed.
 */
export const projectRoot: string = (() => {
  let dir = path.dirname(fileURLToPath(import.meta.url));
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

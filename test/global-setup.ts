import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
// The bundle is written last by `npm run build` (after tsc's dist/src/), so its age is the build's.
const builtEntry = path.join(root, 'dist', 'bundle', 'crm.js');

function newestSourceChange(): number {
  const sources = fs
    .readdirSync(path.join(root, 'src'), { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.ts'))
    .map((file) => path.join(root, 'src', file));
  return Math.max(...[...sources, path.join(root, 'tsconfig.json')].map((file) => fs.statSync(file).mtimeMs));
}

/**
 * Tests that spawn `bin/crm.js` run the bundle (and fixtures the compiled dist/src/), so build once before the run
 * when dist/ is missing or older than src/ (`npm test` has just built, so it skips this).
 */
export default function buildIfStale(): void {
  const built = fs.existsSync(builtEntry) ? fs.statSync(builtEntry).mtimeMs : 0;
  if (built >= newestSourceChange()) return;
  execFileSync('npm', ['run', 'build'], { cwd: root, stdio: 'inherit' });
}

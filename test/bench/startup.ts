/**
 * `npm run bench:startup [-- --rounds N]`: how long the real binary takes to start, next to
 * `node -e 0` (the floor no Node program can go below). Each round runs every command once,
 * in an order that rotates from round to round, so a neighbour's load on a shared machine
 * falls on all of them alike; the table shows medians and their ratio to `node -e 0`.
 * Target: at most 1.5× for `crm --version`, `crm product list` and `crm customer list` on a
 * small database. On Linux it also shows the mean CPU time (user + system) each command's
 * process used, which a busy machine inflates far less than it does wall time.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { projectRoot } from '../../src/project-root.js';

const CRM = path.join(projectRoot, 'bin', 'crm.js');
const TARGET_RATIO = 1.5;
const SMALL_DB = { products: 3, customers: 25 };

interface Command {
  label: string;
  args: string[];
}

function roundsOption(argv: readonly string[]): number {
  const at = argv.indexOf('--rounds');
  if (at === -1) return 20;
  const value = Number(argv[at + 1]);
  if (!Number.isSafeInteger(value) || value <= 0) {
    console.error('usage: npm run bench:startup -- [--rounds N]');
    process.exit(2);
  }
  return value;
}

function runCrm(env: NodeJS.ProcessEnv, args: string[]): void {
  const result = spawnSync(process.execPath, [CRM, ...args], { env, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`crm ${args.join(' ')} failed: ${result.stderr}`);
}

/** A database as small as a new user's: a few products and a page of customers. */
function seedSmallDatabase(env: NodeJS.ProcessEnv): void {
  for (let index = 1; index <= SMALL_DB.products; index++) runCrm(env, ['product', 'add', `Product ${index}`]);
  for (let index = 1; index <= SMALL_DB.customers; index++) {
    runCrm(env, ['customer', 'add', `Customer ${index}`, '--email', `c${index}@example.com`, '--product', `Product ${(index % SMALL_DB.products) + 1}`]);
  }
}

const CLOCK_TICKS_PER_MS = 100 / 1000;

/** CPU time of this process's finished children (cutime + cstime), in ms; undefined off Linux. */
function childrenCpuMs(): number | undefined {
  try {
    // Fields after the command name, which is in parentheses and may hold spaces.
    const fields = fs.readFileSync('/proc/self/stat', 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[13]) + Number(fields[14])) / CLOCK_TICKS_PER_MS;
  } catch {
    return undefined;
  }
}

interface Sample {
  wallMs: number;
  cpuMs: number | undefined;
}

function timeOnce(env: NodeJS.ProcessEnv, command: Command): Sample {
  const cpuBefore = childrenCpuMs();
  const started = process.hrtime.bigint();
  const result = spawnSync(process.execPath, command.args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
  const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
  const cpuAfter = childrenCpuMs();
  if (result.status !== 0) throw new Error(`${command.label} failed: ${result.stderr.toString()}`);
  return { wallMs, cpuMs: cpuBefore === undefined || cpuAfter === undefined ? undefined : cpuAfter - cpuBefore };
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

function main(): void {
  const rounds = roundsOption(process.argv.slice(2));
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'crm-bench-startup-'));
  try {
    const env: NodeJS.ProcessEnv = { ...process.env, CRM_DB: path.join(folder, 'crm.db'), NO_COLOR: '1' };
    seedSmallDatabase(env);
    const baseline: Command = { label: 'node -e 0', args: ['-e', '0'] };
    const commands: Command[] = [
      baseline,
      { label: 'crm --version', args: [CRM, '--version'] },
      { label: 'crm product list', args: [CRM, 'product', 'list'] },
      { label: 'crm customer list', args: [CRM, 'customer', 'list'] },
    ];
    // One unmeasured run of each warms the file cache (and Node's compile cache, where it has one).
    for (const command of commands) timeOnce(env, command);
    const samples = new Map<Command, Sample[]>(commands.map((command) => [command, []]));
    for (let round = 0; round < rounds; round++) {
      for (let step = 0; step < commands.length; step++) {
        const command = commands[(round + step) % commands.length]!;
        samples.get(command)!.push(timeOnce(env, command));
      }
    }
    const wall = (command: Command) => samples.get(command)!.map((sample) => sample.wallMs);
    // Clock ticks are 10 ms, too coarse for one run: the mean over all rounds is what is shown.
    const meanCpu = (command: Command) => {
      const values = samples.get(command)!.map((sample) => sample.cpuMs);
      return values.every((value) => value !== undefined) ? values.reduce((sum, value) => sum + value, 0) / values.length : undefined;
    };
    const floor = median(wall(baseline));
    const cpuFloor = meanCpu(baseline);
    console.log(`startup on ${process.version}, ${rounds} interleaved rounds, ${SMALL_DB.products} products and ${SMALL_DB.customers} customers; target ≤ ${TARGET_RATIO}× node -e 0`);
    console.log(
      `${'command'.padEnd(20)} ${'median ms'.padStart(10)} ${'min ms'.padStart(8)} ${'ratio'.padStart(7)} ${'cpu ms'.padStart(8)} ${'cpu ratio'.padStart(9)}  verdict`,
    );
    for (const command of commands) {
      const values = wall(command);
      const ratio = median(values) / floor;
      const cpu = meanCpu(command);
      const cpuColumns =
        cpu === undefined || !cpuFloor ? `${'-'.padStart(8)} ${'-'.padStart(9)}` : `${cpu.toFixed(0).padStart(8)} ${`${(cpu / cpuFloor).toFixed(2)}×`.padStart(9)}`;
      const verdict = command === baseline ? 'floor' : ratio <= TARGET_RATIO ? 'ok' : 'over target';
      console.log(
        `${command.label.padEnd(20)} ${median(values).toFixed(1).padStart(10)} ${Math.min(...values).toFixed(1).padStart(8)} ${`${ratio.toFixed(2)}×`.padStart(7)} ${cpuColumns}  ${verdict}`,
      );
    }
  } finally {
    fs.rmSync(folder, { recursive: true, force: true });
  }
}

main();

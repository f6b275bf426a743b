/**
 * `npm run bench [-- --rows N] [--repeat N]`: bulk import and export of N customers and 3N interactions,
 * crm (the real binary, spawned) side by side with the sqlite3 shell's `.import` and
 * `.mode csv` on the same files and the same schema. Prints rows/s, the ratio to sqlite3 and
 * each process's peak RSS (from /usr/bin/time, else VmHWM polled in /proc); with --repeat,
 * the best of N runs of each. crm import runs three times, to show what the audit log costs
 * it: `--audit rows` (one audit entry per row), `--audit summary` (one entry for the import;
 * what `auto` picks at this size) and into a file whose audit triggers were dropped.
 */
import Database from 'better-sqlite3';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { once } from 'node:events';
import { EXPECTED_TRIGGERS } from '../../src/db/expected.js';
import { projectRoot } from '../../src/project-root.js';

const TABLES = ['products', 'customers', 'customer_interactions'] as const;
const SQLITE3 = '/usr/bin/sqlite3';
const TIME = '/usr/bin/time';
const CRM = path.join(projectRoot, 'bin', 'crm.js');

interface Measure {
  seconds: number;
  peakRssKb: number;
}

function numberOption(argv: readonly string[], name: string, fallback: number): number {
  const at = argv.indexOf(name);
  if (at === -1) return fallback;
  const value = Number(argv[at + 1]);
  if (!Number.isSafeInteger(value) || value <= 0) {
    console.error('usage: npm run bench -- [--rows N] [--repeat N]');
    process.exit(2);
  }
  return value;
}

/** Best of `repeat` runs: on a shared machine the slowest runs measure the neighbours. */
async function best(repeat: number, run: () => Promise<Measure>): Promise<Measure> {
  let result: Measure | undefined;
  for (let round = 0; round < repeat; round++) {
    const measured = await run();
    if (!result || measured.seconds < result.seconds) result = measured;
  }
  return result!;
}

function csvQuote(text: string): string {
  return /[",\n\r]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** Writes with backpressure so generating 4M rows stays within a few MB. */
async function writeLines(file: string, header: string, count: number, line: (index: number) => string): Promise<void> {
  const out = fs.createWriteStream(file);
  out.write(`${header}\n`);
  let buffer = '';
  for (let index = 0; index < count; index++) {
    buffer += `${line(index)}\n`;
    if (buffer.length > 1 << 16) {
      if (!out.write(buffer)) await once(out, 'drain');
      buffer = '';
    }
  }
  out.end(buffer);
  await once(out, 'finish');
}

const uuid = (kind: number, index: number) =>
  `${kind.toString(16).padStart(8, '0')}-0000-4000-8000-${index.toString(16).padStart(12, '0')}`;
const stamp = (index: number) => new Date(Date.UTC(2024, 0, 1) + index * 1_000).toISOString();
const STATUSES = ['lead', 'qualified', 'proposal', 'negotiation', 'closed_won', 'closed_lost'];
const CHANNELS = ['phone', 'email', 'meeting', 'chat', 'other'];

/** Files in exactly the form `crm export` writes, so the crm round trip can be compared byte for byte. */
async function generate(dir: string, rows: number): Promise<void> {
  fs.mkdirSync(dir, { recursive: true });
  await writeLines(path.join(dir, 'products.csv'), 'id,name,description,is_active,created_at,updated_at', 3, (i) =>
    [uuid(1, i), `Product ${i}`, csvQuote(`Offer ${i}, "bench"`), 1, stamp(i), stamp(i)].join(','),
  );
  await writeLines(
    path.join(dir, 'customers.csv'),
    'id,name,email,phone,product_id,status,acquisition_source,owner,is_archived,created_at,updated_at',
    rows,
    (i) =>
      [
        uuid(2, i),
        i % 10 === 0 ? csvQuote(`Müller, Jörg ${i}`) : `Customer ${i}`,
        i % 7 === 0 ? '' : `customer${i}@example.com`,
        i % 3 === 0 ? '' : `+44 20 7946 ${String(i % 10_000).padStart(4, '0')}`,
        i % 4 === 0 ? '' : uuid(1, i % 3),
        STATUSES[i % STATUSES.length],
        i % 5 === 0 ? '' : 'referral',
        i % 2 === 0 ? 'ada' : '',
        i % 11 === 0 ? 1 : 0,
        stamp(i),
        stamp(i + 1),
      ].join(','),
  );
  await writeLines(
    path.join(dir, 'customer_interactions.csv'),
    'id,customer_id,type,channel,note,follow_up_date,created_at',
    rows * 3,
    (i) =>
      [
        uuid(3, i),
        uuid(2, Math.floor(i / 3)),
        'Call',
        CHANNELS[i % CHANNELS.length],
        i % 4 === 0 ? csvQuote(`Said "call back", line one\nline two ${i}`) : `Note ${i}`,
        i % 3 === 0 ? stamp(i + 86_400) : '',
        stamp(i),
      ].join(','),
  );
}

/** Runs a command, measuring wall time and peak RSS; stdout optionally into a file. */
async function measure(command: string, args: readonly string[], stdoutFile?: string): Promise<Measure> {
  const useTime = fs.existsSync(TIME);
  const timeFile = `${stdoutFile ?? path.join(path.dirname(CRM), '..', '.bench', 'cmd')}.time`;
  const argv = useTime ? [TIME, '-f', '%M', '-o', timeFile, command, ...args] : [command, ...args];
  const stdout = stdoutFile ? fs.openSync(stdoutFile, 'w') : 'ignore';
  const started = process.hrtime.bigint();
  const child = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', stdout, 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  let polledPeak = 0;
  const poll = useTime
    ? undefined
    : setInterval(() => {
        try {
          const status = fs.readFileSync(`/proc/${child.pid}/status`, 'utf8');
          polledPeak = Math.max(polledPeak, Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0));
        } catch {
          // The process has just exited.
        }
      }, 20);
  const [code] = (await once(child, 'exit')) as [number];
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (poll) clearInterval(poll);
  if (typeof stdout === 'number') fs.closeSync(stdout);
  if (code !== 0) throw new Error(`${command} ${args.join(' ')} failed (${code}):\n${stderr}`);
  const peakRssKb = useTime ? Number(fs.readFileSync(timeFile, 'utf8').trim().split('\n').at(-1)) : polledPeak;
  return { seconds, peakRssKb };
}

function freshDatabase(file: string): void {
  for (const suffix of ['', '-wal', '-shm']) fs.rmSync(`${file}${suffix}`, { force: true });
  const result = spawnSync(process.execPath, [CRM, '--db', file, 'product', 'list'], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`cannot create ${file}: ${result.stderr}`);
}

function dropAuditTriggers(file: string): void {
  const db = new Database(file);
  try {
    for (const trigger of EXPECTED_TRIGGERS.filter((name) => name.includes('_audit_'))) db.exec(`DROP TRIGGER ${trigger}`);
  } finally {
    db.close();
  }
}

function filesIdentical(a: string, b: string): boolean {
  return spawnSync('cmp', ['-s', a, b]).status === 0;
}

interface Row {
  operation: string;
  tool: string;
  rows: number;
  measure?: Measure;
  note?: string;
}

function print(rows: readonly Row[]): void {
  const header = ['operation', 'tool', 'rows', 'seconds', 'rows/s', 'vs sqlite3', 'peak RSS'];
  const baseline = new Map(rows.filter((r) => r.tool === 'sqlite3' && r.measure).map((r) => [r.operation, r.measure!]));
  const lines = rows.map((r) => {
    if (!r.measure) return [r.operation, r.tool, String(r.rows), '-', '-', '-', r.note ?? ''];
    const rate = r.rows / r.measure.seconds;
    const base = baseline.get(r.operation);
    const ratio = base ? rate / (r.rows / base.seconds) : undefined;
    return [
      r.operation,
      r.tool,
      String(r.rows),
      r.measure.seconds.toFixed(2),
      Math.round(rate).toLocaleString('en-US'),
      ratio === undefined ? '-' : `${ratio.toFixed(2)}x`,
      `${Math.round(r.measure.peakRssKb / 1024)} MB`,
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  for (const line of [header, ...lines]) console.log(line.map((cell, i) => cell.padEnd(widths[i]!)).join('  '));
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const customers = numberOption(argv, '--rows', 1_000_000);
  const repeat = numberOption(argv, '--repeat', 1);
  const total = 3 + customers * 4;
  const work = path.join(projectRoot, '.bench');
  const input = path.join(work, 'input');
  const crmOut = path.join(work, 'crm-export');
  const sqliteOut = path.join(work, 'sqlite3-export');
  fs.rmSync(work, { recursive: true, force: true });
  fs.mkdirSync(sqliteOut, { recursive: true });
  console.error(`generating ${customers.toLocaleString('en-US')} customers and ${(customers * 3).toLocaleString('en-US')} interactions in ${input} …`);
  await generate(input, customers);

  const results: Row[] = [];
  const haveSqlite = fs.existsSync(SQLITE3);
  const sqliteDb = path.join(work, 'sqlite3.db');
  const crmDb = path.join(work, 'crm.db');

  if (haveSqlite) {
    console.error('sqlite3 .import …');
    const imports = TABLES.flatMap((table) => ['-cmd', `.import --csv --skip 1 ${path.join(input, `${table}.csv`)} ${table}`]);
    const measured = await best(repeat, () => {
      freshDatabase(sqliteDb);
      // The shell is a writer outside crm, so the audit triggers would log each row it
      // imports, in a temp-file statement journal: that measured the triggers, not the import.
      dropAuditTriggers(sqliteDb);
      return measure(SQLITE3, [...imports, sqliteDb, 'SELECT 1']);
    });
    results.push({ operation: 'import', tool: 'sqlite3', rows: total, measure: measured });
  } else {
    results.push({ operation: 'import', tool: 'sqlite3', rows: total, note: `${SQLITE3} not found (apt-get install sqlite3); skipped` });
  }
  const crmImport = async (tool: string, file: string, audit: string, prepare?: () => void): Promise<Measure> => {
    console.error(`${tool} …`);
    const measured = await best(repeat, () => {
      freshDatabase(file);
      prepare?.();
      return measure(process.execPath, [CRM, '--db', file, 'import', '--dir', input, '--audit', audit]);
    });
    results.push({ operation: 'import', tool, rows: total, measure: measured });
    return measured;
  };
  const scratchDb = path.join(work, 'crm-scratch.db');
  const withoutTriggers = await crmImport('crm, no audit triggers', scratchDb, 'rows', () => dropAuditTriggers(scratchDb));
  const perRow = await crmImport('crm --audit rows', scratchDb, 'rows');
  // Last, into the file both exporters read: the default (auto) at this size.
  const summary = await crmImport('crm --audit summary', crmDb, 'summary');
  for (const suffix of ['', '-wal', '-shm']) fs.rmSync(`${scratchDb}${suffix}`, { force: true });

  if (haveSqlite) {
    console.error('sqlite3 .mode csv export …');
    // Same snapshot of the same data for both exporters: the database crm imported.
    const measured = await best(repeat, async () => {
      let seconds = 0;
      let peakRssKb = 0;
      for (const table of TABLES) {
        const m = await measure(SQLITE3, ['-csv', '-header', crmDb, `SELECT * FROM "${table}"`], path.join(sqliteOut, `${table}.csv`));
        seconds += m.seconds;
        peakRssKb = Math.max(peakRssKb, m.peakRssKb);
      }
      return { seconds, peakRssKb };
    });
    results.push({ operation: 'export', tool: 'sqlite3', rows: total, measure: measured });
  } else {
    results.push({ operation: 'export', tool: 'sqlite3', rows: total, note: 'skipped (no sqlite3)' });
  }
  console.error('crm export --dir …');
  const crmExport = await best(repeat, () => measure(process.execPath, [CRM, '--db', crmDb, 'export', '--dir', crmOut]));
  results.push({ operation: 'export', tool: 'crm', rows: total, measure: crmExport });

  print(results);
  const slowdown = (m: Measure) => `×${(m.seconds / withoutTriggers.seconds).toFixed(2)}`;
  console.log(
    `\naudit cost on crm import (time against a file without audit triggers): --audit rows ${slowdown(perRow)}, --audit summary ${slowdown(summary)}`,
  );
  const identical = TABLES.every((table) => filesIdentical(path.join(input, `${table}.csv`), path.join(crmOut, `${table}.csv`)));
  console.log(`\nround trip (generated files → crm import → crm export): ${identical ? 'byte-identical' : 'DIFFERENT'}`);
  if (!identical) process.exitCode = 1;
}

await main();

/**
 * `npm run bench:archive` (and the `archive` section of `npm run bench`): the two cron jobs on
 * a database of BENCH_CUSTOMERS customers (default 1,000,000) with 3 interactions each, ~10%
 * closed_lost customers untouched for years and ~15% archived; crm (the real binary, spawned)
 * side by side with the plain SQL that makes the same change, each on its own copy:
 *   - SQLite, in the sqlite3 shell: `crm customer archive --status closed_lost --older-than 90d`
 *     vs one UPDATE; `crm archive --to FILE` vs INSERT ... SELECT into the ATTACHed archive and
 *     one DELETE;
 *   - PostgreSQL (test/bench/archive-pg.ts), in psql as the team's manager: the same UPDATE;
 *     `crm archive --to postgres://.../archive` vs \copy of each table into the archive
 *     database and one DELETE.
 * The resulting tables (and the number of audit entries) must be the same, else it aborts.
 * While crm runs, another process runs `crm customer add` in a loop, and on SQLite a probe
 * process takes the write lock as an add does every 50 ms: the wait reported is the probe's
 * longest (an add's own start-up, slowed by the job's CPU use, is not waiting for the lock);
 * on PostgreSQL, the longest add minus the fastest on the idle database.
 * The shell's statements are timed one by one (.timer), to show where the plain SQL spends
 * its time. BENCH_BACKENDS=sqlite or postgres runs one backend only.
 */
import Database from 'better-sqlite3';
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { openDatabase } from '../../src/db/connection.js';
import { flushSearchIndex } from '../../src/db/search-index.js';
import { projectRoot } from '../../src/project-root.js';
import { pgAddOnce, pgMoveScript, startPgBench } from './archive-pg.js';
import { BENCH_ROOT, megabytes, UnequalWorkError, type BenchSection, type FigureRow } from './section.js';

const SQLITE3 = '/usr/bin/sqlite3';
const TIME = '/usr/bin/time';
const CRM = path.join(projectRoot, 'bin', 'crm.js');
const DIR = path.join(BENCH_ROOT, 'archive-data');
const CONCURRENT_NAME = 'Concurrent add';
/** BENCH_ALONE=1: SQLite's jobs alone, without the runs beside concurrent adds (at 1M those take most of an hour). */
const ALONE = Boolean(process.env.BENCH_ALONE);
/** crm's instantBefore counts calendar days; the generated rows are years away from the cutoff either way. */
const CUTOFF = new Date(Date.now() - 90 * 86_400_000).toISOString();

interface Measure {
  seconds: number;
  peakRssKb: number;
  stdout: string;
}

function scale(): number {
  const text = process.env.BENCH_CUSTOMERS ?? '1000000';
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < 100) {
    console.error(`BENCH_CUSTOMERS must be a whole number of at least 100, not ${text}`);
    process.exit(2);
  }
  return value;
}

const ID = (kind: number, counter: string) =>
  `printf('%08x-%04x-4%03x-8000-%012x', (${counter} * 2654435761) % 4294967296, ${counter} % 65536, ${kind}, ${counter})`;

/**
 * Built in SQL in one pass. Rowids follow the counter while ids are scattered, as with
 * random UUIDs. The audit triggers are idle while it fills (summary mode): the jobs, not
 * the set-up, are measured.
 */
function generate(file: string, customers: number): void {
  for (const suffix of ['', '-wal', '-shm']) fs.rmSync(`${file}${suffix}`, { force: true });
  openDatabase(file).close();
  const db = new Database(file);
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('foreign_keys = ON');
    // One transaction of millions of rows at scattered ids: with SQLite's default 2 MB cache the
    // index pages spilled to the WAL again and again (at 1M the load had not ended after 10 min).
    db.pragma('cache_size = -4000000');
    db.transaction(() => {
      // The search index deferred too: each interaction would rebuild its customer's document
      // (at 1M customers the load took an hour); the documents are built once at the end.
      db.exec(`INSERT INTO audit_context (id, actor, at, mode, search_deferred) VALUES (1, 'bench', NULL, 'summary', 1)`);
      db.exec(`INSERT INTO products (id, name, description, is_active, created_at, updated_at)
        VALUES ${[0, 1, 2].map((p) => `('00000000-0000-4000-8000-00000000000${p}', 'Product ${p}', 'Offer ${p}', 1, '2019-01-01T00:00:00.000Z', '2019-01-01T00:00:00.000Z')`).join(', ')}`);
      db.exec(`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${customers})
        INSERT INTO customers (id, name, email, phone, product_id, status, acquisition_source, owner, is_archived, created_at, updated_at)
        SELECT ${ID(2, 'i')}, 'Customer ' || i, 'c' || i || '@example.com', NULL,
          CASE WHEN i % 4 = 0 THEN NULL ELSE '00000000-0000-4000-8000-00000000000' || (i % 3) END,
          CASE WHEN i % 20 < 2 THEN 'closed_lost'
               WHEN i % 20 < 5 THEN CASE i % 2 WHEN 0 THEN 'closed_won' ELSE 'closed_lost' END
               ELSE json_extract('["lead","qualified","proposal","negotiation","closed_won","closed_lost"]', '$[' || (i % 6) || ']') END,
          CASE i % 5 WHEN 0 THEN 'referral' ELSE 'website' END, 'owner' || (i % 7),
          CASE WHEN i % 20 BETWEEN 2 AND 4 THEN 1 ELSE 0 END,
          strftime('%Y-%m-%dT%H:%M:%fZ', '2019-01-01', '+' || (i % 86400) || ' seconds'),
          CASE WHEN i % 20 < 2 THEN strftime('%Y-%m-%dT%H:%M:%fZ', '2020-01-01', '+' || (i % 86400) || ' seconds')
               WHEN i % 20 < 5 THEN strftime('%Y-%m-%dT%H:%M:%fZ', '2021-01-01', '+' || (i % 86400) || ' seconds')
               ELSE strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-' || (i % 30) || ' days') END
        FROM n`);
      db.exec(`WITH RECURSIVE n(j) AS (SELECT 0 UNION ALL SELECT j + 1 FROM n WHERE j < ${customers * 3 - 1})
        INSERT INTO customer_interactions (id, customer_id, type, channel, note, follow_up_date, created_at)
        SELECT ${ID(3, 'j')}, ${ID(2, '(j / 3 + 1)')}, 'call',
          json_extract('["phone","email","meeting","chat","other"]', '$[' || (j % 5) || ']'), 'Note ' || j,
          CASE WHEN j % 9 = 0 THEN '2027-01-01' END,
          strftime('%Y-%m-%dT%H:%M:%fZ', '2019-06-01', '+' || (j % 86400) || ' seconds')
        FROM n`);
      flushSearchIndex(db);
      db.exec(`DELETE FROM audit_context`);
    })();
  } finally {
    db.close();
  }
  // What crm's first write would otherwise do inside the job being measured: fold the names the
  // triggers left unfolded (every generated customer; 1.5 s of a 100,000-customer run, time
  // that neither the sqlite3 shell nor a file filled by crm itself pays).
  const crm = openDatabase(file);
  try {
    crm.write(() => undefined);
    crm.sqlite.pragma('wal_checkpoint(TRUNCATE)');
  } finally {
    crm.close();
  }
}

function copy(from: string, to: string): void {
  for (const suffix of ['', '-wal', '-shm']) fs.rmSync(`${to}${suffix}`, { force: true });
  fs.copyFileSync(from, to);
}

/** Runs a command, measuring wall time and peak RSS (VmHWM, through /usr/bin/time -f %M). */
async function measure(command: string, args: readonly string[], input?: string): Promise<Measure> {
  // Per process: two benches may share the folder.
  const timeFile = path.join(DIR, `cmd-${process.pid}.time`);
  const started = process.hrtime.bigint();
  const child = spawn(TIME, ['-f', '%M', '-o', timeFile, command, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdin.end(input ?? '');
  const [code] = (await once(child, 'exit')) as [number];
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (code !== 0) throw new Error(`${command} ${args.join(' ')} failed (${code}):\n${stderr}`);
  const peakRssKb = Number(fs.readFileSync(timeFile, 'utf8').trim().split('\n').at(-1));
  return { seconds, peakRssKb, stdout };
}

function addOnce(file: string, index: number): Promise<number> {
  const started = process.hrtime.bigint();
  const child = spawn(process.execPath, [CRM, '--db', file, 'customer', 'add', `${CONCURRENT_NAME} ${index}`], {
    stdio: 'ignore',
  });
  return once(child, 'exit').then(([code]) => {
    if (code !== 0) throw new Error(`crm customer add exited ${code}`);
    return Number(process.hrtime.bigint() - started) / 1e6;
  });
}

/** Runs `crm customer add` again and again until `job` settles; the longest one, in ms. */
async function whileAdding<T>(
  file: string,
  job: Promise<T>,
  add: (file: string, index: number) => Promise<number> = addOnce,
): Promise<{ result: T; longestAddMs: number; adds: number }> {
  let done = false;
  const settled = job.finally(() => (done = true));
  let longestAddMs = 0;
  let adds = 0;
  const loop = (async () => {
    while (!done) {
      longestAddMs = Math.max(longestAddMs, await add(file, adds));
      adds += 1;
    }
  })();
  const result = await settled;
  await loop;
  return { result, longestAddMs, adds };
}

/**
 * The lock wait itself, apart from a spawned add's start-up (which competes for the CPU with
 * the job on a small machine): another process takes the write lock the way `crm customer add`
 * does (BEGIN IMMEDIATE, crm's busy timeout), every 50 ms, and gives it back at once (ROLLBACK:
 * nothing changes). Stopped with SIGTERM; the longest wait in ms is its last line.
 */
const PROBE = `
const Database = require(${JSON.stringify(path.join(projectRoot, 'node_modules', 'better-sqlite3'))});
const db = new Database(process.argv[1]);
db.pragma('busy_timeout = 600000');
let longest = 0;
let late = 0;
process.on('SIGTERM', () => { console.log(longest.toFixed(0) + ' ' + late.toFixed(0)); process.exit(0); });
const probe = () => {
  const started = performance.now();
  db.exec('BEGIN IMMEDIATE');
  longest = Math.max(longest, performance.now() - started);
  db.exec('ROLLBACK');
  const due = performance.now() + 50;
  setTimeout(() => { late = Math.max(late, performance.now() - due); probe(); }, 50);
};
probe();`;

/**
 * Runs the probe on `file` until `job` settles; the longest lock wait, in ms, and how late the
 * probe's own 50 ms timer fired at worst: on a loaded machine a process waits for a CPU too, and
 * a lock wait measured there includes that.
 */
async function whileProbing<T>(file: string, job: Promise<T>): Promise<{ result: T; longestWaitMs: number; lateMs: number }> {
  const probe = spawn(process.execPath, ['-e', PROBE, file], { stdio: ['ignore', 'pipe', 'inherit'] });
  let output = '';
  probe.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const result = await job;
  probe.kill('SIGTERM');
  await once(probe, 'exit');
  const [wait, late] = output.trim().split('\n').at(-1)!.split(' ').map(Number);
  return { result, longestWaitMs: wait!, lateMs: late! };
}

/** What both tools must agree on: every row of the data tables, and how many audit entries of each kind. */
function checksum(file: string): string {
  const db = new Database(file, { readonly: true });
  try {
    const hash = createHash('sha256');
    const tables: Array<[string, string]> = [
      ['products', 'SELECT id, name, is_active FROM products ORDER BY id'],
      ['customers', `SELECT id, name, status, product_id, is_archived FROM customers WHERE name NOT LIKE '${CONCURRENT_NAME}%' ORDER BY id`],
      ['customer_interactions', 'SELECT id, customer_id, note, created_at FROM customer_interactions ORDER BY id'],
      [
        'audit_log',
        `SELECT table_name, action, count(*) FROM audit_log
         WHERE NOT (action = 'insert' AND table_name = 'customers' AND json_extract(new_values, '$.name') LIKE '${CONCURRENT_NAME}%')
         GROUP BY 1, 2 ORDER BY 1, 2`,
      ],
    ];
    for (const [table, sql] of tables) {
      hash.update(`${table}\n`);
      for (const row of db.prepare(sql).raw().iterate()) hash.update(`${JSON.stringify(row)}\n`);
    }
    return hash.digest('hex').slice(0, 16);
  } finally {
    db.close();
  }
}

function count(file: string, sql: string): number {
  const db = new Database(file, { readonly: true });
  try {
    return db.prepare(sql).pluck().get() as number;
  } finally {
    db.close();
  }
}

const SOFT_SQL = `.timer on
UPDATE customers SET is_archived = 1, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
  WHERE status = 'closed_lost' AND is_archived = 0 AND updated_at < '${CUTOFF}';
`;

const moveSql = (archive: string) => `.timer on
ATTACH '${archive}' AS arch;
BEGIN IMMEDIATE;
INSERT INTO arch.products (id, name, description, is_active, created_at, updated_at)
  SELECT id, name, description, 0, created_at, updated_at FROM main.products
  WHERE id IN (SELECT product_id FROM main.customers WHERE is_archived = 1);
INSERT INTO arch.customers SELECT * FROM main.customers WHERE is_archived = 1;
INSERT INTO arch.customer_interactions SELECT i.* FROM main.customer_interactions AS i
  JOIN main.customers AS c ON c.id = i.customer_id WHERE c.is_archived = 1;
DELETE FROM main.customers WHERE is_archived = 1;
COMMIT;
`;

interface Line {
  backend: 'sqlite' | 'postgres';
  job: string;
  tool: string;
  rows: number;
  measure: Measure;
  checksum: string;
  note: string;
  /**
   * With concurrent adds: how long a writer waited. SQLite: the longest wait for the write lock
   * (the probe); PostgreSQL, where a new customer waits on no lock the job holds: the longest
   * add minus the fastest on the idle database.
   */
  waitMs?: number;
}

const SOFT_JOB = 'customer archive --status closed_lost --older-than 90d';
const MOVE_JOB = 'archive --to';

function print(lines: readonly Line[]): void {
  const rows = lines.map((line) => {
    const reference = referenceOf(lines, line);
    const ratio = reference.measure.seconds / line.measure.seconds;
    const isReference = line === reference;
    return [
      line.backend,
      line.job,
      line.tool,
      String(line.rows),
      line.measure.seconds.toFixed(2),
      Math.round(line.rows / line.measure.seconds).toLocaleString('en-US'),
      isReference ? '1.00' : ratio.toFixed(2),
      isReference ? '' : '>= 0.50',
      `${(line.measure.peakRssKb / 1024).toFixed(0)} MB`,
      line.checksum,
      line.note,
    ];
  });
  const header = ['backend', 'job', 'tool', 'rows', 'seconds', 'rows/s', 'vs reference', 'target', 'peak RSS', 'checksum', 'note'];
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]!.length)));
  for (const row of [header, ...rows]) console.log(row.map((cell, column) => cell.padEnd(widths[column]!)).join('  ').trimEnd());
}

const isReferenceTool = (tool: string) => tool === 'sqlite3' || tool === 'psql';

function referenceOf(lines: readonly Line[], line: Line): Line {
  return lines.find((other) => other.backend === line.backend && other.job === line.job && isReferenceTool(other.tool))!;
}

/** A reference that left other tables than crm: no ratio for work that differs. */
function checkSameWork(lines: readonly Line[]): void {
  for (const line of lines) {
    const reference = referenceOf(lines, line);
    if (reference.checksum !== line.checksum) {
      throw new UnequalWorkError(
        `${line.backend} ${line.job}: ${line.tool} and ${reference.tool} left different tables (${line.checksum} vs ${reference.checksum})`,
      );
    }
  }
}

async function sqliteJobs(customers: number, log: (message: string) => void): Promise<Line[]> {
  // -v2: names folded at generation (older templates made crm fold them inside the job); -v3: search index built at the end.
  const template = path.join(DIR, `template-v3-${customers}.db`);
  const emptyArchive = path.join(DIR, 'empty-archive.db');
  const started = Date.now();
  // Kept between runs (.bench/ is ignored by git): at 1M rows it takes minutes to build.
  if (!fs.existsSync(template) || process.env.BENCH_REGENERATE) {
    // Built under another name and renamed when complete: a load stopped halfway is never taken for a template.
    const partial = `${template}.partial`;
    generate(partial, customers);
    fs.renameSync(partial, template);
    for (const suffix of ['-wal', '-shm']) fs.rmSync(`${partial}${suffix}`, { force: true });
  }
  for (const suffix of ['', '-wal', '-shm']) fs.rmSync(`${emptyArchive}${suffix}`, { force: true });
  openDatabase(emptyArchive).close();
  log(`SQLite: database of ${customers} customers, ${customers * 3} interactions in ${((Date.now() - started) / 1000).toFixed(1)} s`);

  const idle = path.join(DIR, 'idle.db');
  copy(template, idle);
  const idleAdds: number[] = [];
  for (let i = 0; i < 3; i++) idleAdds.push(await addOnce(idle, i));
  const idleAddMs = Math.min(...idleAdds);

  const lines: Line[] = [];
  const backend = 'sqlite';
  const dueSoft = count(template, `SELECT count(*) FROM customers WHERE status = 'closed_lost' AND is_archived = 0 AND updated_at < '${CUTOFF}'`);
  {
    const ref = path.join(DIR, 'soft-ref.db');
    copy(template, ref);
    const measured = await measure(SQLITE3, [ref], SOFT_SQL);
    lines.push({ backend, job: SOFT_JOB, tool: 'sqlite3', rows: dueSoft, measure: measured, checksum: checksum(ref), note: measured.stdout.trim().replaceAll('\n', '; ') });
    const file = path.join(DIR, 'soft-crm.db');
    copy(template, file);
    const alone = await measure(process.execPath, [CRM, '--db', file, ...SOFT_JOB.split(' ')]);
    lines.push({ backend, job: SOFT_JOB, tool: 'crm', rows: dueSoft, measure: alone, checksum: checksum(file), note: 'alone' });
    if (ALONE) return [...lines, ...(await sqliteMove(template, emptyArchive, idleAddMs))];
    copy(template, file);
    const run = await whileAdding(file, whileProbing(file, measure(process.execPath, [CRM, '--db', file, ...SOFT_JOB.split(' ')])));
    lines.push({
      backend,
      job: SOFT_JOB,
      tool: 'crm + adds',
      rows: dueSoft,
      measure: run.result.result,
      checksum: checksum(file),
      waitMs: run.result.longestWaitMs,
      note: `longest lock wait ${run.result.longestWaitMs} ms (the probe's timer ran up to ${run.result.lateMs} ms late); longest concurrent add ${run.longestAddMs.toFixed(0)} ms of ${run.adds} (on the idle file: ${idleAddMs.toFixed(0)} ms)`,
    });
  }

  return [...lines, ...(await sqliteMove(template, emptyArchive, idleAddMs))];
}

async function sqliteMove(template: string, emptyArchive: string, idleAddMs: number): Promise<Line[]> {
  const lines: Line[] = [];
  const backend = 'sqlite';
  const movedCustomers = count(template, `SELECT count(*) FROM customers WHERE is_archived = 1`);
  const movedRows =
    movedCustomers +
    count(template, `SELECT count(*) FROM customer_interactions WHERE customer_id IN (SELECT id FROM customers WHERE is_archived = 1)`);
  {
    const ref = path.join(DIR, 'move-ref.db');
    const refArchive = path.join(DIR, 'move-ref-archive.db');
    copy(template, ref);
    copy(emptyArchive, refArchive);
    const measured = await measure(SQLITE3, [ref], moveSql(refArchive));
    const timings = measured.stdout.trim().split('\n').map((line) => /real ([\d.]+)/.exec(line)?.[1]).filter(Boolean);
    lines.push({
      backend,
      job: `${MOVE_JOB} FILE`,
      tool: 'sqlite3',
      rows: movedRows,
      measure: measured,
      checksum: `${checksum(ref)}+${checksum(refArchive)}`,
      note: `statements (s): copy products ${timings[2]}, customers ${timings[3]}, interactions ${timings[4]}; delete ${timings[5]}; commit ${timings[6]}`,
    });
    const file = path.join(DIR, 'move-crm.db');
    const archive = path.join(DIR, 'move-crm-archive.db');
    const fresh = () => {
      copy(template, file);
      for (const suffix of ['', '-wal', '-shm']) fs.rmSync(`${archive}${suffix}`, { force: true });
    };
    fresh();
    const alone = await measure(process.execPath, [CRM, '--db', file, 'archive', '--to', archive]);
    lines.push({ backend, job: `${MOVE_JOB} FILE`, tool: 'crm', rows: movedRows, measure: alone, checksum: `${checksum(file)}+${checksum(archive)}`, note: 'alone' });
    if (ALONE) return lines;
    fresh();
    const run = await whileAdding(file, whileProbing(file, measure(process.execPath, [CRM, '--db', file, 'archive', '--to', archive])));
    lines.push({
      backend,
      job: `${MOVE_JOB} FILE`,
      tool: 'crm + adds',
      rows: movedRows,
      measure: run.result.result,
      checksum: `${checksum(file)}+${checksum(archive)}`,
      waitMs: run.result.longestWaitMs,
      note: `longest lock wait ${run.result.longestWaitMs} ms (the probe's timer ran up to ${run.result.lateMs} ms late); longest concurrent add ${run.longestAddMs.toFixed(0)} ms of ${run.adds} (on the idle file: ${idleAddMs.toFixed(0)} ms)`,
    });
  }
  return lines;
}

async function pgJobs(customers: number, log: (message: string) => void): Promise<Line[]> {
  const bench = await startPgBench(customers, log);
  try {
    const backend = 'postgres';
    const lines: Line[] = [];
    const add = (database: string) => (_file: string, index: number) => pgAddOnce(bench.url(database), `${CONCURRENT_NAME} ${index}`);
    const idle = await bench.copies('idle');
    const idleAdds: number[] = [];
    for (let i = 0; i < 3; i++) idleAdds.push(await add(idle.source)('', i));
    const idleAddMs = Math.min(...idleAdds);
    const due = (await bench.query<{ due: number }>(
      'bench_source',
      `SELECT count(*)::int AS due FROM crm.customers WHERE status = 'closed_lost' AND NOT is_archived AND updated_at < $1`,
      [CUTOFF],
    ))[0]!.due;
    {
      const ref = await bench.copies('soft_ref');
      const sql = `UPDATE crm.customers SET is_archived = true, updated_at = now() WHERE status = 'closed_lost' AND NOT is_archived AND updated_at < '${CUTOFF}'`;
      const measured = await measure(bench.psql(ref.source)[0]!, [...bench.psql(ref.source).slice(1), '-c', sql]);
      lines.push({ backend, job: SOFT_JOB, tool: 'psql', rows: due, measure: measured, checksum: await bench.checksum(ref.source, CONCURRENT_NAME), note: 'one UPDATE' });
      const alone = await bench.copies('soft_crm');
      const measuredCrm = await measure(process.execPath, [CRM, '--db', bench.url(alone.source), ...SOFT_JOB.split(' ')]);
      lines.push({ backend, job: SOFT_JOB, tool: 'crm', rows: due, measure: measuredCrm, checksum: await bench.checksum(alone.source, CONCURRENT_NAME), note: 'alone' });
      const busy = await bench.copies('soft_busy');
      const run = await whileAdding('', measure(process.execPath, [CRM, '--db', bench.url(busy.source), ...SOFT_JOB.split(' ')]), add(busy.source));
      lines.push({
        backend,
        job: SOFT_JOB,
        tool: 'crm + adds',
        rows: due,
        measure: run.result,
        checksum: await bench.checksum(busy.source, CONCURRENT_NAME),
        waitMs: Math.max(0, run.longestAddMs - idleAddMs),
        note: `longest concurrent add ${run.longestAddMs.toFixed(0)} ms of ${run.adds} (on the idle database: ${idleAddMs.toFixed(0)} ms)`,
      });
    }
    const moved = (await bench.query<{ moved: number }>(
      'bench_source',
      `SELECT ((SELECT count(*) FROM crm.customers WHERE is_archived)
        + (SELECT count(*) FROM crm.customer_interactions WHERE customer_id IN (SELECT id FROM crm.customers WHERE is_archived)))::int AS moved`,
    ))[0]!.moved;
    {
      const both = async (pair: { source: string; archive: string }) =>
        `${await bench.checksum(pair.source, CONCURRENT_NAME)}+${await bench.checksum(pair.archive, CONCURRENT_NAME)}`;
      const ref = await bench.copies('move_ref');
      const measured = await measure('/bin/bash', ['-c', pgMoveScript(bench, ref.source, ref.archive)]);
      lines.push({ backend, job: `${MOVE_JOB} URL`, tool: 'psql', rows: moved, measure: measured, checksum: await both(ref), note: '\\copy of each table, one DELETE' });
      const alone = await bench.copies('move_crm');
      const measuredCrm = await measure(process.execPath, [CRM, '--db', bench.url(alone.source), 'archive', '--to', bench.url(alone.archive)]);
      lines.push({ backend, job: `${MOVE_JOB} URL`, tool: 'crm', rows: moved, measure: measuredCrm, checksum: await both(alone), note: 'alone' });
      const busy = await bench.copies('move_busy');
      const run = await whileAdding(
        '',
        measure(process.execPath, [CRM, '--db', bench.url(busy.source), 'archive', '--to', bench.url(busy.archive)]),
        add(busy.source),
      );
      lines.push({
        backend,
        job: `${MOVE_JOB} URL`,
        tool: 'crm + adds',
        rows: moved,
        measure: run.result,
        checksum: await both(busy),
        waitMs: Math.max(0, run.longestAddMs - idleAddMs),
        note: `longest concurrent add ${run.longestAddMs.toFixed(0)} ms of ${run.adds} (on the idle database: ${idleAddMs.toFixed(0)} ms)`,
      });
    }
    return lines;
  } finally {
    await bench.close();
  }
}

function backends(): Array<'sqlite' | 'postgres'> {
  const only = process.env.BENCH_BACKENDS;
  if (only === 'sqlite' || only === 'postgres') return [only];
  return ['sqlite', 'postgres'];
}

async function allJobs(customers: number, log: (message: string) => void): Promise<Line[]> {
  fs.mkdirSync(DIR, { recursive: true });
  const lines: Line[] = [];
  for (const backend of backends()) lines.push(...(backend === 'sqlite' ? await sqliteJobs(customers, log) : await pgJobs(customers, log)));
  checkSameWork(lines);
  return lines;
}

const RATIO_TARGET = 0.5;
const WAIT_TARGET_MS = 1000;

/** The section's rows: each job against its reference, the concurrent writer's wait, memory. */
function figures(lines: readonly Line[]): FigureRow[] {
  const rows: FigureRow[] = [];
  for (const line of lines) {
    if (isReferenceTool(line.tool)) continue;
    const reference = referenceOf(lines, line);
    const ratio = reference.measure.seconds / line.measure.seconds;
    rows.push({
      figure: `${line.backend}: ${line.job}${line.tool === 'crm' ? '' : ', with concurrent adds'}`,
      value: `${line.measure.seconds.toFixed(1)} s, ${Math.round(line.rows / line.measure.seconds).toLocaleString('en-US')} rows/s, ${megabytes(line.measure.peakRssKb)}`,
      reference: `${reference.tool} ${reference.measure.seconds.toFixed(1)} s, ${megabytes(reference.measure.peakRssKb)}`,
      ratio,
      target: `≥ ${RATIO_TARGET}×`,
      met: ratio >= RATIO_TARGET,
    });
    if (line.waitMs !== undefined) {
      rows.push({
        figure: `${line.backend}: ${line.job}, a concurrent crm customer add waits`,
        value: `${Math.round(line.waitMs)} ms (${line.note})`,
        reference: '-',
        ratio: WAIT_TARGET_MS / Math.max(line.waitMs, 1),
        target: `≤ ${WAIT_TARGET_MS} ms`,
        met: line.waitMs <= WAIT_TARGET_MS,
      });
    }
  }
  return rows;
}

export const archiveSection: BenchSection = {
  name: 'archive',
  describe: 'the cron archiving jobs (issue 13) against the same change in the sqlite3 shell / psql, with a concurrent writer',
  async run(context) {
    const lines = await allJobs(context.customers, context.log);
    return figures(lines);
  },
};

async function main(): Promise<void> {
  const customers = scale();
  const lines = await allJobs(customers, (message) => console.error(message));
  console.log(`${customers} customers, ${customers * 3} interactions; rows = customers archived, or customers + interactions moved`);
  print(lines);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  try {
    await main();
  } catch (error) {
    if (!(error instanceof UnequalWorkError)) throw error;
    console.error(`ABORT: ${error.message}`);
    process.exit(1);
  }
}

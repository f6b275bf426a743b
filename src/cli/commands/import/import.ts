import type { Command } from 'commander';
import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { fileNameFor, OPTIONAL_IN_FOLDER, parseTableName, RESTORE_ORDER } from '../../../csv/columns.js';
import { INPUT_ENCODINGS, parseEncoding } from '../../../csv/decode.js';
import { NotFoundError, UsageError } from '../../../domain/errors.js';
import { AUDIT_ROWS_LIMIT } from '../../../services/transfer-limits.js';
import type {
  AuditMode,
  DuplicatePolicy,
  ImportFileResult,
  ImportResult,
  ImportSource,
} from '../../../services/transfer.js';
import { FileOutput } from '../../file-output.js';
import { progressDisplay } from '../../progress.js';
import type { Session } from '../../session.js';

export interface ImportCommandOptions {
  table?: string;
  file?: string;
  dir?: string;
  map?: string[];
  status?: string;
  owner?: string;
  source?: string;
  onDuplicate?: string;
  audit?: string;
  skipInvalid?: boolean;
  rejects?: string;
  dryRun?: boolean;
  encoding?: string;
  partial?: boolean;
  json?: boolean;
}

/**
 * The limit as "10,000". Not toLocaleString: its first call loads the ICU locale data, and
 * this text is built while the command is registered, so that cost every command (a sixth of
 * `node -e 0`, npm run bench:startup), `crm --version` included.
 */
const AUDIT_ROWS_SHOWN = String(AUDIT_ROWS_LIMIT).replace(/\B(?=(\d{3})+$)/g, ',');

const HELP = `
Restore a crm export with --dir (products, companies, customers, then interactions,
external ids, tags and settings, all in one transaction), or import one table from a file or -
(stdin). --dir needs products.csv, customers.csv and customer_interactions.csv;
companies.csv, customer_external_ids.csv, customer_tags.csv and settings.csv are optional (older exports
lack them). With --partial it restores the tables whose files are present and leaves the others as
they are in the database. Rows with an id are upserted
by id, so importing the same file twice changes nothing; unchanged rows are not touched.

Customer files from other tools (HubSpot, Google Contacts, LinkedIn, Pipedrive, Outlook)
are recognised by their headers, case- and space-insensitively: First Name + Last Name
are joined, E-mail 1 - Value is the email, and so on (see the README for the table).
Their Company / Organization column links each customer to that company, created once
the first time a name (compared ignoring case and accents' forms) appears.
Rows without an id are matched to existing customers by the id their tool gave them
(HubSpot Record ID, LinkedIn profile URL, Pipedrive Person - ID), then by e-mail
(case-insensitive): --on-duplicate skip (default) leaves them, update fills in the values
the file has. Files are UTF-8 unless --encoding says otherwise (Excel: cp1252).

Any invalid row aborts the import with nothing written, and the report names each bad
row's line, column and reason. --skip-invalid imports the valid rows instead, and
--rejects FILE writes the rejected ones (with a reason column) for fixing.

The audit log gets one entry per written row for imports of up to ${AUDIT_ROWS_SHOWN} rows, and one
summary entry (file names and counts per table) for bigger ones, which per-row entries
would make about 3 times slower: --audit rows or --audit summary forces either.

Examples:
  $ crm import --dir backups/2026-11-25
  $ crm import customers hubspot-contacts.csv --owner ada --source hubspot
  $ crm import customers Connections.csv --status lead --dry-run
  $ crm import customers leads.csv --map "Mobile=phone" --map "Account=company"
  $ crm import customers leads.csv --skip-invalid --rejects rejected.csv
  $ cat interactions.csv | crm import interactions -
  $ crm import --dir backups/2026-11-25 --audit rows
  $ crm import vcard contacts.vcf --dry-run

vcard reads vCard 3.0 and 4.0 address books (phones, Apple/Google Contacts, Outlook) as
customers: FN (else N, else ORG) is the name, the preferred EMAIL and TEL are kept (the
others are counted as dropped). A card's UID is kept as an external id, so importing the
same file again changes nothing; cards without one are matched by e-mail. In messages,
line n is the (n-1)th card of the file.`;

const VCARD = 'vcard';

const collect = (value: string, previous: string[] = []) => [...previous, value];

export function registerImport(program: Command, session: Session): void {
  program
    .command('import')
    .description('import CSV: restore a crm export folder, or one table from a file or stdin')
    .argument('[table]', 'products, companies, customers, customer_interactions, customer_external_ids, customer_tags or settings (also: interactions, external_ids, tags), or vcard')
    .argument('[file]', 'CSV file, or - for stdin; a .vcf file for vcard')
    .option('--dir <dir>', 'restore products.csv, customers.csv, customer_interactions.csv (and companies.csv, customer_external_ids.csv, customer_tags.csv, settings.csv if present) from a folder')
    .option('--map <mapping>', 'use a column as one of ours: "Their Header=our_column" (repeatable)', collect)
    .option('--status <status>', 'status for customers whose row has none')
    .option('--owner <owner>', 'owner for customers whose row has none (default for new rows: $CRM_OWNER)')
    .option('--source <source>', 'acquisition source for customers whose row has none')
    .option('--on-duplicate <policy>', 'a customer without id whose e-mail exists: skip or update', 'skip')
    .option('--audit <mode>', `audit entries: rows (one per row), summary (one for the import), auto (rows up to ${AUDIT_ROWS_SHOWN})`, 'auto')
    .option('--skip-invalid', 'import the valid rows and reject the others instead of aborting')
    .option('--rejects <file>', 'write rejected rows with a reason column here (implies --skip-invalid; a folder with --dir)')
    .option('--partial', 'with --dir: restore the files present even if some of the three are missing')
    .option('--dry-run', 'check everything and report what would change, writing nothing')
    .option('--encoding <encoding>', `the file's encoding: ${INPUT_ENCODINGS.join(', ')} (a UTF-16 byte order mark is detected)`, 'utf8')
    .option('--json', 'print the summary as JSON')
    .addHelpText('after', HELP)
    .action((table: string | undefined, file: string | undefined, options: Omit<ImportCommandOptions, 'table' | 'file'>) =>
      runImport(session, { table, file, ...options }),
    );
}

export async function runImport(session: Session, options: ImportCommandOptions): Promise<void> {
  for (const file of rejectsFiles(session, options)) session.refuseDatabaseFile(file, 'rejected rows');
  if (options.rejects !== undefined && options.dir === undefined) {
    // Checked before importing: a rejects file that cannot be written after the commit would lose them.
    const folder = path.dirname(path.resolve(session.ctx.cwd, options.rejects));
    if (!fs.existsSync(folder)) throw new NotFoundError(`no folder ${folder} for --rejects`);
  }
  const encoding = parseEncoding(options.encoding ?? 'utf8');
  // A dry run writes nothing, so it creates no database either.
  if (!options.dryRun) session.allowCreatingDatabase();
  const sources = await openSources(session, options);
  const progress = await progressDisplay(session);
  const rejectFiles: FileOutput[] = [];
  let result: ImportResult;
  try {
    result = await (await (await session.services()).transfer()).import(sources, {
      map: options.map,
      status: options.status,
      owner: options.owner,
      source: options.source,
      ownerForNewRows: session.owner,
      onDuplicate: options.onDuplicate as DuplicatePolicy | undefined,
      audit: options.audit as AuditMode | undefined,
      skipInvalid: options.skipInvalid || options.rejects !== undefined,
      dryRun: options.dryRun,
      encoding,
      rejects: options.rejects === undefined ? undefined : (file) => openRejects(session, options, file, rejectFiles),
      onProgress: progress.onProgress,
    });
    for (const file of rejectFiles) await file.commit();
  } catch (error) {
    for (const file of rejectFiles) file.abort();
    throw rejectFiles.map((file) => file.failure).find(Boolean) ?? error;
  } finally {
    progress.stop();
    for (const source of sources) {
      if (source.input === session.ctx.stdin) continue;
      // A file not read to the end (a usage error, a bad header) is closed quietly.
      source.input.on('error', () => {});
      source.input.destroy();
    }
  }
  render(session, result, options, rejectFiles);
}

async function openSources(session: Session, options: ImportCommandOptions): Promise<ImportSource[]> {
  const resolve = (file: string) => path.resolve(session.ctx.cwd, file);
  if (options.dir !== undefined) {
    if (options.table !== undefined) throw new UsageError('give either --dir or a table and file, not both');
    const dir = resolve(options.dir);
    if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) throw new NotFoundError(`no folder ${options.dir}`);
    const found = RESTORE_ORDER.filter((table) => fs.existsSync(path.join(dir, fileNameFor(table))));
    if (found.length === 0) {
      throw new NotFoundError(`${options.dir} has none of ${RESTORE_ORDER.map(fileNameFor).join(', ')}`);
    }
    // A folder missing a file is most likely an export that failed half-way: restoring it
    // as if it were whole would report success on part of the data.
    const missing = RESTORE_ORDER.filter((table) => !found.includes(table) && !OPTIONAL_IN_FOLDER.has(table)).map(fileNameFor);
    if (missing.length > 0 && !options.partial) {
      throw new NotFoundError(
        `${options.dir} lacks ${missing.join(' and ')}, so it is not a complete export; nothing was imported (--partial restores only the files present)`,
      );
    }
    return found.map((table) => openFile(table, path.join(dir, fileNameFor(table)), path.join(options.dir!, fileNameFor(table))));
  }
  if (options.partial) throw new UsageError('--partial goes with --dir');
  if (options.table === undefined) throw new UsageError('missing table and file (or --dir DIR): crm import customers contacts.csv');
  if (options.table === VCARD) return [await openVcard(session, options.file)];
  const table = parseTableName(options.table);
  if (options.file === undefined) throw new UsageError(`missing file: crm import ${table} FILE (or - for stdin)`);
  if (options.file === '-') return [{ table, label: 'stdin', input: session.ctx.stdin }];
  const file = resolve(options.file);
  if (!fs.existsSync(file)) throw new NotFoundError(`no file ${options.file}`);
  if (fs.statSync(file).isDirectory()) throw new UsageError(`${options.file} is a folder: use --dir ${options.file}`);
  return [openFile(table, file, options.file)];
}

/** `crm import vcard FILE.vcf`: the cards, read whole (an address book), imported as customers. */
async function openVcard(session: Session, file: string | undefined): Promise<ImportSource> {
  if (file === undefined) throw new UsageError('missing file: crm import vcard FILE.vcf');
  if (file === '-') throw new UsageError('import vcard reads a file, not stdin: crm import vcard contacts.vcf');
  const resolved = path.resolve(session.ctx.cwd, file);
  if (!fs.existsSync(resolved)) throw new NotFoundError(`no file ${file}`);
  if (fs.statSync(resolved).isDirectory()) throw new UsageError(`${file} is a folder; give a .vcf file`);
  // Loaded here: the vCard parser is for this command alone, not for every start of crm.
  const { vcardsAsCsv } = await import('../../../csv/vcard.js');
  const { csv } = vcardsAsCsv(fs.readFileSync(resolved, 'utf8'));
  return { table: 'customers', label: file, input: Readable.from([csv]) };
}

function openFile(table: ImportSource['table'], file: string, label: string): ImportSource {
  return { table, label, input: fs.createReadStream(file), size: fs.statSync(file).size };
}

/** Every file --rejects may write: the file itself, or one per table in the --rejects folder with --dir. */
function rejectsFiles(session: Session, options: ImportCommandOptions): string[] {
  if (options.rejects === undefined) return [];
  const target = path.resolve(session.ctx.cwd, options.rejects);
  return options.dir === undefined ? [target] : RESTORE_ORDER.map((table) => rejectsFileIn(target, table));
}

function rejectsFileIn(folder: string, table: ImportFileResult['table']): string {
  return path.join(folder, `${table}.rejects.csv`);
}

function openRejects(session: Session, options: ImportCommandOptions, file: ImportFileResult, opened: FileOutput[]): FileOutput['stream'] {
  const target = path.resolve(session.ctx.cwd, options.rejects!);
  let destination = target;
  if (options.dir !== undefined) {
    fs.mkdirSync(target, { recursive: true, mode: 0o700 });
    destination = rejectsFileIn(target, file.table);
  }
  // The rejects are written after the import commits: a failure here loses only this file.
  const output = new FileOutput(destination, session.ctx.hooks?.openFileStream, 'the import was committed, but without this file of rejected rows');
  opened.push(output);
  return output.stream;
}

function render(session: Session, result: ImportResult, options: ImportCommandOptions, rejectFiles: FileOutput[]): void {
  if (options.json) session.out.json(result);
  for (const file of result.files) {
    if (file.ignoredColumns.length > 0) {
      session.warn(`${file.label}: ignored column(s) ${file.ignoredColumns.join(', ')} (use --map "Header=column" to keep one)`);
    }
    if (file.extraValuesDropped > 0) {
      session.warn(
        `${file.label}: kept the first of several e-mails or phones in a cell (" ::: "); ${file.extraValuesDropped} other value(s) not imported`,
      );
    }
  }
  if (result.problemCount > 0) {
    session.warn(`rejected ${result.problemCount} invalid row(s):`);
    for (const problem of result.problems) session.info(`  ${problem.label} line ${problem.line}, ${problem.column}: ${problem.reason}`);
    const more = result.problemCount - result.problems.length;
    if (more > 0) session.info(`  … and ${more} more`);
    for (const file of rejectFiles) session.info(`  rejected rows written to ${path.relative(session.ctx.cwd, file.file) || file.file}`);
  }
  const verb = result.dryRun ? 'would import' : 'imported';
  for (const file of result.files) session.success(`${verb} ${file.label}: ${describeCounts(file)}`);
  if (result.dryRun) session.info('dry run: nothing was written');
  else if (result.audit === 'summary') session.info('audit log: one summary entry for this import (--audit rows records each row)');
}

function describeCounts(file: ImportFileResult): string {
  const parts = [`${file.inserted} new`, `${file.updated} updated`, `${file.unchanged} unchanged`];
  if (file.duplicates > 0) parts.push(`${file.duplicates} duplicate(s) skipped`);
  if (file.rejected > 0) parts.push(`${file.rejected} rejected`);
  if (file.companiesCreated > 0) parts.push(`${file.companiesCreated} new compan${file.companiesCreated === 1 ? 'y' : 'ies'}`);
  return parts.join(', ');
}

import type { Command } from 'commander';
import fs from 'node:fs';
import path from 'node:path';
import { fileNameFor, parseTableName, RESTORE_ORDER } from '../../../csv/columns.js';
import { UsageError } from '../../../domain/errors.js';
import { FileOutput, FolderOutput } from '../../file-output.js';
import { progressDisplay } from '../../progress.js';
import type { Session } from '../../session.js';

export interface ExportCommandOptions {
  table?: string;
  dir?: string;
  out?: string;
  spreadsheetSafe?: boolean;
  force?: boolean;
  /** vcard only, repeatable: customers carrying every one of these tags. */
  tag?: string[];
}

/** A repeatable option's values, in the order given. */
function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

const HELP = `
Without a table, writes products.csv, companies.csv, customers.csv,
customer_interactions.csv, customer_external_ids.csv, customer_tags.csv and settings.csv into
--dir (default: the current folder), all seven from one consistent snapshot. All or nothing: the files are written aside and moved in together at the end; if anything fails
(a full disk), the folder keeps its previous files and nothing half-written is left.
Other files in the folder are left alone.

The files are lossless: header = column names, NULL is an empty field, an empty string
is "", booleans are 1/0, timestamps are stored ISO 8601 text. Importing them into an
empty database and exporting again gives byte-identical files.

--spreadsheet-safe is for opening in Excel or Sheets, not for restoring: cells that
start with = + - @ tab or CR get a leading ' (CSV injection), and the file starts with
a UTF-8 byte order mark.

Examples:
  $ crm export --dir backups/2026-11-25
  $ crm export customers > customers.csv
  $ crm export interactions --out interactions.csv
  $ crm export companies --out companies.csv
  $ crm export tags --out tags.csv
  $ crm export customers --spreadsheet-safe --out for-excel.csv
  $ crm export vcard --out contacts.vcf
  $ crm export vcard --tag referral --tag "big client" --out referrals.vcf

vcard writes the customers that are not archived as a vCard 4.0 address book (name,
e-mail, phone; UID urn:uuid:<customer id>), for a phone or a contacts app. With --tag,
only the customers carrying that tag (any case); repeated, those carrying all of them,
as in crm customer list --tag.`;

export function registerExport(program: Command, session: Session): void {
  program
    .command('export')
    .description('write tables as CSV: all seven into a folder, or one table to stdout or a file')
    .argument('[table]', 'products, companies, customers, customer_interactions, customer_external_ids, customer_tags or settings (also: interactions, external_ids, tags), or vcard')
    .option('--dir <dir>', 'folder for the seven files (created if missing; default: current folder)')
    .option('-o, --out <file>', 'file for a single table (default: stdout)')
    .option('-f, --force', 'replace the --out file if it exists (on a terminal you are asked)')
    .option('--spreadsheet-safe', 'neutralise formula-like cells for spreadsheets (not lossless)')
    .option('-t, --tag <tag>', 'vcard: only customers with this tag (case-insensitive); repeat it for customers with all of them', collect, [])
    .addHelpText('after', HELP)
    .action((table: string | undefined, options: Omit<ExportCommandOptions, 'table'>) => runExport(session, { table, ...options }));
}

export async function runExport(session: Session, options: ExportCommandOptions): Promise<void> {
  if (options.table !== undefined && options.dir !== undefined) {
    throw new UsageError('give either a table or --dir, not both');
  }
  if (options.table === undefined && options.out !== undefined) {
    throw new UsageError('--out needs a table (crm export customers --out FILE); use --dir for all seven');
  }
  if (options.table === VCARD) {
    await exportVcards(session, options);
    return;
  }
  if (options.tag !== undefined && options.tag.length > 0) {
    throw new UsageError('--tag is for crm export vcard; for CSV, crm customer list --tag T --all --format csv');
  }
  // Opened before any file is: a missing database leaves nothing behind, not even briefly.
  const transfer = await (await session.services()).transfer();
  const openStream = session.ctx.hooks?.openFileStream;
  const progress = await progressDisplay(session);
  const exportOptions = { spreadsheetSafe: options.spreadsheetSafe, onProgress: progress.onProgress };
  if (options.table !== undefined) {
    const table = parseTableName(options.table);
    const out = options.out === undefined ? undefined : path.resolve(session.ctx.cwd, options.out);
    if (out !== undefined) {
      session.refuseDatabaseFile(out, 'the export');
      await session.mayReplace(out, options.out!, options.force);
    }
    const file = out === undefined ? undefined : new FileOutput(out, openStream);
    try {
      const [result] = await transfer.export([{ table, output: file?.stream ?? session.ctx.stdout }], exportOptions);
      await file?.commit();
      progress.stop();
      if (file) session.success(`exported ${result!.rows} ${table} row(s) to ${options.out}`);
    } catch (error) {
      progress.stop();
      file?.abort();
      // A closed pipe (`| head`) included: the entry point ends that one quietly, as for every command.
      throw file?.failure ?? error;
    }
    return;
  }
  const dir = path.resolve(session.ctx.cwd, options.dir ?? '.');
  if (fs.existsSync(dir) && !fs.statSync(dir).isDirectory()) throw new UsageError(`${options.dir} is a file, not a folder`);
  for (const table of RESTORE_ORDER) session.refuseDatabaseFile(path.join(dir, fileNameFor(table)), 'the export');
  const folder = new FolderOutput(dir, RESTORE_ORDER.map(fileNameFor), openStream);
  try {
    const targets = RESTORE_ORDER.map((table) => ({ table, output: folder.stream(fileNameFor(table)) }));
    const results = await transfer.export(targets, exportOptions);
    await folder.commit();
    progress.stop();
    const counts = results.map(({ table, rows }) => `${rows} ${table}`).join(', ');
    session.success(`exported ${counts} to ${options.dir ?? '.'}`);
  } catch (error) {
    progress.stop();
    // Read before aborting: the streams aborting then fail too ("write after destroy").
    const failure = folder.failure;
    await folder.abort();
    throw failure ?? error;
  }
}

const VCARD = 'vcard';

/** The address book is built whole before anything is written, so a failed read leaves no half file. */
async function exportVcards(session: Session, options: ExportCommandOptions): Promise<void> {
  if (options.spreadsheetSafe) throw new UsageError('--spreadsheet-safe is for CSV; a vCard file has no formulas');
  const out = options.out === undefined ? undefined : path.resolve(session.ctx.cwd, options.out);
  if (out !== undefined) {
    session.refuseDatabaseFile(out, 'the export');
    await session.mayReplace(out, options.out!, options.force);
  }
  const { customers } = await (await session.services()).customers.list({ archived: 'exclude', tags: options.tag }, { sort: 'name' });
  // Loaded here: the vCard writer is for this export alone, not for every start of crm.
  const { contactsAsVcards } = await import('../../../csv/vcard.js');
  // The customer's note stays out: it is free text for the team, not for an address book.
  const text = contactsAsVcards(customers.map(({ id, name, email, phone }) => ({ id, name, email, phone })));
  if (out === undefined) {
    session.out.write(text);
    return;
  }
  const file = new FileOutput(out, session.ctx.hooks?.openFileStream);
  try {
    file.stream.write(text);
    await file.commit();
  } catch (error) {
    file.abort();
    throw file.failure ?? error;
  }
  session.success(`exported ${customers.length} customer(s) to ${options.out}`);
}

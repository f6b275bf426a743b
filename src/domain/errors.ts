import { shortId } from './ids.js';

/**
 * Typed errors carry their exit status so the single CLI entry point can turn any of
 * them into one line on stderr without knowing where it was thrown.
 */
export class CrmError extends Error {
  readonly exitCode: number = 1;
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** Bad command line: unknown option, missing argument, malformed value. Exit 2. */
export class UsageError extends CrmError {
  override readonly exitCode = 2;
}

/**
 * A date or duration that is well-formed but lands outside the years every timestamp column
 * can hold in its canonical form (four-digit years). The CLI names the option it came from.
 */
export class DateRangeError extends UsageError {
  constructor(readonly input: string) {
    super(`"${input}" is out of range: it must give a date between 0001-01-01 and 9999-12-31`);
  }
}

/** A value that is well-formed on the command line but breaks a data rule. */
export class ValidationError extends CrmError {}

export class NotFoundError extends CrmError {}

export class AmbiguousRefError extends CrmError {
  constructor(
    readonly ref: string,
    readonly candidates: ReadonlyArray<{ id: string; name: string }>,
  ) {
    const listed = candidates.map((c) => `${shortId(c.id)} ${c.name}`).join(', ');
    super(`"${ref}" matches ${candidates.length} records: ${listed}; use a longer id prefix`);
  }
}

/** A business rule refused the change (e.g. the active product limit). */
export class RuleViolationError extends CrmError {}

export class ConflictError extends CrmError {}

/** The user declined a confirmation, or one was needed and could not be asked. */
export class AbortedError extends CrmError {}

export class SchemaTooNewError extends CrmError {}

/** `crm db check` found a problem in the file; the checks themselves were already printed. */
export class CheckFailedError extends CrmError {}

/** The path exists but is not a database file SQLite can open (a folder, a text file, no access). */
export class UnopenableDatabaseError extends CrmError {
  constructor(
    readonly file: string,
    readonly code: string,
    readonly reason: string,
  ) {
    super(`cannot open ${file}: ${reason}`);
  }

  get notADatabase(): boolean {
    return this.code === 'SQLITE_NOTADB' || this.code === 'SQLITE_CORRUPT';
  }
}

/** A path as the user can paste it back into a shell. */
function shellWord(text: string): string {
  return /^[\w@%+=:,./-]+$/.test(text) ? text : `'${text.replaceAll("'", `'\\''`)}'`;
}

/**
 * No database file at the path, for a command that does not create one: a mistyped --db
 * must not silently become an empty database that "has no customers".
 */
export class MissingDatabaseError extends CrmError {
  constructor(readonly file: string) {
    super(`no database at ${file} (create one with \`crm db init --db ${shellWord(file)}\`, or add a record)`);
  }
}

/** A write to a database whose file or folder cannot be written (permissions, read-only mount). */
export class ReadOnlyDatabaseError extends CrmError {
  constructor(
    readonly file: string,
    why = 'the file or its folder cannot be written; nothing was changed',
  ) {
    super(`database ${file} is read-only: ${why}`);
  }
}

/** A folder or file crm has to create (the database, its folder, an archive) cannot be made there. */
export class UncreatablePathError extends CrmError {
  constructor(
    readonly kind: 'folder' | 'file',
    readonly target: string,
    readonly reason: string,
  ) {
    super(`cannot create ${kind} ${target}: ${reason}`);
  }
}

/** "no such file or directory" out of Node's "ENOENT: no such file or directory, mkdir '/x'". */
export function fileSystemReason(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return /^E[A-Z]+: ([^,]+)/.exec(message)?.[1] ?? message;
}

/**
 * A PostgreSQL server (team mode) could not be reached, refused the login, or answered a
 * statement with an error. The message never holds a password (see src/db/pg/connection.ts).
 */
export class ServerError extends CrmError {
  constructor(
    message: string,
    /** PostgreSQL's SQLSTATE (e.g. 28P01 wrong password, 23514 check violation), when it sent one. */
    readonly sqlState?: string,
  ) {
    super(message);
  }
}

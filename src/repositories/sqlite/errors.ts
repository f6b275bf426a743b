import type { CrmDatabase } from '../../db/connection.js';
import { COMPANY_NAME_INDEX, PRODUCT_NAME_INDEX } from '../../db/expected.js';
import type { WriteOptions } from '../ports.js';
import { ConflictError, CrmError, RuleViolationError, ValidationError } from '../../domain/errors.js';

/**
 * The database enforces the rules too (for writes that do not come through the services,
 * and for races between processes). Its refusals are translated here into the same typed
 * errors the services throw, so the user sees one clear line either way.
 */
export function translateSqliteError(error: unknown): unknown {
  if (!(error instanceof Error) || error instanceof CrmError) return error;
  const code = (error as { code?: string }).code ?? '';
  const message = error.message;
  if (message.includes('active product limit')) {
    return new RuleViolationError('at most 3 products can be active at once');
  }
  if (message.includes('interactions are immutable')) {
    return new RuleViolationError('interactions cannot be changed once logged');
  }
  if (message.includes('audit_log is append-only')) {
    return new RuleViolationError('the audit log cannot be changed; entries are removed only by crm db prune-audit');
  }
  if (isForeignKeyViolation(error)) {
    return new ValidationError('the referenced record does not exist');
  }
  if (code === 'SQLITE_CONSTRAINT_CHECK') {
    return new ValidationError(`value refused by the database: ${message}`);
  }
  if (message.includes(`index '${PRODUCT_NAME_INDEX}'`)) {
    return new ConflictError('a product with that name already exists');
  }
  if (message.includes(`index '${COMPANY_NAME_INDEX}'`)) {
    return new ConflictError('a company with that name already exists');
  }
  if (code === 'SQLITE_CONSTRAINT_PRIMARYKEY') {
    return new ConflictError('a record with that id already exists');
  }
  if (code === 'SQLITE_CONSTRAINT_UNIQUE') {
    return new ConflictError(`the database refused a duplicate: ${message}`);
  }
  if (code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED') {
    return new ConflictError('the database is busy (another crm process is writing); try again');
  }
  return error;
}

/**
 * A reference to a missing parent, refused either by the foreign key itself or by the
 * triggers that enforce it for connections with foreign keys off (migration 0004).
 */
export function isForeignKeyViolation(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: string }).code;
  return code === 'SQLITE_CONSTRAINT_FOREIGNKEY' || error.message.startsWith('FOREIGN KEY constraint failed');
}

/** Runs `work` and rethrows SQLite refusals as typed errors. */
export function withSqliteErrors<T>(work: () => T): T {
  try {
    return work();
  } catch (error) {
    throw translateSqliteError(error);
  }
}

export function isBusy(error: unknown): boolean {
  const code = (error as { code?: unknown })?.code;
  return typeof code === 'string' && (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED'));
}

/** Every synchronous write of the SQLite bulk jobs: one crm write transaction (db.write), SQLite refusals as typed errors. */
export function writeTx<T>(db: CrmDatabase, work: () => T, options: WriteOptions = {}): T {
  const attempts = options.busyAttempts ?? 1;
  return withSqliteErrors(() => {
    for (let attempt = 1; ; attempt += 1) {
      try {
        return db.write(work);
      } catch (error) {
        if (attempt >= attempts || !isBusy(error)) throw error;
      }
    }
  });
}

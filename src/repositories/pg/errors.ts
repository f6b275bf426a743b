import { serverError } from '../../db/pg/connection.js';
import { ConflictError, CrmError, RuleViolationError, ValidationError } from '../../domain/errors.js';

/**
 * The server enforces the rules too (drizzle/pg/0001_rules.sql), for psql and for races
 * between members. Its refusals become the same typed errors as SQLite's, so the user reads
 * the same line on either backend; anything else is a ServerError without passwords.
 */
export function translatePgError(error: unknown): unknown {
  if (error instanceof CrmError) return error;
  if (!(error instanceof Error)) return serverError(error);
  const code = (error as { code?: string }).code ?? '';
  const message = error.message;
  if (message.includes('active product limit')) return new RuleViolationError('at most 3 products can be active at once');
  if (message.includes('interactions are immutable')) return new RuleViolationError('interactions cannot be changed once logged');
  if (message.includes('audit_log is append-only')) {
    return new RuleViolationError('the audit log cannot be changed; entries are removed only by crm db prune-audit');
  }
  if (code === '42501') return new RuleViolationError(`the server refused: ${message}`);
  if (code === '23503') return new ValidationError('the referenced record does not exist');
  if (code === '23514') return new ValidationError(`value refused by the database: ${message}`);
  if (code === '23505') {
    if (message.includes('products_name')) return new ConflictError('a product with that name already exists');
    if (message.includes('_pkey')) return new ConflictError('a record with that id already exists');
    return new ConflictError(`the database refused a duplicate: ${message}`);
  }
  if (code === '40001' || code === '40P01') return new ConflictError('another member changed the same records at the same time; try again');
  return serverError(error);
}

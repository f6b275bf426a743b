import { serverError } from '../../db/pg/connection.js';
import { ConflictError, CrmError, RuleViolationError, ValidationError } from '../../domain/errors.js';

/** What a member may not do, in the words of the policies of drizzle/pg/0001_rules.sql. */
const POLICY_REFUSALS: Record<string, Record<'write' | 'delete', string>> = {
  products: {
    write: 'only a manager can add or change products',
    delete: 'only a manager can delete products',
  },
  customers: {
    write: 'you can add or edit only customers you own (and they must stay yours); a manager can change any',
    delete: 'you can delete only customers you own; a manager can delete any',
  },
  companies: {
    write: "you can add or rename only your team's companies",
    delete: 'only a manager can delete companies',
  },
  settings: {
    write: 'only a manager can change settings',
    delete: 'only a manager can change settings',
  },
  customer_tags: {
    write: 'you can tag only customers you own; a manager can tag any',
    delete: 'you can untag only customers you own; a manager can untag any',
  },
  customer_interactions: {
    write: "you can log interactions only with your team's customers",
    delete: 'you can delete only the interactions of customers you own; a manager can delete any',
  },
};

/**
 * A write that row-level security refused. An INSERT, or an UPDATE whose new row fails a
 * policy, is an error (42501); an UPDATE or DELETE of a row the policy does not let the
 * member change simply finds no row, and the repositories report it with this.
 */
export function policyRefusal(table: string, action: 'write' | 'delete'): RuleViolationError {
  return new RuleViolationError(POLICY_REFUSALS[table]?.[action] ?? `the server's rules do not let you change ${table}`);
}

const POLICY_VIOLATION = /new row violates row-level security policy(?: "[^"]*")? for table "([^"]+)"/;

/**
 * The server enforces the rules too (drizzle/pg/0001_rules.sql), for psql and for races
 * between members. Its refusals become the same typed errors as SQLite's, so the user reads
 * the same line on either backend; anything else is a ServerError without passwords.
 */
export function translatePgError(error: unknown): unknown {
  if (error instanceof CrmError) return error;
  if (!(error instanceof Error)) return serverError(error);
  const { code = '', constraint = '' } = error as { code?: string; constraint?: string };
  const message = error.message;
  if (message.includes('active product limit')) {
    // 40001: the trigger refuses any activation in a REPEATABLE READ transaction (its count
    // could not see a concurrent one); crm writes in READ COMMITTED, psql users read why.
    return code === '40001'
      ? new ConflictError(`the server refused: ${message}`)
      : new RuleViolationError('at most 3 products can be active at once');
  }
  if (message.includes('interactions are immutable')) return new RuleViolationError('interactions cannot be changed once logged');
  if (message.includes('audit_log is append-only')) {
    return new RuleViolationError('the audit log cannot be changed; entries are removed only by crm db prune-audit');
  }
  const policy = code === '42501' ? POLICY_VIOLATION.exec(message) : null;
  if (policy) return policyRefusal(policy[1]!, 'write');
  if (code === '42501') return new RuleViolationError(`the server refused: ${message}`);
  // The foreign keys, and the triggers that keep a reference inside the team.
  if (code === '23503') return new ValidationError('the referenced record does not exist');
  if (code === '23514') return new ValidationError(`value refused by the database: ${message}`);
  if (code === '40001' || code === '40P01') return new ConflictError('another member changed the same records at the same time; try again');
  if (code === '23505') {
    if (constraint === 'products_name_unique_idx' || message.includes('products_name')) {
      return new ConflictError('a product with that name already exists');
    }
    if (constraint === 'companies_name_unique_idx' || message.includes('companies_name')) {
      return new ConflictError('a company with that name already exists');
    }
    if (constraint.endsWith('_pkey') || message.includes('_pkey')) return new ConflictError('a record with that id already exists');
    return new ConflictError(`the database refused a duplicate: ${message}`);
  }
  return serverError(error);
}

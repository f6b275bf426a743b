import type { Customer } from '../../domain/types.js';
import type { DuplicateKeyGroup, DuplicateRepository } from '../ports.js';
import { MAX_NAME_GROUP } from '../../domain/duplicates.js';
import { columnsOf, CUSTOMER_COLUMNS } from './queries.js';
import type { PgSession } from './store.js';

/**
 * The groupings of drizzle/pg/0004_change_sets.sql (crm_duplicate_emails, _phones, _names):
 * each runs as the owner with the team filter written out, so that it can read its index
 * under row-level security. Keys and orders as SQLite's, so both backends print the same.
 */
export class PgDuplicateRepository implements DuplicateRepository {
  constructor(private readonly session: PgSession) {}

  private async groups(sql: string, values: unknown[] = []): Promise<DuplicateKeyGroup[]> {
    return this.session.query<DuplicateKeyGroup>(`SELECT key, ids FROM ${sql} ORDER BY key COLLATE "C"`, values);
  }

  sameEmail(): Promise<DuplicateKeyGroup[]> {
    return this.groups('crm.crm_duplicate_emails()');
  }

  samePhone(countryCode: string): Promise<DuplicateKeyGroup[]> {
    return this.groups('crm.crm_duplicate_phones($1)', [countryCode]);
  }

  sameName(): Promise<DuplicateKeyGroup[]> {
    return this.groups('crm.crm_duplicate_names($1)', [MAX_NAME_GROUP]);
  }

  async customers(ids: readonly string[]): Promise<Customer[]> {
    if (ids.length === 0) return [];
    return this.session.query<Customer>(`SELECT ${columnsOf('c', CUSTOMER_COLUMNS)} FROM crm.customers AS c WHERE c.id = ANY($1::text[])`, [
      [...ids],
    ]);
  }
}

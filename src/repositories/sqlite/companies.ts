import type Database from 'better-sqlite3';
import { eq } from 'drizzle-orm';
import type { Drizzle } from '../../db/connection.js';
import { companies, customers } from '../../db/schema.js';
import type { Company } from '../../domain/types.js';
import type {
  CompanyInteraction,
  CompanyPatch,
  CompanyPerson,
  CompanyRepository,
  CompanyWithCount,
  NewCompany,
} from '../ports.js';
import { sqliteNamesStartingWith } from './name-completion.js';
import { equalsIgnoringCase } from './sql-helpers.js';

/**
 * Companies are few (hundreds, not millions): names are compared folded on the fly, as
 * products' are. Their customers are found through customers_company_id_idx.
 */
/** `+`: the archived flag's index would read every active customer for each company. */
export const COMPANY_LIST = `SELECT co.id, co.name, co.created_at, co.updated_at,
    (SELECT count(*) FROM customers AS c WHERE c.company_id = co.id AND +c.is_archived = 0) AS customers
  FROM companies AS co ORDER BY lower(co.name), co.id`;

const COMPANIES_BY_ID_RANGE = `SELECT id, name, created_at, updated_at FROM companies
  WHERE id >= @prefix AND id < @prefix || char(1114111) ORDER BY id LIMIT @limit`;

/** The latest interaction of each comes from customer_activity (kept by triggers, drizzle/0009). */
export const COMPANY_PEOPLE = `SELECT c.id, c.name, c.email, c.phone, c.status, c.owner, c.is_archived,
    c.deal_value_minor, c.deal_currency, a.last_interaction_at
  FROM customers AS c LEFT JOIN customer_activity AS a ON a.customer_id = c.id
  WHERE c.company_id = @companyId
  ORDER BY c.name COLLATE NOCASE, c.id`;

export const COMPANY_LATEST_INTERACTION = `SELECT i.id, i.customer_id, i.type, i.channel, i.note, i.follow_up_date, i.created_at,
    c.name AS customer_name
  FROM customers AS c
  CROSS JOIN customer_activity AS a ON a.customer_id = c.id
  CROSS JOIN customer_interactions AS i ON i.id = a.last_interaction_id
  WHERE c.company_id = @companyId
  ORDER BY a.last_interaction_at DESC, i.id DESC LIMIT 1`;

export class SqliteCompanyRepository implements CompanyRepository {
  private readonly sqlite: Database.Database;

  constructor(private readonly orm: Drizzle) {
    this.sqlite = orm.$client;
  }

  async list(): Promise<CompanyWithCount[]> {
    return this.sqlite.prepare(COMPANY_LIST).all() as CompanyWithCount[];
  }

  async get(id: string): Promise<Company | undefined> {
    return this.orm.select().from(companies).where(eq(companies.id, id)).get();
  }

  /** As customers': a range on the primary key, for the prefix as typed and in both cases. */
  async findByIdPrefix(prefix: string, limit: number): Promise<Company[]> {
    const found = new Map<string, Company>();
    const statement = this.sqlite.prepare(COMPANIES_BY_ID_RANGE);
    for (const variant of new Set([prefix, prefix.toLowerCase(), prefix.toUpperCase()])) {
      for (const row of statement.all({ prefix: variant, limit }) as Company[]) found.set(row.id, row);
    }
    return [...found.values()].sort((a, b) => (a.id < b.id ? -1 : 1)).slice(0, limit);
  }

  async namesStartingWith(prefix: string, limit: number): Promise<string[]> {
    return sqliteNamesStartingWith(this.sqlite, 'company', prefix, limit);
  }

  async findByName(name: string): Promise<Company[]> {
    return this.orm.select().from(companies).where(equalsIgnoringCase(companies.name, name)).all();
  }

  async insert(row: NewCompany): Promise<Company> {
    return this.orm.insert(companies).values(row).returning().get();
  }

  async update(id: string, patch: CompanyPatch): Promise<Company> {
    return this.orm.update(companies).set(patch).where(eq(companies.id, id)).returning().get();
  }

  async delete(id: string): Promise<void> {
    this.orm.delete(companies).where(eq(companies.id, id)).run();
  }

  async people(companyId: string): Promise<CompanyPerson[]> {
    const rows = this.sqlite.prepare(COMPANY_PEOPLE).all({ companyId }) as Array<Omit<CompanyPerson, 'is_archived'> & { is_archived: number }>;
    return rows.map((row) => ({ ...row, is_archived: Boolean(row.is_archived) }));
  }

  async latestInteraction(companyId: string): Promise<CompanyInteraction | undefined> {
    return this.sqlite.prepare(COMPANY_LATEST_INTERACTION).get({ companyId }) as CompanyInteraction | undefined;
  }

  async unlinkCustomers(companyId: string, at: string): Promise<number> {
    return this.orm.update(customers).set({ company_id: null, updated_at: at }).where(eq(customers.company_id, companyId)).run()
      .changes;
  }
}

import { ConflictError } from '../../domain/errors.js';
import { foldCase } from '../../domain/fold.js';
import type { Company } from '../../domain/types.js';
import type {
  CompanyInteraction,
  CompanyPatch,
  CompanyPerson,
  CompanyRepository,
  CompanyWithCount,
  NewCompany,
} from '../ports.js';
import { policyRefusal } from './errors.js';
import { columnsOf, COMPANY_COLUMNS, ID_BYTES, idPrefixCondition, Parameters } from './queries.js';
import { insertValues, setClause } from './rows.js';
import type { PgSession } from './store.js';

const COMPANY_SELECT = columnsOf('co', COMPANY_COLUMNS);
const RETURNING = `RETURNING ${COMPANY_SELECT}`;

/** By name as SQLite's lower() (ASCII letters folded, then bytes), then id. */
const COMPANY_LIST = `SELECT ${COMPANY_SELECT},
    (SELECT count(*) FROM crm.customers AS c WHERE c.company_id = co.id AND NOT c.is_archived) AS customers
  FROM crm.companies AS co ORDER BY lower(co.name COLLATE "C"), ${ID_BYTES('co')}`;

/** In list order; the names are folded in JavaScript, as on SQLite (companies are few). */
const COMPANY_NAMES = `SELECT co.name FROM crm.companies AS co ORDER BY lower(co.name COLLATE "C"), ${ID_BYTES('co')}`;

/** Names equal after folding: a seek on companies_name_fold_idx (see crm.crm_companies_named). */
const COMPANIES_BY_NAME = `SELECT ${COMPANY_SELECT} FROM crm.crm_companies_named($1) AS f(id)
  JOIN crm.companies AS co ON co.id = f.id ORDER BY ${ID_BYTES('co')}`;

/** Its customers in SQLite's NOCASE name order, each with when their latest interaction was logged. */
const COMPANY_PEOPLE = `SELECT c.id, c.name, c.email, c.phone, c.status, c.owner, c.is_archived, c.deal_value_minor, c.deal_currency,
    (SELECT max(i.created_at) FROM crm.customer_interactions AS i WHERE i.customer_id = c.id) AS last_interaction_at
  FROM crm.customers AS c WHERE c.company_id = $1
  ORDER BY lower(c.name COLLATE "C"), ${ID_BYTES('c')}`;

/** Each customer's latest interaction (a backward seek per customer), the newest of them. */
const COMPANY_LATEST_INTERACTION = `SELECT i.id, i.customer_id, i.type, i.channel, i.note, i.follow_up_date, i.created_at,
    c.name AS customer_name
  FROM crm.customers AS c
  CROSS JOIN LATERAL (
    SELECT l.id, l.customer_id, l.type, l.channel, l.note, l.follow_up_date, l.created_at
      FROM crm.customer_interactions AS l WHERE l.customer_id = c.id
      ORDER BY l.created_at DESC, ${ID_BYTES('l')} DESC LIMIT 1) AS i
  WHERE c.company_id = $1
  ORDER BY i.created_at DESC, ${ID_BYTES('i')} DESC LIMIT 1`;

/** The team's companies on its server, through row-level security, in SQLite's orders. */
export class PgCompanyRepository implements CompanyRepository {
  constructor(private readonly session: PgSession) {}

  async list(): Promise<CompanyWithCount[]> {
    return this.session.query<CompanyWithCount>(COMPANY_LIST);
  }

  async namesStartingWith(prefix: string, limit: number): Promise<string[]> {
    const wanted = foldCase(prefix);
    const rows = await this.session.query<{ name: string }>(COMPANY_NAMES);
    return rows.map((row) => row.name).filter((name) => foldCase(name).startsWith(wanted)).slice(0, limit);
  }

  async get(id: string): Promise<Company | undefined> {
    return (await this.session.query<Company>(`SELECT ${COMPANY_SELECT} FROM crm.companies AS co WHERE co.id = $1`, [id]))[0];
  }

  async findByIdPrefix(prefix: string, limit: number): Promise<Company[]> {
    const parameters = new Parameters();
    const where = idPrefixCondition('co', prefix, parameters);
    return this.session.query<Company>(
      `SELECT ${COMPANY_SELECT} FROM crm.companies AS co WHERE ${where} ORDER BY ${ID_BYTES('co')} LIMIT ${parameters.add(limit)}`,
      parameters.values,
    );
  }

  async findByName(name: string): Promise<Company[]> {
    return this.session.query<Company>(COMPANIES_BY_NAME, [name]);
  }

  async insert(row: NewCompany): Promise<Company> {
    const parameters = new Parameters();
    const rows = await this.session.query<Company>(
      `INSERT INTO crm.companies AS co ${insertValues(COMPANY_COLUMNS, row, parameters)} ${RETURNING}`,
      parameters.values,
    );
    return rows[0]!;
  }

  async update(id: string, patch: CompanyPatch): Promise<Company> {
    const parameters = new Parameters();
    const set = setClause(COMPANY_COLUMNS, patch, parameters);
    if (!set) return (await this.get(id)) as Company;
    const rows = await this.session.query<Company>(
      `UPDATE crm.companies AS co SET ${set} WHERE co.id = ${parameters.add(id)} ${RETURNING}`,
      parameters.values,
    );
    if (rows[0]) return rows[0];
    throw await this.unchanged(id, 'write');
  }

  async delete(id: string): Promise<void> {
    const rows = await this.session.query(`DELETE FROM crm.companies AS co WHERE co.id = $1 RETURNING co.id`, [id]);
    if (rows.length === 0) throw await this.unchanged(id, 'delete');
  }

  async people(companyId: string): Promise<CompanyPerson[]> {
    return this.session.query<CompanyPerson>(COMPANY_PEOPLE, [companyId]);
  }

  async latestInteraction(companyId: string): Promise<CompanyInteraction | undefined> {
    return (await this.session.query<CompanyInteraction>(COMPANY_LATEST_INTERACTION, [companyId]))[0];
  }

  /**
   * Clears the company of every customer linked to it. A member who is no manager changes
   * only their own customers (row-level security); the company's delete is then refused.
   */
  async unlinkCustomers(companyId: string, at: string): Promise<number> {
    const rows = await this.session.query<{ n: number }>(
      `WITH unlinked AS (UPDATE crm.customers AS c SET company_id = NULL, updated_at = $2 WHERE c.company_id = $1 RETURNING 1)
       SELECT count(*) AS n FROM unlinked`,
      [companyId, at],
    );
    return rows[0]?.n ?? 0;
  }

  /** Why a company the service had just found was not written: the policies, or another member deleted it. */
  private async unchanged(id: string, action: 'write' | 'delete'): Promise<Error> {
    if (await this.get(id)) return policyRefusal('companies', action);
    return new ConflictError('the company was deleted by another member meanwhile');
  }
}

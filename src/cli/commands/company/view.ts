import { shortId } from '../../../domain/ids.js';
import { formatAmounts } from '../../../domain/money.js';
import { formatLocalDay, formatLocalMinute } from '../../../domain/time.js';
import type { Company } from '../../../domain/types.js';
import type { CompanyDetails, CompanyPerson, CompanyWithCount } from '../../../services/companies.js';
import { type Column } from '../../output.js';
import type { Session } from '../../session.js';
import { dealValueText, paintStatus } from '../customer/view.js';

export const companyColumns: ReadonlyArray<Column<CompanyWithCount>> = [
  { header: 'id', value: (c) => c.id, display: (c) => shortId(c.id) },
  { header: 'name', value: (c) => c.name },
  { header: 'customers', value: (c) => c.customers },
  { header: 'created_at', value: (c) => c.created_at, display: (c) => formatLocalDay(c.created_at) },
];

/** The `--json` shape of a company: its columns, exactly. */
export function companyJson(company: Company): Company {
  return { id: company.id, name: company.name, created_at: company.created_at, updated_at: company.updated_at };
}

/** A single company: the JSON object with `--json`, aligned fields otherwise. */
export function renderCompany(session: Session, company: Company, json: boolean | undefined): void {
  if (json) {
    session.out.json(companyJson(company));
    return;
  }
  session.out.record([
    ['id', company.id],
    ['name', company.name],
    ['created_at', company.created_at],
    ['updated_at', company.updated_at],
  ]);
}

export const personColumns: ReadonlyArray<Column<CompanyPerson>> = [
  { header: 'id', value: (p) => p.id, display: (p) => shortId(p.id) },
  { header: 'name', value: (p) => p.name, display: (p, paint) => (p.is_archived ? `${p.name} ${paint.yellow('(archived)')}` : p.name) },
  { header: 'status', value: (p) => p.status, display: (p, paint) => paintStatus(p.status, paint) },
  { header: 'value', value: (p) => dealValueText(p) },
  { header: 'owner', value: (p) => p.owner },
  {
    header: 'last_interaction_at',
    label: 'last contact',
    value: (p) => p.last_interaction_at,
    display: (p) => (p.last_interaction_at ? formatLocalDay(p.last_interaction_at) : ''),
  },
];

/** `company show --json`: the company, its people, the open deal value per currency and the latest interaction. */
export function companyDetailsJson(details: CompanyDetails): Record<string, unknown> {
  return {
    ...companyJson(details.company),
    customers: details.people,
    open_value: details.openValue,
    latest_interaction: details.latestInteraction ?? null,
  };
}

export function renderCompanyDetails(session: Session, details: CompanyDetails, wide: boolean | undefined): void {
  const { out } = session;
  const { company, people, openValue, latestInteraction } = details;
  const archived = people.filter((person) => person.is_archived).length;
  const latest = latestInteraction
    ? `${formatLocalMinute(latestInteraction.created_at)} ${latestInteraction.customer_name}, ${latestInteraction.channel}: ${latestInteraction.type} — ${firstLine(latestInteraction.note)}`
    : null;
  out.record([
    ['id', company.id],
    ['name', company.name],
    ['customers', archived ? `${people.length} (${archived} archived)` : people.length],
    ['open value', openValue.length ? formatAmounts(openValue.map((total) => ({ currency: total.currency, minor: total.value_minor }))) : null],
    ['latest', latest],
    ['created_at', company.created_at],
    ['updated_at', company.updated_at],
  ]);
  out.line();
  if (people.length === 0) {
    out.line(out.paint.dim('no customers at this company yet (crm customer edit REF --company REF)'));
    return;
  }
  out.line(out.paint.bold(`people (${people.length})`));
  out.list(people, personColumns, 'table', () => people, { wide });
}

/** A note's first line, so the summary stays one line. */
function firstLine(text: string): string {
  const line = text.split(/\r?\n/, 1)[0] ?? '';
  return line.length < text.length ? `${line}…` : line;
}

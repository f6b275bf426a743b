import { UsageError, ValidationError } from '../domain/errors.js';
import type { TableName } from '../domain/vocabulary.js';
import { EARLIER_COLUMNS, TABLE_COLUMNS } from './columns.js';

/**
 * Fields a customer file can feed. Besides the table's columns, other tools split a name
 * (first/middle/last) or only give a company; those are joined into `name` by the reader.
 * The company also links the customer to the company of that name (created once if new).
 */
export const CUSTOMER_EXTRA_FIELDS = ['first_name', 'middle_name', 'last_name', 'company'] as const;

/** Case, spaces and punctuation do not matter: `E-mail 1 - Value` and `email1value` are one header. */
export function normalizeHeader(header: string): string {
  return header.toLowerCase().replace(/[^\p{L}\p{N}]+/gu, '');
}

/**
 * Headers written by other tools, keyed by their normalised form. The first alias of a field
 * found in a file wins when several are present; later ones fill in where it is empty
 * (Pipedrive has work, home and other e-mail columns).
 */
export const CUSTOMER_HEADER_ALIASES: Readonly<Record<string, readonly string[]>> = {
  name: ['Name', 'Full Name', 'Contact Name', 'Display Name', 'Person - Name', 'Customer Name'],
  first_name: ['First Name', 'Given Name', 'Person - First name'],
  middle_name: ['Middle Name', 'Additional Name'],
  last_name: ['Last Name', 'Family Name', 'Surname', 'Person - Last name'],
  company: [
    'Company',
    'Company Name',
    'Organization',
    'Organisation',
    'Organization Name',
    'Organization 1 - Name',
    'Person - Organization',
  ],
  email: [
    'Email',
    'Email Address',
    'E-mail Address',
    'E-mail 1 - Value',
    'Work Email',
    'Primary Email',
    'Person - Email',
    'Person - Email - Work',
    'Person - Email - Home',
    'Person - Email - Other',
  ],
  phone: [
    'Phone',
    'Phone Number',
    'Phone 1 - Value',
    'Mobile',
    'Mobile Phone',
    'Mobile Phone Number',
    'Telephone',
    'Work Phone',
    'Business Phone',
    'Primary Phone',
    'Person - Phone',
    'Person - Phone - Work',
    'Person - Phone - Mobile',
    'Person - Phone - Home',
    'Person - Phone - Other',
  ],
  status: ['Status', 'Lead Status'],
  acquisition_source: ['Source', 'Lead Source', 'Original Source', 'Acquisition Source'],
  owner: ['Owner', 'Contact owner', 'Person - Owner'],
  is_archived: ['Archived'],
};

/**
 * Aliases naming one of several typed values (work, home, mobile): tools write them side by
 * side, so they fill a field in turn, after any column that names the field as such. Two
 * columns that each name the field as such (`Email` and `E-mail Address`) are a conflict.
 */
const FALLBACK_ALIASES: ReadonlySet<string> = new Set(
  [
    'Work Email',
    'Person - Email - Work',
    'Person - Email - Home',
    'Person - Email - Other',
    'Mobile',
    'Mobile Phone',
    'Mobile Phone Number',
    'Work Phone',
    'Business Phone',
    'Person - Phone - Work',
    'Person - Phone - Mobile',
    'Person - Phone - Home',
    'Person - Phone - Other',
  ].map((alias) => normalizeHeader(alias)),
);

/** The column `import vcard` (src/csv/vcard.ts) puts each card's UID in. */
export const VCARD_UID_HEADER = 'vCard UID';

/**
 * Columns holding the identity a tool gives a contact, by the tool they name. Re-importing
 * that tool's export finds the customer again by it, e-mail or not.
 */
const EXTERNAL_ID_HEADERS: ReadonlyMap<string, string> = new Map([
  [normalizeHeader('Record ID'), 'hubspot'],
  [normalizeHeader('Person - ID'), 'pipedrive'],
  [normalizeHeader('URL'), 'linkedin'],
  [normalizeHeader(VCARD_UID_HEADER), 'vcard'],
]);

/** The staged field that carries a row's external id (see EXTERNAL_ID_HEADERS). */
export const EXTERNAL_ID_FIELD = 'external_id';

export type FieldName = string;

export interface ColumnMapping {
  /** For each field, the indexes of the columns that feed it, in priority order. */
  readonly sources: ReadonlyMap<FieldName, readonly number[]>;
  /** Headers that feed nothing, reported to the user so a missed column is noticed. */
  readonly ignored: readonly string[];
  /**
   * The header is exactly the table's own columns (a crm export): values are kept byte for
   * byte. Any other file is tidied: values trimmed, empty cells treated as missing.
   */
  readonly native: boolean;
  readonly headers: readonly string[];
  /** The tool whose contact ids feed EXTERNAL_ID_FIELD (`hubspot`, `linkedin`, `pipedrive`). */
  readonly externalSource?: string;
}

/** Parses `--map "Their Header=our_column"` values. */
export function parseMapOptions(table: TableName, specs: readonly string[]): Map<string, FieldName> {
  const allowed = allowedFields(table);
  const result = new Map<string, FieldName>();
  for (const spec of specs) {
    const at = spec.lastIndexOf('=');
    const theirs = at > 0 ? spec.slice(0, at).trim() : '';
    const ours = at > 0 ? spec.slice(at + 1).trim().toLowerCase() : '';
    if (!theirs || !ours) {
      throw new UsageError(`invalid --map "${spec}": use "Their Header=our_column"`);
    }
    if (!allowed.includes(ours)) {
      throw new UsageError(`invalid --map "${spec}": ${table} has no column "${ours}"; use one of ${allowed.join(', ')}`);
    }
    result.set(normalizeHeader(theirs), ours);
  }
  return result;
}

function allowedFields(table: TableName): string[] {
  const columns: string[] = [...TABLE_COLUMNS[table]];
  return table === 'customers' ? [...columns, ...CUSTOMER_EXTRA_FIELDS] : columns;
}

const aliasIndex: ReadonlyMap<string, FieldName> = new Map(
  Object.entries(CUSTOMER_HEADER_ALIASES).flatMap(([field, aliases]) =>
    aliases.map((alias) => [normalizeHeader(alias), field] as const),
  ),
);

export function mapColumns(table: TableName, headers: readonly string[], userMap: ReadonlyMap<string, FieldName>): ColumnMapping {
  const columns: readonly string[] = TABLE_COLUMNS[table];
  const normalized = headers.map((header) => normalizeHeader(header));
  for (const theirs of userMap.keys()) {
    if (!normalized.includes(theirs)) {
      throw new UsageError(`--map names a column the file does not have ("${theirs}"); its columns are: ${headers.join(', ')}`);
    }
  }
  const byColumn = new Map(columns.map((column) => [normalizeHeader(column), column]));
  const mapped: Array<{ field: FieldName; index: number; rank: number }> = [];
  const ignored: string[] = [];
  let externalSource: string | undefined;
  normalized.forEach((key, index) => {
    const explicit = userMap.get(key);
    const own = byColumn.get(key);
    const alias = table === 'customers' ? aliasIndex.get(key) : undefined;
    const external = table === 'customers' && externalSource === undefined ? EXTERNAL_ID_HEADERS.get(key) : undefined;
    if (explicit) mapped.push({ field: explicit, index, rank: 0 });
    else if (own) mapped.push({ field: own, index, rank: 1 });
    else if (alias) mapped.push({ field: alias, index, rank: FALLBACK_ALIASES.has(key) ? 3 : 2 });
    else if (external) {
      externalSource = external;
      mapped.push({ field: EXTERNAL_ID_FIELD, index, rank: 2 });
    } else ignored.push(headers[index]!);
  });
  assertNoConflicts(headers, normalized, mapped);
  mapped.sort((a, b) => a.rank - b.rank || a.index - b.index);
  const sources = new Map<FieldName, number[]>();
  for (const { field, index } of mapped) sources.set(field, [...(sources.get(field) ?? []), index]);
  const same = (expected: readonly string[]) => headers.length === expected.length && headers.every((header, index) => header === expected[index]);
  const native = same(columns) || (EARLIER_COLUMNS[table] ?? []).some(same);
  return { sources, ignored, native, headers, ...(externalSource && { externalSource }) };
}

/**
 * A column read twice would be dropped silently (the first one wins), so a file whose header
 * names a field twice is refused: the same header twice, or two headers that each name the
 * field as such (typed variants like `Work Phone` only fill in).
 */
function assertNoConflicts(
  headers: readonly string[],
  normalized: readonly string[],
  mapped: ReadonlyArray<{ field: FieldName; index: number; rank: number }>,
): void {
  const firstByField = new Map<FieldName, number>();
  const firstByKey = new Map<string, number>();
  // --map settles it: the column it names comes first, the others fill in where it is empty.
  const chosen = new Set(mapped.filter(({ rank }) => rank === 0).map(({ field }) => field));
  for (const { field, index, rank } of mapped) {
    const sameHeader = firstByKey.get(normalized[index]!);
    if (sameHeader !== undefined) {
      throw new ValidationError(
        `the header has "${headers[index]}" twice (columns ${sameHeader + 1} and ${index + 1}); rename or remove one`,
      );
    }
    firstByKey.set(normalized[index]!, index);
    if (rank === 3 || chosen.has(field)) continue;
    const other = firstByField.get(field);
    if (other !== undefined) {
      throw new ValidationError(
        `columns "${headers[other]}" and "${headers[index]}" both hold ${field}; choose one with --map "${headers[other]}=${field}"`,
      );
    }
    firstByField.set(field, index);
  }
}

/**
 * Whether a one-cell record could be a header. Anything else with a single cell before the
 * header (LinkedIn's `Notes:` and its paragraph) is a preamble to skip.
 */
export function isKnownHeader(table: TableName, header: string, userMap: ReadonlyMap<string, FieldName>): boolean {
  const key = normalizeHeader(header);
  if (userMap.has(key)) return true;
  if (allowedFields(table).some((field) => normalizeHeader(field) === key)) return true;
  return table === 'customers' && aliasIndex.has(key);
}

/** Refuses a file that cannot produce valid rows at all, before any row is read. */
export function assertUsableMapping(table: TableName, mapping: ColumnMapping): void {
  const has = (field: string) => mapping.sources.has(field);
  const found = mapping.headers.join(', ') || '(none)';
  if (table === 'customers') {
    if (!['name', 'first_name', 'last_name', 'company', 'email', 'phone'].some(has)) {
      throw new ValidationError(
        `no customer name, email or phone column found (columns: ${found}); name one with --map "Their Header=name"`,
      );
    }
    return;
  }
  const required =
    table === 'products' || table === 'companies'
      ? ['name']
      : table === 'customer_external_ids'
        ? ['source', 'external_id', 'customer_id']
        : table === 'settings'
          ? ['key', 'value']
          : table === 'customer_tags'
            ? ['customer_id', 'tag']
            : ['customer_id', 'type', 'channel', 'note'];
  const missing = required.filter((field) => !has(field));
  if (missing.length > 0) {
    throw new ValidationError(`${table} file lacks column(s) ${missing.join(', ')} (columns: ${found})`);
  }
}

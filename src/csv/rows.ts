import { CrmError, ValidationError } from '../domain/errors.js';
import { currencyCode, MAX_MINOR } from '../domain/money.js';
import { emailProblem, singleLineTextProblem } from '../domain/schemas.js';
import { canonicalSettingValue, parseSettingKey } from '../domain/settings.js';
import { normalizeTag } from '../domain/tags.js';
import { CUSTOMER_STATUSES, INTERACTION_CHANNELS, type CustomerStatus, type TableName } from '../domain/vocabulary.js';
import type { CsvCell } from './codec.js';
import { canonicalTimestamp, isAllDay } from '../domain/time.js';
import { decodeBoolean, isIsoTimestamp } from './codec.js';
import { TABLE_COLUMNS } from './columns.js';
import { EXTERNAL_ID_FIELD, type ColumnMapping } from './headers.js';

export type SqlValue = string | number | null;

/**
 * A validated row, in the table's column order, ready to stage. NULL means "not given":
 * the writer fills defaults (new id, now, `lead`) only for rows it inserts.
 * Customer rows carry three more values: `name_given` (1 when the file had a name rather than
 * the e-mail or phone standing in for one), so a dedupe update never renames anyone to an
 * address, the contact's id in the tool the file comes from (or NULL), and the name of their
 * company as the file gives it (or NULL), which the writer turns into a company_id.
 */
export type StagedValues = SqlValue[];

export interface RowProblem {
  column: string;
  reason: string;
}

export interface RowDefaults {
  status?: CustomerStatus;
  owner?: string;
  acquisition_source?: string;
  /** CRM_OWNER: only for rows without an id (new contacts), so a restore is never altered. */
  ownerForNewRows?: string;
}

export class RowError extends Error {
  constructor(readonly problem: RowProblem) {
    super(`${problem.column}: ${problem.reason}`);
  }
}

/**
 * Values other tools use for a pipeline stage, normalised like headers (lowercase, `_` for
 * spaces). HubSpot's lead statuses are the common case.
 */
export const STATUS_ALIASES: Readonly<Record<string, CustomerStatus>> = {
  new: 'lead',
  open: 'lead',
  attempted_to_contact: 'lead',
  bad_timing: 'lead',
  in_progress: 'qualified',
  connected: 'qualified',
  open_deal: 'proposal',
  unqualified: 'closed_lost',
  won: 'closed_won',
  lost: 'closed_lost',
};

export function normalizeStatus(text: string): CustomerStatus | undefined {
  const key = text.trim().toLowerCase().replace(/[\s-]+/g, '_');
  if ((CUSTOMER_STATUSES as readonly string[]).includes(key)) return key as CustomerStatus;
  return STATUS_ALIASES[key];
}

export function isBlankRecord(record: readonly CsvCell[]): boolean {
  return record.every((cell) => cell === null || cell.trim() === '');
}

export const MULTI_VALUE_SEPARATOR = ' ::: ';

/** Reads one file's records into staged values, given the file's column mapping. */
export class RowReader {
  private readonly width: number;
  private readonly fieldIndexes: ReadonlyMap<string, readonly number[]>;
  /** Values after the first of multi-value cells, which a customer has no place for. */
  droppedValues = 0;

  constructor(
    readonly table: TableName,
    private readonly mapping: ColumnMapping,
    private readonly defaults: RowDefaults = {},
  ) {
    this.width = mapping.headers.length;
    this.fieldIndexes = mapping.sources;
  }

  /** Throws RowError for the first problem of a bad row. */
  read(record: readonly CsvCell[]): StagedValues {
    if (record.length !== this.width) {
      throw new RowError({
        column: '(row)',
        reason: `expected ${this.width} fields, found ${record.length} (check quotes and delimiters)`,
      });
    }
    switch (this.table) {
      case 'products':
        return this.product(record);
      case 'customers':
        return this.customer(record);
      case 'customer_interactions':
        return this.interaction(record);
      case 'customer_external_ids':
        return this.externalIdRow(record);
      case 'companies':
        return this.company(record);
      case 'settings':
        return this.setting(record);
      case 'customer_tags':
        return this.tagRow(record);
    }
  }

  /** The field's value: verbatim in a native file, trimmed with blanks as NULL otherwise. */
  private get(record: readonly CsvCell[], field: string): CsvCell {
    const indexes = this.fieldIndexes.get(field);
    if (!indexes) return null;
    for (const index of indexes) {
      const cell = record[index] ?? null;
      if (this.mapping.native) return cell;
      const tidy = cell === null ? '' : cell.trim();
      if (tidy !== '') return tidy;
    }
    return null;
  }

  /**
   * Google Contacts puts every e-mail or phone of one kind in one cell, joined by ` ::: `.
   * The first is the primary one; the others are counted for the summary.
   */
  private firstValue(record: readonly CsvCell[], field: string): CsvCell {
    const value = this.get(record, field);
    if (value === null || this.mapping.native || !value.includes(MULTI_VALUE_SEPARATOR)) return value;
    const values = value
      .split(MULTI_VALUE_SEPARATOR)
      .map((part) => part.trim())
      .filter((part) => part !== '');
    this.droppedValues += Math.max(0, values.length - 1);
    return values[0] ?? null;
  }

  private required(record: readonly CsvCell[], field: string, allowBlank = false): string {
    const value = this.get(record, field);
    if (value === null || (!allowBlank && value.trim() === '')) {
      throw new RowError({ column: field, reason: `${field} is required` });
    }
    return value;
  }

  private id(record: readonly CsvCell[]): string | null {
    const id = this.get(record, 'id');
    if (id !== null && id.trim() === '') throw new RowError({ column: 'id', reason: 'id is blank' });
    return id;
  }

  /**
   * Stored in the one canonical UTC form whatever ISO form the file uses, so that times compare
   * as text; a follow-up given as a date stays an all-day date. Canonical text (every export)
   * is kept byte for byte.
   */
  private timestamp(record: readonly CsvCell[], field: string, allDay = false): string | null {
    const value = this.get(record, field);
    if (value === null) return null;
    if (!isIsoTimestamp(value)) {
      throw new RowError({ column: field, reason: `invalid timestamp "${value}": expected ISO 8601 like 2026-11-25T10:00:00.000Z` });
    }
    return allDay && isAllDay(value) ? value : canonicalTimestamp(value);
  }

  private flag(record: readonly CsvCell[], field: string): number | null {
    const value = this.get(record, field);
    if (value === null) return null;
    const decoded = decodeBoolean(value);
    if (decoded === undefined) {
      throw new RowError({ column: field, reason: `invalid boolean "${value}": use 1 or 0 (true/false also accepted)` });
    }
    return decoded ? 1 : 0;
  }

  /** A required one-line field (names, types), by the domain's rule. */
  private singleLine(record: readonly CsvCell[], field: string, label: string): string {
    return checkSingleLine(field, label, this.required(record, field));
  }

  private product(record: readonly CsvCell[]): StagedValues {
    return [
      this.id(record),
      this.singleLine(record, 'name', 'product name'),
      this.get(record, 'description'),
      this.flag(record, 'is_active'),
      this.timestamp(record, 'created_at'),
      this.timestamp(record, 'updated_at'),
    ];
  }

  private customer(record: readonly CsvCell[]): StagedValues {
    const id = this.id(record);
    const email = this.firstValue(record, 'email');
    const invalidEmail = email !== null && email !== '' ? emailProblem(email) : undefined;
    if (invalidEmail) throw new RowError({ column: 'email', reason: invalidEmail });
    const phone = this.firstValue(record, 'phone');
    const givenName = this.customerName(record);
    const name = givenName ?? email ?? phone;
    if (name === null || name.trim() === '') {
      throw new RowError({ column: 'name', reason: 'no name, email or phone: a customer needs at least one' });
    }
    checkSingleLine('name', 'customer name', name);
    const statusText = this.get(record, 'status');
    let status: CustomerStatus | null = this.defaults.status ?? null;
    if (statusText !== null && statusText.trim() !== '') {
      const parsed = normalizeStatus(statusText);
      if (!parsed) {
        throw new RowError({
          column: 'status',
          reason: `invalid status "${statusText}": use one of ${CUSTOMER_STATUSES.join(', ')}`,
        });
      }
      status = parsed;
    }
    const owner = this.get(record, 'owner') ?? this.defaults.owner ?? (id === null ? this.defaults.ownerForNewRows : undefined) ?? null;
    const [value, currency] = this.dealValue(record);
    return [
      id,
      name,
      email,
      phone,
      this.get(record, 'product_id'),
      status,
      this.get(record, 'acquisition_source') ?? this.defaults.acquisition_source ?? null,
      owner,
      this.flag(record, 'is_archived'),
      this.timestamp(record, 'created_at'),
      this.timestamp(record, 'updated_at'),
      this.get(record, 'company_id'),
      value,
      currency,
      this.timestamp(record, 'closed_at'),
      this.note(record),
      givenName === null ? 0 : 1,
      this.externalId(record),
      this.companyName(record),
    ];
  }

  /**
   * deal_value_minor and deal_currency: both or neither (when the file has both columns), the
   * value a whole number of minor units, the currency an ISO 4217 code. A crm export keeps any
   * three capital letters it holds, as the database does.
   */
  private dealValue(record: readonly CsvCell[]): [number | null, string | null] {
    const valueText = this.get(record, 'deal_value_minor');
    const currencyText = this.get(record, 'deal_currency');
    let value: number | null = null;
    if (valueText !== null) {
      value = /^\d+$/.test(valueText.trim()) ? Number(valueText.trim()) : NaN;
      if (!Number.isSafeInteger(value) || value > MAX_MINOR) {
        throw new RowError({ column: 'deal_value_minor', reason: `invalid value "${valueText}": a whole number of the currency's minor units (cents), like 1200000 for 12,000.00` });
      }
    }
    let currency: string | null = null;
    if (currencyText !== null) {
      if (this.mapping.native && /^[A-Z]{3}$/.test(currencyText)) currency = currencyText;
      else {
        try {
          currency = currencyCode(currencyText);
        } catch (error) {
          if (!(error instanceof ValidationError)) throw error;
          throw new RowError({ column: 'deal_currency', reason: error.message });
        }
      }
    }
    const both = this.fieldIndexes.has('deal_value_minor') && this.fieldIndexes.has('deal_currency');
    if (both && (value === null) !== (currency === null)) {
      throw new RowError({
        column: value === null ? 'deal_value_minor' : 'deal_currency',
        reason: 'a deal value needs both deal_value_minor and deal_currency (or neither)',
      });
    }
    return [value, currency];
  }

  /** The company the file names for the customer, also when it stood in for a missing name. */
  private companyName(record: readonly CsvCell[]): string | null {
    const company = this.get(record, 'company');
    if (company === null || company.trim() === '') return null;
    return checkSingleLine('company', 'company name', company.trim());
  }

  private company(record: readonly CsvCell[]): StagedValues {
    return [
      this.id(record),
      this.singleLine(record, 'name', 'company name'),
      this.timestamp(record, 'created_at'),
      this.timestamp(record, 'updated_at'),
    ];
  }

  /** Only the keys crm knows, each in its canonical form (as `crm config set` stores it). */
  private setting(record: readonly CsvCell[]): StagedValues {
    const keyText = this.required(record, 'key');
    const valueText = this.required(record, 'value');
    try {
      const key = parseSettingKey(keyText);
      return [key, canonicalSettingValue(key, valueText), this.timestamp(record, 'updated_at')];
    } catch (error) {
      if (!(error instanceof CrmError)) throw error;
      throw new RowError({ column: error.message.startsWith('unknown setting') ? 'key' : 'value', reason: error.message });
    }
  }

  /**
   * The contact's id in the tool the file comes from. A LinkedIn `URL` counts only when it is
   * a LinkedIn profile (another file's URL column is a website, which several customers share),
   * compared without case and trailing slash.
   */
  private externalId(record: readonly CsvCell[]): string | null {
    const value = this.get(record, EXTERNAL_ID_FIELD);
    if (value === null || value.trim() === '') return null;
    if (this.mapping.externalSource !== 'linkedin') return value.trim();
    return /linkedin\.com\//i.test(value) ? value.trim().replace(/\/+$/, '').toLowerCase() : null;
  }

  /** `name`, else first + middle + last joined, else the company. */
  private customerName(record: readonly CsvCell[]): string | null {
    const name = this.get(record, 'name');
    if (name !== null && name.trim() !== '') return name;
    const parts = ['first_name', 'middle_name', 'last_name']
      .map((field) => this.get(record, field))
      .filter((part): part is string => part !== null && part.trim() !== '')
      .map((part) => part.trim());
    if (parts.length > 0) return parts.join(' ');
    const company = this.get(record, 'company');
    return company !== null && company.trim() !== '' ? company : null;
  }

  private interaction(record: readonly CsvCell[]): StagedValues {
    const channelText = this.required(record, 'channel');
    const channel = channelText.trim().toLowerCase();
    if (!(INTERACTION_CHANNELS as readonly string[]).includes(channel)) {
      throw new RowError({
        column: 'channel',
        reason: `invalid channel "${channelText}": use one of ${INTERACTION_CHANNELS.join(', ')}`,
      });
    }
    return [
      this.id(record),
      this.required(record, 'customer_id'),
      this.singleLine(record, 'type', 'interaction type'),
      channel,
      // A restore keeps an empty note the database already held; a new row needs a real one.
      this.required(record, 'note', this.mapping.native),
      this.timestamp(record, 'follow_up_date', true),
      this.timestamp(record, 'created_at'),
    ];
  }

  /** A customer's note, several lines allowed; from another tool's file, a blank one is none. */
  private note(record: readonly CsvCell[]): string | null {
    const value = this.get(record, 'note');
    if (value === null || this.mapping.native) return value;
    const note = value.replace(/\r\n?/g, '\n').trim();
    return note === '' ? null : note;
  }

  /** The tag by the rules of `crm tag` (trimmed, no comma or line break); the customer must exist. */
  private tagRow(record: readonly CsvCell[]): StagedValues {
    const customerId = this.required(record, 'customer_id');
    let tag: string;
    try {
      tag = normalizeTag(this.required(record, 'tag'));
    } catch (error) {
      if (error instanceof ValidationError) throw new RowError({ column: 'tag', reason: error.message });
      throw error;
    }
    return [customerId, tag, this.timestamp(record, 'created_at')];
  }

  /** Kept as the tool wrote it (no trimming in a crm export): it is matched byte for byte on re-import. */
  private externalIdRow(record: readonly CsvCell[]): StagedValues {
    return [
      this.required(record, 'source'),
      this.required(record, 'external_id'),
      this.required(record, 'customer_id'),
      this.timestamp(record, 'created_at'),
    ];
  }
}

function checkSingleLine(field: string, label: string, value: string): string {
  const problem = singleLineTextProblem(label, value);
  if (problem) throw new RowError({ column: field, reason: problem });
  return value;
}

/** Number of staged values per row of a table (its columns, plus `name_given`, the external id and the company name for customers). */
export function stagedWidth(table: TableName): number {
  return TABLE_COLUMNS[table].length + (table === 'customers' ? CUSTOMER_EXTRA_STAGED : 0);
}

/** name_given, external id, company name. */
export const CUSTOMER_EXTRA_STAGED = 3;

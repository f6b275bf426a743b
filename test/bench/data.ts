/**
 * Realistic data for benches and memory tests: what a consultant's `crm export --dir` looks
 * like after years of use, reproducible from a seed.
 * - ids are random UUIDv4 (not sequential: random keys land all over every index, which is
 *   what makes a restore touch many pages and what sequential ids hid);
 * - names with accents and the odd comma, e-mails in mixed case, empty (NULL) fields;
 * - notes of 50-200 characters, some quoted with commas, quotes and line breaks;
 * - about a fifth of interactions with a follow-up date; customers without a product;
 * - a company for about one customer in five (most customers work at one), and a deal value
 *   for three in five, in EUR, USD or GBP (closed ones with the time they closed).
 * Each interaction names a random customer, so a customer's interactions are spread out.
 *
 * Two outputs from the same rows: export-format CSV files (exactly the bytes `crm export`
 * writes, so a round trip compares byte for byte) and a database file filled directly with
 * prepared statements in one transaction (for benches of reads, exports and queries).
 */
import fs from 'node:fs';
import { once } from 'node:events';
import path from 'node:path';
import { losslessCsvRecord } from '../../src/csv/codec.js';
import { RESTORE_ORDER, TABLE_COLUMNS, fileNameFor } from '../../src/csv/columns.js';
import type { SqlValue } from '../../src/csv/rows.js';
import { writeWithAuditSummary } from '../../src/db/audit.js';
import { openDatabase } from '../../src/db/connection.js';
import { CUSTOMER_STATUSES, INTERACTION_CHANNELS, isClosed, type TableName } from '../../src/domain/vocabulary.js';

export interface DatasetShape {
  customers: number;
  /** Interactions per customer on average (3 by default: 1M customers + 3M interactions). */
  interactionsPerCustomer?: number;
  seed?: number;
}

export const PRODUCTS = 3;

/** mulberry32: small, fast and good enough to make data look random; the same seed gives the same files. */
class Random {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(below: number): number {
    return Math.floor(this.next() * below);
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }
  chance(probability: number): boolean {
    return this.next() < probability;
  }
}

const HEX = '0123456789abcdef';

function uuid4(random: Random): string {
  let text = '';
  for (let index = 0; index < 32; index++) {
    let digit = random.int(16);
    if (index === 12) digit = 4;
    if (index === 16) digit = 8 + (digit & 3);
    text += HEX[digit];
    if (index === 7 || index === 11 || index === 15 || index === 19) text += '-';
  }
  return text;
}

const FIRST = ['Zoë', 'José', 'Ana', 'Jörg', 'François', 'Siobhán', 'Łukasz', 'Ingrid', 'Chloé', 'Mehmet', 'Noémie', 'Björn', 'Aiko', 'Óscar', 'Priya', 'Tomás', 'Hélène', 'Ada', 'Grace', 'Dvořák'];
const LAST = ['Müller', 'García', 'Nuñez', "O'Brien", 'Søndergaard', 'Dubois', 'Kowalski', 'Åström', 'Yılmaz', 'Rossi', 'Smith', 'Nakamura', 'Le Guen', 'Ferreira', 'Van der Berg', 'Schröder'];
const COMPANIES = ['Acme', 'Globex', 'Initech', 'Umbrella', 'Hooli', 'Stark', 'Wayne', 'Soylent', 'Tyrell', 'Vandelay'];
const SOURCES = ['referral', 'website', 'LinkedIn', 'conference', 'cold call', 'newsletter'];
const OWNERS = ['ada', 'grace', 'linus'];
const TYPES = ['Call', 'Email', 'Meeting', 'Demo', 'Follow-up', 'Proposal sent'];
const WORDS = 'discussed pricing renewal timeline budget next quarter decision maker demo feedback contract scope integration onboarding training support invoice discount pilot rollout security review legal approval'.split(' ');

const DAY = 86_400_000;
const EPOCH = Date.UTC(2019, 0, 1);

function instant(random: Random, from: number, spanDays: number): string {
  return new Date(from + random.int(spanDays * DAY)).toISOString();
}

function note(random: Random): string {
  const length = 50 + random.int(151);
  let text = random.pick(WORDS);
  while (text.length < length) text += ` ${random.pick(WORDS)}`;
  text = text.slice(0, length);
  const flavour = random.int(20);
  // Real notes hold punctuation the CSV has to quote: commas, quotes, line breaks.
  if (flavour === 0) text = `${text.slice(0, length - 20)}, "call back"\nthen ${text.slice(length - 15)}`;
  else if (flavour === 1) text = `${text.slice(0, 40)}, ${text.slice(42)}`;
  return text.slice(0, 200);
}

/** Customers per external id: a few came from another tool. */
const EXTERNAL_ID_EVERY = 5;

/** Customers per company: a consultant's clients have a few contacts each. */
const CUSTOMERS_PER_COMPANY = 5;
const CURRENCIES = ['EUR', 'EUR', 'EUR', 'USD', 'GBP'];

function companyCount(shape: DatasetShape): number {
  return Math.max(COMPANIES.length, Math.ceil(shape.customers / CUSTOMERS_PER_COMPANY));
}

/** The settings a team sets first: its currency and a probability it disagrees with. */
const SETTINGS: SqlValue[][] = [
  ['currency', 'EUR', '2019-01-01T00:00:00.000Z'],
  ['stage.proposal.probability', '0.4', '2019-01-01T00:00:00.000Z'],
];

/** The rows of one table, in the order an export lists them (insertion order). */
export function* datasetRows(table: TableName, shape: DatasetShape): Generator<SqlValue[]> {
  const seed = shape.seed ?? 20_261_202;
  // Ids come from their own generator per table, so any table can be produced alone.
  const ids = (salt: number) => new Random(seed ^ salt);
  if (table === 'products') {
    const productIds = ids(0x1111);
    for (let index = 0; index < PRODUCTS; index++) {
      const created = new Date(EPOCH + index * DAY).toISOString();
      yield [uuid4(productIds), `${COMPANIES[index]} ${['Starter', 'Pro', 'Enterprise'][index % 3]}`, index === 1 ? null : `Plan ${index + 1}, billed yearly`, 1, created, created];
    }
    return;
  }
  if (table === 'settings') {
    yield* SETTINGS;
    return;
  }
  const companyIds = ids(0x6666);
  if (table === 'companies') {
    for (let index = 0; index < companyCount(shape); index++) {
      const created = new Date(EPOCH + index * 60_000).toISOString();
      yield [uuid4(companyIds), `${COMPANIES[index % COMPANIES.length]} ${Math.floor(index / COMPANIES.length) + 1}`, created, created];
    }
    return;
  }
  const productIds = [...datasetRows('products', shape)].map((row) => row[0] as string);
  const customerIds = ids(0x2222);
  if (table === 'customers') {
    const companies = [...datasetRows('companies', shape)].map((row) => row[0] as string);
    const deals = new Random(seed ^ 0x7777);
    const random = new Random(seed ^ 0x3333);
    for (let index = 0; index < shape.customers; index++) {
      const first = random.pick(FIRST);
      const last = random.pick(LAST);
      const name = random.chance(0.05) ? `${last}, ${first}` : `${first} ${last}`;
      const company = random.pick(COMPANIES);
      const email = random.chance(0.15) ? null : `${first}.${last}${index}@${company}.example`.normalize('NFD').replace(/[^\x21-\x7e]/g, '').replace(/'/g, '');
      const created = instant(random, EPOCH, 2000);
      const status = random.pick(CUSTOMER_STATUSES);
      const updated = random.chance(0.5) ? created : instant(random, Date.parse(created), 300);
      // Drawn from a generator of their own, so the columns above stay what they always were.
      const valued = deals.chance(0.6);
      yield [
        uuid4(customerIds),
        name,
        email && random.chance(0.1) ? email.toUpperCase() : email,
        random.chance(0.3) ? null : `+${1 + random.int(98)} ${100 + random.int(900)} ${1_000_000 + random.int(9_000_000)}`,
        random.chance(0.25) ? null : random.pick(productIds),
        status,
        random.chance(0.2) ? null : random.pick(SOURCES),
        random.chance(0.1) ? null : random.pick(OWNERS),
        random.chance(0.05) ? 1 : 0,
        created,
        updated,
        deals.chance(0.8) ? companies[deals.int(companies.length)]! : null,
        valued ? 100 * (500 + deals.int(50_000)) : null,
        valued ? deals.pick(CURRENCIES) : null,
        isClosed(status) ? updated : null,
      ];
    }
    return;
  }
  // Interactions name customers by id: regenerate the customers' ids (cheap) and keep them.
  const customers: string[] = new Array(shape.customers);
  for (let index = 0; index < shape.customers; index++) customers[index] = uuid4(customerIds);
  if (table === 'customer_external_ids') {
    // One customer in EXTERNAL_ID_EVERY came from HubSpot, the next one from LinkedIn.
    for (let index = 0; index < shape.customers; index += EXTERNAL_ID_EVERY) {
      const created = new Date(EPOCH + index * 60_000).toISOString();
      yield index % (2 * EXTERNAL_ID_EVERY) === 0
        ? ['hubspot', String(100_000 + index), customers[index]!, created]
        : ['linkedin', `https://www.linkedin.com/in/contact-${index}`, customers[index]!, created];
    }
    return;
  }
  const interactionIds = ids(0x4444);
  const random = new Random(seed ^ 0x5555);
  const count = Math.round(shape.customers * (shape.interactionsPerCustomer ?? 3));
  for (let index = 0; index < count; index++) {
    const created = instant(random, EPOCH, 2000);
    yield [
      uuid4(interactionIds),
      customers[random.int(customers.length)]!,
      random.pick(TYPES),
      random.pick(INTERACTION_CHANNELS),
      note(random),
      random.chance(0.2) ? instant(random, Date.parse(created), 60).slice(0, 10) : null,
      created,
    ];
  }
}

export function datasetRowCount(table: TableName, shape: DatasetShape): number {
  if (table === 'products') return PRODUCTS;
  if (table === 'companies') return companyCount(shape);
  if (table === 'settings') return SETTINGS.length;
  if (table === 'customers') return shape.customers;
  if (table === 'customer_external_ids') return Math.ceil(shape.customers / EXTERNAL_ID_EVERY);
  return Math.round(shape.customers * (shape.interactionsPerCustomer ?? 3));
}

/** Writes `<table>.csv` for every table into `dir`, in `crm export --dir` form. Memory stays flat. */
export async function writeExportFiles(dir: string, shape: DatasetShape, tables: readonly TableName[] = RESTORE_ORDER): Promise<void> {
  fs.mkdirSync(dir, { recursive: true });
  for (const table of tables) {
    const out = fs.createWriteStream(path.join(dir, fileNameFor(table)));
    let buffer = `${TABLE_COLUMNS[table].join(',')}\n`;
    for (const row of datasetRows(table, shape)) {
      buffer += `${losslessCsvRecord(row)}\n`;
      if (buffer.length > 1 << 16) {
        if (!out.write(buffer)) await once(out, 'drain');
        buffer = '';
      }
    }
    out.end(buffer);
    await once(out, 'finish');
  }
}

/**
 * Creates (or adds to) a crm database file holding the dataset, through crm's own schema
 * and rules, in one transaction audited by one summary entry.
 */
export function fillDatabase(file: string, shape: DatasetShape, tables: readonly TableName[] = RESTORE_ORDER): void {
  const db = openDatabase(file);
  try {
    db.identifyWriter({ actor: 'bench' });
    db.sqlite.pragma('cache_size = -65536');
    writeWithAuditSummary(
      db,
      () => {
        for (const table of tables) {
          const columns = TABLE_COLUMNS[table];
          const insert = db.sqlite.prepare(`INSERT INTO "${table}" (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`);
          for (const row of datasetRows(table, shape)) insert.run(row);
        }
      },
      () => ({ table_name: tables.join(','), action: 'import', details: { generated: shape } }),
    );
  } finally {
    db.close();
  }
}

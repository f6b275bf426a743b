import ICAL from 'ical.js';
import { stringify } from 'csv-stringify/sync';
import { ValidationError } from '../domain/errors.js';
import { VCARD_UID_HEADER } from './headers.js';
import { MULTI_VALUE_SEPARATOR } from './rows.js';

/**
 * vCard (RFC 6350 4.0 and RFC 2426 3.0, as phones and address books export them), read and
 * written with Mozilla's ical.js. An address book is turned into the CSV a contacts export
 * would be, so `import vcard` shares every rule of the CSV import: the same field checks,
 * dedupe (by the card's UID, kept as a `vcard` external id, then by e-mail), bad-row report,
 * --dry-run and idempotency.
 */

/** The columns, in the headers the CSV import already knows (src/csv/headers.ts). */
const CSV_HEADERS = [VCARD_UID_HEADER, 'Full Name', 'First Name', 'Middle Name', 'Last Name', 'Organization', 'Email', 'Phone'];

type Property = InstanceType<typeof ICAL.Property>;
type Component = InstanceType<typeof ICAL.Component>;

function text(value: unknown): string {
  if (Array.isArray(value)) return value.map(text).filter(Boolean).join(', ');
  return value === null || value === undefined ? '' : String(value).trim();
}

/** The card's preferred value first (PREF=1 in 4.0, TYPE=pref in 3.0), the others after it. */
function preferredFirst(properties: Property[]): string[] {
  const rank = (property: Property) => {
    const pref = Number(property.getParameter('pref'));
    if (Number.isFinite(pref) && pref > 0) return pref;
    const types = property.getParameter('type');
    const list = Array.isArray(types) ? types : types ? [types] : [];
    return list.some((type) => String(type).toLowerCase() === 'pref') ? 1 : 101;
  };
  return properties
    .map((property, order) => ({ value: text(property.getFirstValue()), rank: rank(property), order }))
    .filter((entry) => entry.value !== '')
    .sort((a, b) => a.rank - b.rank || a.order - b.order)
    .map((entry) => entry.value.replace(/^(mailto|tel):/i, ''));
}

function cardRow(card: Component): string[] {
  const structured = card.getFirstPropertyValue('n') as unknown;
  const [family, given, additional] = Array.isArray(structured) ? structured.map(text) : ['', '', ''];
  const organization = card.getFirstPropertyValue('org') as unknown;
  return [
    text(card.getFirstPropertyValue('uid')),
    text(card.getFirstPropertyValue('fn')),
    given ?? '',
    additional ?? '',
    family ?? '',
    Array.isArray(organization) ? text(organization[0]) : text(organization),
    // Extra values are dropped by the import as Google's are, and counted in its report.
    preferredFirst(card.getAllProperties('email')).join(MULTI_VALUE_SEPARATOR),
    preferredFirst(card.getAllProperties('tel')).join(MULTI_VALUE_SEPARATOR),
  ];
}

/** The cards of a .vcf file as customer CSV text: a header, then line n + 1 for card n. */
export function vcardsAsCsv(vcf: string): { csv: string; cards: number } {
  if (!/^BEGIN:VCARD\r?$/im.test(vcf)) throw new ValidationError('not a vCard file: it has no BEGIN:VCARD ... END:VCARD');
  let parsed: unknown;
  try {
    parsed = ICAL.parse(vcf.replace(/^\uFEFF/, ''));
  } catch (error) {
    throw new ValidationError(`not a readable vCard file: ${(error as Error).message.split('\n')[0]}`);
  }
  const list = (Array.isArray(parsed) && Array.isArray(parsed[0]) ? parsed : [parsed]) as unknown[];
  const cards = list.map((json) => new ICAL.Component(json as unknown[])).filter((component) => component.name === 'vcard');
  if (cards.length === 0) throw new ValidationError('not a vCard file: it has no BEGIN:VCARD ... END:VCARD');
  return { csv: stringify([CSV_HEADERS, ...cards.map(cardRow)]), cards: cards.length };
}

export interface VcardContact {
  id: string;
  name: string;
  email: string | null;
  phone: string | null;
  /** The UID the card had when imported, so the address book that made it recognises it. */
  uid?: string;
  note?: string;
}

/** vCard 4.0 text, one card per customer; the UID is the card's own or urn:uuid:<customer id>. */
export function contactsAsVcards(contacts: Iterable<VcardContact>): string {
  const cards: string[] = [];
  for (const contact of contacts) {
    const card = new ICAL.Component(['vcard', [], []]);
    card.addPropertyWithValue('version', '4.0');
    card.addPropertyWithValue('uid', contact.uid ?? `urn:uuid:${contact.id}`);
    card.addPropertyWithValue('fn', contact.name);
    if (contact.email) card.addPropertyWithValue('email', contact.email);
    if (contact.phone) card.addPropertyWithValue('tel', contact.phone);
    if (contact.note) card.addPropertyWithValue('note', contact.note);
    cards.push(`${card.toString()}\r\n`);
  }
  return cards.join('');
}

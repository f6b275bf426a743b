import type { Command } from 'commander';
import { UsageError } from '../../../domain/errors.js';
import { CUSTOMER_STATUSES, type CustomerStatus } from '../../../domain/vocabulary.js';
import type { CustomerAddRequest } from '../../../services/customers.js';
import { shortId } from '../../../domain/ids.js';
import { parseDealValue, parseStatus, promptCheck } from '../../parse.js';
import type { Session } from '../../session.js';
import { renderCustomer } from './view.js';

export interface CustomerAddOptions {
  name?: string;
  email?: string;
  phone?: string;
  product?: string;
  company?: string;
  value?: string;
  status?: string;
  source?: string;
  owner?: string;
  note?: string;
  force?: boolean;
  json?: boolean;
}

const NO_PRODUCT = Symbol('no product');

export function registerCustomerAdd(customer: Command, session: Session): void {
  customer
    .command('add')
    .description('add a customer (no name on a terminal: asks for every field)')
    .argument('[name]', 'full name or company name')
    .option('-e, --email <address>', 'email address')
    .option('-p, --phone <number>', 'phone number')
    .option('--product <ref>', 'the product they are interested in (id, id prefix or name)')
    .option('-c, --company <ref>', 'the company they work for (id, id prefix or name; see crm company add)')
    .option('--value <amount>', 'deal value: "12 000 EUR", or 12000 in $CRM_CURRENCY or crm config currency')
    .option('-s, --status <status>', `pipeline stage: ${CUSTOMER_STATUSES.join(', ')} (default: lead)`)
    .option('--source <text>', 'how they were acquired (referral, website, ...)')
    .option('-o, --owner <name>', 'who is responsible for them (default: $CRM_OWNER)')
    .option('--note <text>', 'free text about them, editable later with "customer edit --note"')
    .option('--force', 'add even when a customer already has this e-mail (ignoring case)')
    .option('--json', 'print the new customer as JSON')
    .addHelpText(
      'after',
      `
Examples:
  $ crm customer add "Ada Lovelace" --email ada@example.com --product "website audit"
  $ crm customer add "Babbage Ltd" --status qualified --source referral --owner grace
  $ crm customer add "Grace Hopper" --company acme --value "12 000 EUR" --status proposal
  $ crm customer add            # on a terminal: asks for each field`,
    )
    .action((name: string | undefined, options: Omit<CustomerAddOptions, 'name'>) =>
      runCustomerAdd(session, { name, ...options }),
    );
}

export async function runCustomerAdd(session: Session, options: CustomerAddOptions): Promise<void> {
  session.allowCreatingDatabase();
  const request =
    options.name === undefined
      ? await askForCustomer(session, options)
      : { name: options.name, ...fromOptions(session, options) };
  const { sameEmailAs, ...customer } = await (await session.services()).customers.add({ ...request, force: options.force });
  if (sameEmailAs) session.warn(`customer "${sameEmailAs.name}" (${shortId(sameEmailAs.id)}) has the same e-mail`);
  renderCustomer(session, customer, options.json);
  session.success(`added customer "${customer.name}" (${shortId(customer.id)})`);
}

function fromOptions(session: Session, options: CustomerAddOptions): Omit<CustomerAddRequest, 'name'> {
  return {
    email: options.email,
    phone: options.phone,
    product: options.product,
    company: options.company,
    value: options.value === undefined ? undefined : parseDealValue(options.value, session.defaultCurrency),
    status: options.status === undefined ? undefined : parseStatus(options.status),
    acquisition_source: options.source,
    owner: options.owner ?? session.owner,
    note: options.note,
  };
}

/** Asks only for what the flags did not already give; each answer is checked as it is typed. */
async function askForCustomer(session: Session, options: CustomerAddOptions): Promise<CustomerAddRequest> {
  if (!session.canPrompt) {
    throw new UsageError(`missing customer name: give it as the first argument (${session.whyNoPrompt('prompt')})`);
  }
  const { customerInputSchema, validate } = await import('../../../domain/schemas.js');
  // Flags are checked first so that a typo there does not throw away the answers typed below.
  const given = fromOptions(session, options);
  if (given.email !== undefined) validate(customerInputSchema.shape.email, given.email);
  if (options.product !== undefined) await (await session.services()).products.resolve(options.product);
  const prompter = session.prompter;
  const text = (message: string, check?: (value: string) => true | string, fallback?: string) =>
    prompter.input({ message, ...(check && { validate: check }), ...(fallback && { default: fallback }) });

  const name = await text('Name:', promptCheck(customerInputSchema.shape.name));
  const email = given.email ?? (await text('Email (optional):', promptCheck(customerInputSchema.shape.email)));
  const phone = given.phone ?? (await text('Phone (optional):'));
  const product = given.product ?? (await askForProduct(session));
  const status: CustomerStatus =
    given.status ??
    (await prompter.select({
      message: 'Status:',
      choices: CUSTOMER_STATUSES.map((value) => ({ name: value, value })),
      default: 'lead',
    }));
  const source = given.acquisition_source ?? (await text('Acquisition source (optional):'));
  const owner = options.owner ?? (await text('Owner (optional):', undefined, session.owner));
  return { name, email, phone, product, company: given.company, value: given.value, status, acquisition_source: source, owner, note: given.note };
}

async function askForProduct(session: Session): Promise<string | null> {
  const active = await (await session.services()).products.list({ active: true });
  if (active.length === 0) return null;
  const choice = await session.prompter.select<string | typeof NO_PRODUCT>({
    message: 'Product:',
    choices: [
      ...active.map((product) => ({ name: product.name, value: product.id })),
      { name: 'none', value: NO_PRODUCT },
    ],
    default: NO_PRODUCT,
  });
  return choice === NO_PRODUCT ? null : choice;
}

import { Option, type Command } from 'commander';
import { UsageError } from '../../../domain/errors.js';
import { shortId } from '../../../domain/ids.js';
import type { TagCount } from '../../../services/tags.js';
import { chooseFormat, FORMATS, type Column } from '../../output.js';
import type { Session } from '../../session.js';

export interface TagChangeOptions {
  ref: string;
  action: string;
  tags: string[];
  json?: boolean;
}

export interface TagListOptions {
  json?: boolean;
  format?: string;
}

export interface TagRenameOptions {
  from: string;
  to: string;
  json?: boolean;
}

const ACTIONS = ['add', 'remove'] as const;

const TAG_RULES = 'A tag is any text up to 64 characters without commas, line breaks or tabs, trimmed;\n`VIP` and `vip` are one tag (case is ignored, in any script), spelled as it was first given.';

export function registerTag(program: Command, session: Session): void {
  const tag = program
    .command('tag')
    .description('label customers with tags: add, remove, list and rename them')
    .usage('<customer-ref> add|remove <tag...> | list | rename <old> <new>')
    .argument('<customer-ref>', 'id, id prefix (4+ characters) or name of the customer')
    .argument('<action>', 'add or remove')
    .argument('<tag...>', 'one or more tags (quote a tag with spaces)')
    .option('--json', 'print the customer\'s tags afterwards as JSON')
    // Options after a subcommand reach the command that knows them first, `tag` itself: its
    // --json is handed on, so `tag list --json` and `tag rename a b --json` mean what they say.
    .hook('preSubcommand', (self, subcommand) => {
      if (self.opts<{ json?: boolean }>().json) subcommand.setOptionValue('json', true);
    })
    .addHelpText(
      'after',
      `
${TAG_RULES}
Tags show in "customer show", filter "customer list --tag", are found by "crm search",
exported to customer_tags.csv and recorded in the audit log ("crm history").
A customer named "list" or "rename" is named here by its id prefix.

Examples:
  $ crm tag "ada lovelace" add referral "big client"
  $ crm tag 3f2a remove referral
  $ crm tag list
  $ crm tag rename "big client" key-account
  $ crm customer list --tag referral --tag key-account`,
    )
    .action((ref: string, action: string, tags: string[], options: Omit<TagChangeOptions, 'ref' | 'action' | 'tags'>) =>
      runTagChange(session, { ref, action, tags, ...options }),
    );

  tag
    .command('list')
    .alias('ls')
    .description('every tag with how many customers have it, A-Z')
    .addOption(new Option('--format <format>', 'output format').choices(FORMATS))
    .option('--json', 'print JSON (same as --format json)')
    .addHelpText('after', '\nExamples:\n  $ crm tag list\n  $ crm tag list --json')
    .action((options: TagListOptions) => runTagList(session, options));

  tag
    .command('rename')
    .description('rename a tag on every customer that has it (onto an existing tag: merges them)')
    .argument('<old>', 'the tag as it is now (any case)')
    .argument('<new>', 'its new name')
    .option('--json', 'print what was renamed as JSON')
    .addHelpText('after', `\n${TAG_RULES}\n\nExamples:\n  $ crm tag rename vip VIP\n  $ crm tag rename "big client" key-account`)
    .action((from: string, to: string, options: Omit<TagRenameOptions, 'from' | 'to'>) => runTagRename(session, { from, to, ...options }));
}

export async function runTagChange(session: Session, options: TagChangeOptions): Promise<void> {
  const action = options.action.trim().toLowerCase();
  if (!(ACTIONS as readonly string[]).includes(action)) {
    throw new UsageError(`unknown tag action "${options.action}": use add or remove (crm tag <customer-ref> add|remove <tag...>)`);
  }
  const services = await session.services();
  const change = action === 'add' ? await services.tags.add(options.ref, options.tags) : await services.tags.remove(options.ref, options.tags);
  const { customer, changed, unchanged, tags } = change;
  if (options.json) session.out.json({ customer_id: customer.id, name: customer.name, tags });
  const who = `"${customer.name}" (${shortId(customer.id)})`;
  const quoted = (list: string[]) => list.map((tag) => `"${tag}"`).join(', ');
  if (action === 'add') {
    if (changed.length > 0) session.success(`tagged ${who} ${quoted(changed)}`);
    if (unchanged.length > 0) session.info(`${who} already had ${quoted(unchanged)}`);
  } else {
    if (changed.length > 0) session.success(`removed ${quoted(changed)} from ${who}`);
    if (unchanged.length > 0) session.info(`${who} did not have ${quoted(unchanged)}`);
  }
}

const TAG_COLUMNS: ReadonlyArray<Column<TagCount>> = [
  { header: 'tag', value: (count) => count.tag },
  { header: 'customers', value: (count) => count.customers },
  { header: 'archived', value: (count) => count.archived },
];

export async function runTagList(session: Session, options: TagListOptions): Promise<void> {
  const format = chooseFormat(options, session.stdoutIsTTY);
  const counts = await (await session.services()).tags.list();
  session.out.list(counts, TAG_COLUMNS, format, () => counts);
  if (counts.length === 0) session.info('no tags yet: crm tag <customer-ref> add <tag>');
}

export async function runTagRename(session: Session, options: TagRenameOptions): Promise<void> {
  const renamed = await (await session.services()).tags.rename(options.from, options.to);
  if (options.json) session.out.json(renamed);
  if (!renamed.changed) session.info(`the tag is already "${renamed.to}"; nothing changed`);
  else session.success(`renamed tag "${renamed.from}" to "${renamed.to}" on ${renamed.customers} customer(s)`);
}

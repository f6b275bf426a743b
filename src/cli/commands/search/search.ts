import { Option, type Command } from 'commander';
import { shortId } from '../../../domain/ids.js';
import { renderSnippet } from '../../../domain/search.js';
import { formatLocalDay } from '../../../domain/time.js';
import { SEARCH_RANK_WINDOW, type SearchHit, type SearchMatch, type SearchResult } from '../../../services/search.js';
import { chooseFormat, FORMATS, type Column } from '../../output.js';
import { parsePositiveInteger } from '../../parse.js';
import type { Session } from '../../session.js';
import { DEFAULT_PAGE_SIZE } from '../customer/list.js';
import { customerJson, paintStatus } from '../customer/view.js';

export interface SearchOptions {
  words: string[];
  limit?: string;
  page?: string;
  all?: boolean;
  includeArchived?: boolean;
  json?: boolean;
  format?: string;
}

export function registerSearch(program: Command, session: Session): void {
  program
    .command('search')
    .description(`find customers by anything: name, company, e-mail, phone, tags, note, interactions; best match first, ${DEFAULT_PAGE_SIZE} per page`)
    .argument('<words...>', 'words to look for; each must begin a word somewhere in the customer or their interactions')
    .option('-n, --limit <n>', `customers per page (default: ${DEFAULT_PAGE_SIZE})`)
    .addOption(new Option('--page <n>', 'which page to show (default: 1)').conflicts('all'))
    .addOption(new Option('--all', 'every matching customer, no paging').conflicts('limit'))
    .option('--include-archived', 'archived customers too (hidden by default)')
    .addOption(new Option('--format <format>', 'output format: table groups the matches under each customer; csv and tsv have a row per match').choices(FORMATS))
    .option('--json', 'print JSON (same as --format json): each customer with its tags and matches')
    .addHelpText(
      'after',
      `
Case and accents do not matter (angstrom finds Ångström, zola finds Émile Zola), and a
word matches the words it begins (quo finds "quote"). A customer matches when every word
matches somewhere: its name, company, e-mail, phone, tags or note, or the type or note of one
of its interactions. Under each customer, the matching parts, matched words highlighted on a
terminal (not with NO_COLOR or --no-color). A footer on stderr says when more match.
When more than ${SEARCH_RANK_WINDOW} customers match, the best of the ${SEARCH_RANK_WINDOW} most recently added are shown:
add a word to narrow the search.

Examples:
  $ crm search zola quote
  $ crm search angstrom --json
  $ crm search referral renewal --page 2
  $ crm search "+44 20" --all --format csv > matches.csv`,
    )
    .action((words: string[], options: Omit<SearchOptions, 'words'>) => runSearch(session, { words, ...options }));
}

const FIELD_LABELS: Record<SearchMatch['field'], string> = {
  name: 'name',
  company: 'company',
  email: 'email',
  phone: 'phone',
  tags: 'tags',
  note: 'note',
  interaction: 'interaction',
};

function matchLabel(match: SearchMatch): string {
  if (!match.interaction) return FIELD_LABELS[match.field];
  return `${formatLocalDay(match.interaction.created_at)} ${match.interaction.channel}`;
}

/** One row per match, for csv and tsv: the customer's columns repeat, so each row stands alone. */
interface MatchRow {
  hit: SearchHit;
  match: SearchMatch | undefined;
}

const MATCH_COLUMNS: ReadonlyArray<Column<MatchRow>> = [
  { header: 'id', value: (row) => row.hit.customer.id },
  { header: 'name', value: (row) => row.hit.customer.name },
  { header: 'status', value: (row) => row.hit.customer.status },
  { header: 'owner', value: (row) => row.hit.customer.owner },
  { header: 'field', value: (row) => row.match?.field },
  { header: 'interaction_id', value: (row) => row.match?.interaction?.id },
  { header: 'interaction_created_at', value: (row) => row.match?.interaction?.created_at },
  { header: 'snippet', value: (row) => row.match?.snippet.text },
];

export function searchHitJson(hit: SearchHit): unknown {
  return {
    ...customerJson(hit.customer),
    product_name: hit.customer.product_name,
    tags: hit.tags,
    matches: hit.matches.map((match) => ({
      field: match.field,
      snippet: match.snippet.text,
      ...(match.interaction && { interaction: match.interaction }),
    })),
    more_interactions: hit.moreInteractions,
  };
}

export async function runSearch(session: Session, options: SearchOptions): Promise<void> {
  const format = chooseFormat(options, session.stdoutIsTTY);
  const limit = options.all ? undefined : options.limit === undefined ? DEFAULT_PAGE_SIZE : parsePositiveInteger(options.limit, '--limit');
  const page = options.page === undefined ? 1 : parsePositiveInteger(options.page, '--page');
  const result = await (await session.services()).search.search(options.words, { limit, page, includeArchived: options.includeArchived });
  const { hits } = result;
  if (format === 'json') session.out.json(hits.map(searchHitJson));
  else if (format === 'table') renderHits(session, hits);
  else {
    const rows = hits.flatMap((hit): MatchRow[] => (hit.matches.length === 0 ? [{ hit, match: undefined }] : hit.matches.map((match) => ({ hit, match }))));
    session.out.list(rows, MATCH_COLUMNS, format, () => []);
  }
  for (const line of searchFooter(options.words.join(' '), result)) session.info(line);
}

/** Each customer on a line, its matches indented under it. */
function renderHits(session: Session, hits: readonly SearchHit[]): void {
  const { paint } = session.out;
  const highlight = (word: string) => paint.bold(paint.red(word));
  hits.forEach((hit, index) => {
    if (index > 0) session.out.line();
    const { customer } = hit;
    const parts = [paint.bold(customer.name), paint.dim(shortId(customer.id)), paintStatus(customer.status, paint)];
    if (customer.is_archived) parts.push(paint.yellow('archived'));
    if (customer.owner) parts.push(`owner ${customer.owner}`);
    session.out.line(parts.join('  '));
    const labels = hit.matches.map(matchLabel);
    const width = Math.max(0, ...labels.map((label) => label.length));
    hit.matches.forEach((match, at) => {
      session.out.line(`  ${paint.dim(labels[at]!.padEnd(width))}  ${renderSnippet(match.snippet, highlight)}`);
    });
    if (hit.moreInteractions > 0) session.out.line(`  ${paint.dim(`… ${hit.moreInteractions} more matching interaction(s): crm interaction list ${shortId(customer.id)}`)}`);
  });
}

/** Tells the user what they are not seeing, and the option that shows it. */
function searchFooter(text: string, { hits, offset, page, more, capped }: SearchResult): string[] {
  const lines: string[] = [];
  const shown = hits.length;
  if (shown === 0 && offset === 0) lines.push(`no customer matches "${text}"`);
  else if (shown === 0) lines.push(`page ${page} is past the end: no more customers match "${text}"`);
  else if (more) lines.push(`showing ${offset + 1}–${offset + shown}; more match: --page ${page + 1} for the next, --all for everything`);
  else if (offset > 0) lines.push(`showing ${offset + 1}–${offset + shown}`);
  if (capped) lines.push(`more than ${SEARCH_RANK_WINDOW} customers match: these are the best of the ${SEARCH_RANK_WINDOW} most recently added; add a word to narrow the search`);
  return lines;
}


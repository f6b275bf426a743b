import type { Command } from 'commander';
import { UsageError } from '../../../domain/errors.js';
import { formatFollowUp, parseDateInput } from '../../../domain/time.js';
import { INTERACTION_CHANNELS, type InteractionChannel } from '../../../domain/vocabulary.js';
import type { InputStream } from '../../context.js';
import { checkDateOption, parseChannel, promptCheck } from '../../parse.js';
import type { Session } from '../../session.js';
import { renderInteraction } from './view.js';

export interface InteractionLogOptions {
  customer: string;
  channel?: string;
  type?: string;
  /** The note itself, or `-` to read it from stdin. */
  note?: string;
  followUp?: string;
  json?: boolean;
}

export function registerInteractionLog(interaction: Command, session: Session): void {
  interaction
    .command('log')
    .alias('add')
    .description('record a call, email, meeting or chat with a customer')
    .argument('<customer-ref>', 'the customer: id, id prefix (4+ characters) or name')
    .option('-c, --channel <channel>', `how: ${INTERACTION_CHANNELS.join(', ')}`)
    .option('-t, --type <type>', 'what kind of interaction, e.g. "Intro call", "Proposal sent"')
    .option('-m, --note <text>', 'what happened; "-" reads it from stdin (on a terminal, asked for when left out)')
    .option('-f, --follow-up <date>', 'when to follow up: YYYY-MM-DD, an ISO date-time, today, tomorrow, +3d, +2w, +1m, +1y')
    .option('--json', 'print the logged interaction as JSON')
    .addHelpText(
      'after',
      `
Without a terminal, --channel, --type and --note are required. On a terminal whatever is
missing is asked for (the note in $VISUAL/$EDITOR when one is set).

Examples:
  $ crm interaction log "ada lovelace" --channel phone --type "Intro call" --note "Wants a quote" --follow-up +3d
  $ crm interaction log 3f2a -c email -t "Proposal sent" --note - < proposal-summary.txt
  $ crm interaction log "ada lovelace" -c meeting -t "Workshop"    # on a terminal: asks for the note`,
    )
    .action((customer: string, options: Omit<InteractionLogOptions, 'customer'>) =>
      runInteractionLog(session, { customer, ...options }),
    );
}

export async function runInteractionLog(session: Session, options: InteractionLogOptions): Promise<void> {
  // Everything that can be wrong with the command line is found before the note is typed,
  // so a typo never throws away a note someone just wrote.
  const { interactionInputSchema, validate } = await import('../../../domain/schemas.js');
  const given = options.channel === undefined ? undefined : parseChannel(options.channel);
  checkDateOption('--follow-up', options.followUp, (text) => parseDateInput(text, session.ctx.clock.now()));
  if (options.type !== undefined) validate(interactionInputSchema.shape.type, options.type);
  const target = await (await session.services()).customers.resolve(options.customer);
  const prompter = session.prompter;

  const channel: InteractionChannel =
    given ??
    parseChannel(
      await session.require(undefined, `--channel: use one of ${INTERACTION_CHANNELS.join(', ')}`, () =>
        prompter.select({ message: 'Channel:', choices: INTERACTION_CHANNELS.map((value) => ({ name: value, value })) }),
      ),
    );
  const type = await session.require(
    options.type,
    `--type: say what kind of interaction, e.g. --type "Intro call"`,
    () => prompter.input({ message: 'Type (e.g. Intro call):', validate: promptCheck(interactionInputSchema.shape.type) }),
  );
  const followUpText =
    options.followUp ?? (isInteractive(session, options) ? await askForFollowUp(session) : undefined);
  const notePrompted = options.note === undefined;
  const note =
    options.note === '-'
      ? await readAll(session.ctx.stdin)
      : (options.note ??
        (await session.require(undefined, `--note: give --note TEXT, or --note - to read it from stdin`, () =>
          askForNote(session, promptCheck(interactionInputSchema.shape.note)),
        )));

  try {
    // The customer as the write saw it: it may have been archived or renamed while the
    // user was typing the note.
    const { interaction, customer } = await (await session.services()).interactions.log({
      customer: target.id,
      channel,
      type,
      note,
      followUp: followUpText,
    });
    renderInteraction(session, interaction, customer.name, options.json);
    const followUp = interaction.follow_up_date ? `; follow up on ${formatFollowUp(interaction.follow_up_date)}` : '';
    session.success(`logged ${interaction.channel} "${interaction.type}" with "${customer.name}"${followUp}`);
    if (customer.is_archived && interaction.follow_up_date) {
      session.warn(
        `"${customer.name}" is archived: "crm followups" does not list their follow-up until "customer restore" brings them back`,
      );
    } else if (customer.is_archived) {
      session.warn(`"${customer.name}" is archived; "customer restore" brings them back into lists`);
    }
  } catch (error) {
    if (notePrompted && note.trim()) session.info(`your note was not saved; here it is:\n${note}`);
    throw error;
  }
}

/** A log that asks for anything it was not given asks for the (optional) follow-up too. */
function isInteractive(session: Session, options: InteractionLogOptions): boolean {
  return session.canPrompt && (options.channel === undefined || options.type === undefined || options.note === undefined);
}

/** Empty means no follow-up; anything else must parse as --follow-up does, or is asked again. */
async function askForFollowUp(session: Session): Promise<string | undefined> {
  const answer = await session.prompter.input({
    message: 'Follow up on (YYYY-MM-DD, tomorrow, +3d, +2w; empty for none):',
    validate: (value) => {
      if (value.trim() === '') return true;
      try {
        parseDateInput(value, session.ctx.clock.now());
        return true;
      } catch (error) {
        if (error instanceof UsageError) return error.message;
        throw error;
      }
    },
  });
  return answer.trim() === '' ? undefined : answer.trim();
}

/** Long notes are easier in an editor, but only when the user has chosen one. */
function askForNote(session: Session, checkNote: (value: string) => true | string): Promise<string> {
  const { env } = session.ctx;
  const { prompter } = session;
  if (env.VISUAL || env.EDITOR) return prompter.editor({ message: 'Note (opens your editor):' });
  return prompter.input({ message: 'Note:', validate: checkNote });
}

export async function readAll(stream: InputStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks).toString('utf8');
}

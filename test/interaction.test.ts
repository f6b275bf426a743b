import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { describeBackends, type BackendCli } from './backends.js';
import { expectRefused, type RunOptions } from './helpers.js';

describeBackends('interaction commands', (backend, fresh) => {
let cli: BackendCli;
let ada: { id: string };
beforeEach(async () => {
  cli = await fresh();
  ada = await cli.json(['customer', 'add', 'Ada']);
});
afterEach(() => cli.close());

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const CHANNELS = 'phone, email, meeting, chat, other';
const plain = { NO_COLOR: '1' };

function refused(argv: string[], expected: { code: number; stderr: string }, options: RunOptions = {}): Promise<void> {
  return expectRefused(cli, argv, expected, options);
}

/** As someone else would, with the sqlite3 shell or psql. */
async function archive(id: string): Promise<void> {
  await cli.sql('UPDATE customers SET is_archived = $1 WHERE id = $2', [1, id]);
}

function log(...args: string[]): string[] {
  return ['interaction', 'log', 'ada', ...args];
}

describe('interaction log', () => {
  it('logs an interaction and prints it as JSON with data-model column names', async () => {
    const interaction = await cli.json(log('--channel', 'phone', '--type', 'Intro call', '--note', 'Wants a quote'));
    expect(interaction).toEqual({
      id: expect.stringMatching(UUID),
      customer_id: ada.id,
      type: 'Intro call',
      channel: 'phone',
      note: 'Wants a quote',
      follow_up_date: null,
      created_at: '2026-11-25T10:00:00.000Z',
    });
  });

  it('prints the logged interaction on stdout, as the add commands do, and confirms on stderr', async () => {
    const result = await cli.run(log('-c', 'Email', '-t', 'Quote', '-m', 'sent', '--follow-up', '+3d'));
    const [logged] = await cli.sql<{ id: string }>('SELECT id FROM customer_interactions');
    const id = logged!.id;
    expect(result).toMatchObject({
      code: 0,
      stdout: [
        `id              ${id}`,
        'customer        Ada',
        'channel         email',
        'type            Quote',
        'note            sent',
        'follow_up_date  2026-11-28',
        'created_at      2026-11-25T10:00:00.000Z',
        '',
      ].join('\n'),
      stderr: '✓ logged email "Quote" with "Ada"; follow up on 2026-11-28\n',
    });
  });

  it.each([
    ['today', '2026-11-25'],
    ['tomorrow', '2026-11-26'],
    ['+3d', '2026-11-28'],
    ['+2w', '2026-12-09'],
    ['2027-01-15', '2027-01-15'],
    ['2027-01-15T14:30:00Z', '2027-01-15T14:30:00.000Z'],
  ])('parses --follow-up %s', async (input, stored) => {
    const interaction = await cli.json(log('-c', 'phone', '-t', 'Call', '-m', 'n', '--follow-up', input));
    expect(interaction.follow_up_date).toBe(stored);
  });

  it('refuses an invalid follow-up date with exit 2 and changes nothing', async () => {
    await refused(log('-c', 'phone', '-t', 'Call', '-m', 'n', '--follow-up', 'next friday'), {
      code: 2,
      stderr: 'error: invalid date "next friday": use YYYY-MM-DD, an ISO date-time, today, tomorrow, +3d or +2w\n',
    });
    await refused(log('-c', 'phone', '-t', 'Call', '-m', 'n', '--follow-up', '2027-02-30'), {
      code: 2,
      stderr: 'error: invalid date "2027-02-30": use YYYY-MM-DD, an ISO date-time, today, tomorrow, +3d or +2w\n',
    });
    // A date-time on a day that does not exist is refused too, not rolled over to 2 March.
    await refused(log('-c', 'phone', '-t', 'Call', '-m', 'n', '--follow-up', '2027-02-30T10:00'), {
      code: 2,
      stderr: 'error: invalid date "2027-02-30T10:00": use YYYY-MM-DD, an ISO date-time, today, tomorrow, +3d or +2w\n',
    });
  });

  it('refuses an unknown channel with exit 2, naming the valid ones', async () => {
    await refused(log('--channel', 'fax', '--type', 'Call', '--note', 'n'), {
      code: 2,
      stderr: `error: invalid channel "fax": use one of ${CHANNELS}\n`,
    });
  });

  it('logs for an archived customer too, with a warning', async () => {
    await archive(ada.id);
    const result = await cli.run(log('-c', 'phone', '-t', 'Call', '-m', 'n'));
    expect(result).toMatchObject({
      code: 0,
      stderr: '✓ logged phone "Call" with "Ada"\nwarning: "Ada" is archived; "customer restore" brings them back into lists\n',
    });
  });

  it('warns that the follow-up of an archived customer is not listed, and it is not', async () => {
    await archive(ada.id);
    const result = await cli.run(log('-c', 'phone', '-t', 'Call', '-m', 'n', '--follow-up', '2026-12-20'));
    expect(result).toMatchObject({
      code: 0,
      stderr:
        '✓ logged phone "Call" with "Ada"; follow up on 2026-12-20\n' +
        'warning: "Ada" is archived: "crm followups" does not list their follow-up until "customer restore" brings them back\n',
    });
    expect(await cli.json(['followups'])).toEqual([]);
  });

  it('warns about the customer as it is when the note is saved, not as it was before the prompt', async () => {
    // An answer that archives Ada while "the user is typing": the prompter awaits it.
    const typedWhileArchived = {
      then(resolve: (note: string) => void) {
        void archive(ada.id).then(() => resolve('Wants a quote'));
      },
    };
    const result = await cli.run(log('-c', 'phone', '-t', 'Call'), { tty: true, env: { NO_COLOR: '1' }, answers: ['', typedWhileArchived] });
    expect(result).toMatchObject({
      code: 0,
      stderr: '✓ logged phone "Call" with "Ada"\nwarning: "Ada" is archived; "customer restore" brings them back into lists\n',
    });
  });

  it('refuses an unknown customer with exit 1', async () => {
    await refused(['interaction', 'log', 'nobody', '-c', 'phone', '-t', 'Call', '-m', 'n'], {
      code: 1,
      stderr: 'error: no customer matches "nobody" (by id, id prefix or name)\n',
    });
  });

  it('refuses a blank type or note with exit 1', async () => {
    await refused(log('-c', 'phone', '-t', ' ', '-m', 'n'), { code: 1, stderr: 'error: interaction type is required\n' });
    await refused(log('-c', 'phone', '-t', 'Call', '-m', ''), { code: 1, stderr: 'error: note is required\n' });
  });

  it.each([
    [['-t', 'Call', '-m', 'n'], `error: missing --channel: use one of ${CHANNELS} (no terminal to prompt on)\n`],
    [['-c', 'phone', '-m', 'n'], 'error: missing --type: say what kind of interaction, e.g. --type "Intro call" (no terminal to prompt on)\n'],
    [['-c', 'phone', '-t', 'Call'], 'error: missing --note: give --note TEXT, or --note - to read it from stdin (no terminal to prompt on)\n'],
  ])('without a terminal, %j is a usage error naming what is missing', async (args, stderr) => {
    await refused(log(...args), { code: 2, stderr });
  });

  it('reads the note from stdin with --note -', async () => {
    const result = await cli.run(log('-c', 'email', '-t', 'Proposal', '--note', '-', '--json'), {
      stdin: 'Sent the proposal.\nThey will answer by Friday.\n',
    });
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout).note).toBe('Sent the proposal.\nThey will answer by Friday.');
  });

  it('refuses an empty stdin note with exit 1', async () => {
    await refused(log('-c', 'email', '-t', 'Proposal', '--note', '-'), {
      code: 1,
      stderr: 'error: note is required\n',
    }, { stdin: '\n' });
  });
});

const FOLLOW_UP = 'Follow up on (YYYY-MM-DD, tomorrow, +3d, +2w; empty for none):';

describe('interaction log prompts (on a terminal)', () => {
  it('asks for a missing note', async () => {
    const result = await cli.run(log('-c', 'meeting', '-t', 'Workshop', '--json'), {
      tty: true,
      env: plain,
      answers: ['', 'Went well'],
    });
    expect(result.code).toBe(0);
    expect(result.prompter.asked).toEqual([FOLLOW_UP, 'Note:']);
    expect(JSON.parse(result.stdout).note).toBe('Went well');
  });

  it('opens the editor for the note when $EDITOR is set', async () => {
    const result = await cli.run(log('-c', 'meeting', '-t', 'Workshop', '--json'), {
      tty: true,
      env: { ...plain, EDITOR: 'vi' },
      answers: ['', 'Long\nnotes\n'],
    });
    expect(result.code).toBe(0);
    expect(result.prompter.asked).toEqual([FOLLOW_UP, 'Note (opens your editor):']);
    expect(JSON.parse(result.stdout).note).toBe('Long\nnotes');
  });

  it('asks for a missing channel and type too', async () => {
    const result = await cli.run(log('--json'), { tty: true, env: plain, answers: ['chat', 'Check-in', '', 'All good'] });
    expect(result.code).toBe(0);
    expect(result.prompter.asked).toEqual(['Channel:', 'Type (e.g. Intro call):', FOLLOW_UP, 'Note:']);
    expect(JSON.parse(result.stdout)).toMatchObject({ channel: 'chat', type: 'Check-in', note: 'All good', follow_up_date: null });
  });

  it('asks for a follow-up date, again after a bad one, and stores it as --follow-up would', async () => {
    const result = await cli.run(log('-c', 'phone', '-t', 'Call', '--json'), {
      tty: true,
      env: plain,
      answers: ['someday', '2027-02-30', '2026-12-20', 'Wants a quote'],
    });
    expect(result.code).toBe(0);
    expect(result.prompter.asked).toEqual([FOLLOW_UP, FOLLOW_UP, FOLLOW_UP, 'Note:']);
    const flagged = await cli.json(log('-c', 'phone', '-t', 'Call', '-m', 'n', '--follow-up', '2026-12-20'));
    expect(JSON.parse(result.stdout).follow_up_date).toBe(flagged.follow_up_date);
  });

  it('asks no follow-up when every field was given on the command line', async () => {
    const result = await cli.run(log('-c', 'phone', '-t', 'Call', '-m', 'n'), { tty: true, env: plain });
    expect(result.code).toBe(0);
    expect(result.prompter.asked).toEqual([]);
  });

  it('checks the customer, channel and date before asking for a note', async () => {
    await refused(['interaction', 'log', 'nobody', '-c', 'phone', '-t', 'Call'], {
      code: 1,
      stderr: 'error: no customer matches "nobody" (by id, id prefix or name)\n',
    }, { tty: true, env: plain });
    await refused(log('-c', 'fax', '-t', 'Call'), {
      code: 2,
      stderr: `error: invalid channel "fax": use one of ${CHANNELS}\n`,
    }, { tty: true, env: plain });
    await refused(log('-c', 'phone', '-t', 'Call', '--follow-up', 'someday'), {
      code: 2,
      stderr: 'error: invalid date "someday": use YYYY-MM-DD, an ISO date-time, today, tomorrow, +3d or +2w\n',
    }, { tty: true, env: plain });
  });

  it('gives a typed note back when saving it fails', async () => {
    // A member cannot create a trigger on the team's server; a deleted customer fails the save there.
    if (backend === 'sqlite') {
      await cli.sql(`CREATE TRIGGER test_refuse BEFORE INSERT ON customer_interactions BEGIN SELECT RAISE(ABORT, 'disk on fire'); END`);
      const before = await cli.snapshot();
      const result = await cli.run(log('-c', 'phone', '-t', 'Call'), { tty: true, env: plain, answers: ['', 'Precious words'] });
      expect(result.code).toBe(1);
      expect(result.stderr).toBe('your note was not saved; here it is:\nPrecious words\nerror: unexpected: disk on fire\n');
      expect(await cli.snapshot()).toEqual(before);
    }
    const deletedWhileTyping = {
      then(resolve: (note: string) => void) {
        void cli.sql('DELETE FROM customers WHERE id = $1', [ada.id]).then(() => resolve('Precious words'));
      },
    };
    const result = await cli.run(log('-c', 'phone', '-t', 'Call'), { tty: true, env: plain, answers: ['', deletedWhileTyping] });
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      `your note was not saved; here it is:\nPrecious words\nerror: no customer matches "${ada.id}" (by id, id prefix or name)\n`,
    );
    expect((await cli.snapshot()).customer_interactions).toEqual([]);
  });
});

describe('interaction list', () => {
  beforeEach(async () => {
    await cli.run(log('-c', 'phone', '-t', 'Intro call', '-m', 'first contact'));
    cli.clock.advance(86_400_000);
    await cli.run(log('-c', 'email', '-t', 'Quote', '-m', 'line one\nline\ttwo', '--follow-up', '2026-12-01'));
  });

  it('lists newest first as TSV with a header when piped', async () => {
    const { stdout, code } = await cli.run(['interaction', 'list', 'ada']);
    expect(code).toBe(0);
    const lines = stdout.split('\n');
    expect(lines[0]).toBe('id\tcreated_at\tchannel\ttype\tnote\tfollow_up_date');
    expect(lines).toHaveLength(4);
    expect(lines[3]).toBe('');
    expect(lines[1]).toMatch(/^[0-9a-f-]{36}\t2026-11-26T10:00:00.000Z\temail\tQuote\tline one\\nline\\ttwo\t2026-12-01$/);
    expect(lines[2]).toMatch(/^[0-9a-f-]{36}\t2026-11-25T10:00:00.000Z\tphone\tIntro call\tfirst contact\t$/);
  });

  it('prints JSON and CSV', async () => {
    const json = await cli.json(['interaction', 'list', 'ada']);
    expect(json.map((i: { type: string }) => i.type)).toEqual(['Quote', 'Intro call']);
    expect(Object.keys(json[0])).toEqual(['id', 'customer_id', 'type', 'channel', 'note', 'follow_up_date', 'created_at']);
    const csv = await cli.run(['interaction', 'list', 'ada', '--format', 'csv']);
    expect(csv.stdout.split('\n')[0]).toBe('id,created_at,channel,type,note,follow_up_date');
    expect(csv.stdout).toContain(',email,Quote,"line one\nline\ttwo",2026-12-01\n');
  });

  it('draws a table on a terminal with local days and minutes', async () => {
    const { stdout } = await cli.run(['interaction', 'list', 'ada'], { tty: true, columns: 120, env: plain });
    expect(stdout).toContain('│ 2026-11-26 10:00 │ email');
    expect(stdout).toContain('│ 2026-12-01 ');
  });

  it('says so when there is no history', async () => {
    await cli.run(['customer', 'add', 'Bob']);
    const result = await cli.run(['interaction', 'list', 'bob']);
    expect(result).toMatchObject({ code: 0, stderr: 'no interactions logged with "Bob" yet\n' });
  });

  it('refuses an unknown customer with exit 1', async () => {
    await refused(['interaction', 'list', 'nobody'], {
      code: 1,
      stderr: 'error: no customer matches "nobody" (by id, id prefix or name)\n',
    });
  });

  it('has no edit verb: interactions are an audit trail', async () => {
    const result = await cli.run(['interaction', 'edit', 'ada']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("unknown command 'edit'");
  });
});

describe('interaction --help', () => {
  it.each(['log', 'list'])('%s has examples', async (verb) => {
    const result = await cli.run(['interaction', verb, '--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Examples:');
    expect(result.stdout).toContain(`$ crm interaction ${verb}`);
  });
});
});

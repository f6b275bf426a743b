import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { describeBackends, type BackendCli } from './backends.js';
import { expectRefused } from './helpers.js';

const RANGE = 'it must give a date between 0001-01-01 and 9999-12-31';

describeBackends('date ranges', (_backend, fresh) => {
  let cli: BackendCli;
  beforeEach(async () => {
    cli = await fresh();
    await cli.json(['customer', 'add', 'Ada']);
  });
  afterEach(() => cli.close());

  describe('a date or duration option beyond the years 0001-9999', () => {
    it.each([
      [['customer', 'archive', '--status', 'lead', '--older-than', '99999999999d'], '--older-than "99999999999d"'],
      [['customer', 'archive', '--status', 'lead', '--older-than', '3000y'], '--older-than "3000y"'],
      [['archive', '--to', 'never.db', '--older-than', '99999999999d'], '--older-than "99999999999d"'],
      [['archive', '--to', 'never.db', '--interactions-older-than', '99999999w'], '--interactions-older-than "99999999w"'],
      [['interaction', 'log', 'Ada', '-c', 'phone', '-t', 'Call', '-m', 'n', '--follow-up', '+99999999y'], '--follow-up "+99999999y"'],
      [['interaction', 'log', 'Ada', '-c', 'phone', '-t', 'Call', '-m', 'n', '--follow-up', '+9999999999d'], '--follow-up "+9999999999d"'],
      [['followups', '--until', '+99999999m'], '--until "+99999999m"'],
      [['db', 'prune-audit', '--before', '99999999999d', '--yes'], '--before "99999999999d"'],
    ])('is a usage error naming the option and the range: %j', async (argv, named) => {
      await expectRefused(cli, argv, { code: 2, stderr: `error: ${named} is out of range: ${RANGE}\n` });
    });

    it('accepts the last day of the range as a follow-up and as a limit', async () => {
      await cli.json(['interaction', 'log', 'Ada', '-c', 'phone', '-t', 'Call', '-m', 'n', '--follow-up', '9999-12-31']);
      const rows = await cli.json<Array<{ customer_name: string; follow_up_date: string }>>(['followups', '--until', '9999-12-31']);
      expect(rows.map((row) => [row.customer_name, row.follow_up_date])).toEqual([['Ada', '9999-12-31']]);
    });
  });
});

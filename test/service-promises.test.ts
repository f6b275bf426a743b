import { afterEach, beforeEach, expect, it } from 'vitest';
import { CrmError } from '../src/domain/errors.js';
import { Services } from '../src/services/index.js';
import { describeBackends, type BackendCli } from './backends.js';

/**
 * A caller that chains `.catch()` or collects promises must see every refusal as a rejected
 * promise: a method that validated its input before its first `await` threw instead.
 */
describeBackends('service refusals', (_backend, fresh) => {
  let cli: BackendCli;
  let services: Services;
  beforeEach(async () => {
    cli = await fresh();
    services = new Services(cli.store, cli.clock);
  });
  afterEach(() => cli.close());

  it('come as rejected promises, never as synchronous throws, and change nothing', async () => {
    const before = await cli.snapshot();
    const calls: Array<[string, () => Promise<unknown>]> = [
      ['customers.add', () => services.customers.add({ name: ' ' })],
      ['customers.edit', () => services.customers.edit('ada', { email: 'not an e-mail' })],
      ['customers.move', () => services.customers.move('ada', 'won')],
      ['products.add', () => services.products.add({ name: '' })],
      ['products.edit', () => services.products.edit('audit', { name: '' })],
      ['interactions.log', () => services.interactions.log({ customer: 'ada', type: 'call', channel: 'phone', note: 'x', followUp: 'someday' })],
    ];
    for (const [name, call] of calls) {
      let promise: Promise<unknown> | undefined;
      expect(() => {
        promise = call();
      }, name).not.toThrow();
      await expect(promise, name).rejects.toBeInstanceOf(CrmError);
    }
    expect(await cli.snapshot()).toEqual(before);
  });
});

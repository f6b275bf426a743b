import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CrmError } from '../src/domain/errors.js';
import { Services } from '../src/services/index.js';
import { TestCli } from './helpers.js';

let cli: TestCli;
let services: Services;
beforeEach(() => {
  cli = new TestCli();
  services = new Services(cli.store, cli.clock);
});
afterEach(() => cli.close());

/**
 * A caller that chains `.catch()` or collects promises must see every refusal as a rejected
 * promise: a method that validated its input before its first `await` threw instead.
 */
describe('service refusals', () => {
  it('come as rejected promises, never as synchronous throws, and change nothing', async () => {
    const before = cli.snapshot();
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
    expect(cli.snapshot()).toEqual(before);
  });
});

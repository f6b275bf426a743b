import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, type CrmDatabase } from '../src/db/connection.js';
import type { Clock } from '../src/domain/types.js';
import { FIXED_NOW, runCli } from './helpers.js';

/** Like the system clock at its worst: no two reads ever give the same millisecond. */
class TickingClock implements Clock {
  private ms = FIXED_NOW.getTime();
  now(): Date {
    this.ms += 1;
    return new Date(this.ms);
  }
}

let db: CrmDatabase;
let clock: TickingClock;
beforeEach(() => {
  db = openDatabase(':memory:');
  clock = new TickingClock();
});
afterEach(() => db.close());

async function crm(...argv: string[]): Promise<any> {
  const result = await runCli([...argv, '--json'], { clock, database: db });
  if (result.code !== 0) throw new Error(`crm ${argv.join(' ')} failed: ${result.stderr}`);
  return JSON.parse(result.stdout);
}

function auditedAt(table: string, id: string, action: string): string[] {
  return db.sqlite
    .prepare('SELECT created_at FROM audit_log WHERE table_name = ? AND record_id = ? AND action = ? ORDER BY id')
    .pluck()
    .all(table, id, action) as string[];
}

describe('one write, one instant', () => {
  it("stamps a record and its audit entry with the same time, though the clock moves on every read", async () => {
    const product = await crm('product', 'add', 'Audit');
    expect(auditedAt('products', product.id, 'insert')).toEqual([product.created_at]);

    const customer = await crm('customer', 'add', 'Ada', '--product', 'Audit');
    expect(customer.updated_at).toBe(customer.created_at);
    expect(auditedAt('customers', customer.id, 'insert')).toEqual([customer.created_at]);

    const edited = await crm('customer', 'edit', 'Ada', '--email', 'ada@example.com');
    expect(edited.updated_at > customer.updated_at).toBe(true);
    expect(auditedAt('customers', customer.id, 'update')).toEqual([edited.updated_at]);

    const interaction = await crm('interaction', 'log', 'Ada', '-c', 'phone', '-t', 'Call', '-m', 'hi');
    expect(auditedAt('customer_interactions', interaction.id, 'insert')).toEqual([interaction.created_at]);

    await crm('product', 'delete', 'Audit', '--yes');
    const unlinked = db.sqlite.prepare('SELECT updated_at FROM customers WHERE id = ?').pluck().get(customer.id);
    expect(auditedAt('customers', customer.id, 'update').at(-1)).toBe(unlinked);
    expect(auditedAt('products', product.id, 'delete')).toEqual([unlinked]);
  });

  it('leaves the clock alone outside a write', () => {
    expect(db.writeInstant).toBeUndefined();
    db.identifyWriter({ actor: 'test', clock });
    const inside = db.write(() => [db.writeInstant!.toISOString(), db.writeInstant!.toISOString()]);
    expect(inside[0]).toBe(inside[1]);
    expect(db.writeInstant).toBeUndefined();
    expect(() =>
      db.write(() => {
        throw new Error('rolled back');
      }),
    ).toThrow('rolled back');
    expect(db.writeInstant).toBeUndefined();
  });
});

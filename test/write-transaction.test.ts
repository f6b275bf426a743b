import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, type CrmDatabase } from '../src/db/connection.js';
import { FIXED_NOW, TestClock } from './helpers.js';

let db: CrmDatabase;
beforeEach(() => {
  db = openDatabase(':memory:');
});
afterEach(() => db.close());

const productCount = () => (db.sqlite.prepare('SELECT count(*) AS n FROM products').get() as { n: number }).n;
const insertProduct = (name: string) => db.sqlite.prepare('INSERT INTO products (name, is_active) VALUES (?, 0)').run(name);

describe('a write transaction given an async function', () => {
  it('fails clearly and rolls back what ran before the first await', () => {
    expect(() =>
      db.write(async () => {
        insertProduct('before the await');
      }),
    ).toThrow('a write transaction was given an async function (it returned a promise); it was rolled back');
    expect(productCount()).toBe(0);
    expect(db.sqlite.inTransaction).toBe(false);
  });

  it('fails the same way when nested in another write, rolling back the outer one too', () => {
    expect(() =>
      db.write(() => {
        insertProduct('outer');
        db.writeAudited({}, async () => insertProduct('inner'));
      }),
    ).toThrow(/async function/);
    expect(productCount()).toBe(0);
  });

  it('still commits a synchronous function and returns its result', () => {
    expect(db.write(() => insertProduct('kept').changes)).toBe(1);
    expect(productCount()).toBe(1);
  });
});

/** Lets other tasks run, as a query on a server would: the work really is suspended here. */
const turn = () => new Promise((resolve) => setImmediate(resolve));
const productNames = () => db.sqlite.prepare('SELECT name FROM products ORDER BY name').pluck().all();
const auditCount = () => db.sqlite.prepare('SELECT count(*) FROM audit_log').pluck().get();
const auditContext = () => db.sqlite.prepare('SELECT * FROM audit_context').all();

describe('an async write transaction (writeAsync)', () => {
  it('commits the work of every await, stamped with its one instant, and returns its result', async () => {
    db.identifyWriter({ actor: 'alice', clock: new TestClock() });
    const result = await db.writeAsync(async () => {
      insertProduct('first');
      await turn();
      insertProduct('second');
      return db.writeInstant?.toISOString();
    });
    expect(result).toBe(FIXED_NOW.toISOString());
    expect(productNames()).toEqual(['first', 'second']);
    expect(db.sqlite.prepare('SELECT DISTINCT actor, created_at FROM audit_log').all()).toEqual([
      { actor: 'alice', created_at: FIXED_NOW.toISOString() },
    ]);
    expect(auditContext()).toEqual([]);
    expect(db.writeInstant).toBeUndefined();
  });

  it('rolls back everything, before and after each await, when the work fails', async () => {
    await expect(
      db.writeAsync(async () => {
        insertProduct('before');
        await turn();
        insertProduct('after');
        await turn();
        throw new Error('changed my mind');
      }),
    ).rejects.toThrow('changed my mind');
    expect(productNames()).toEqual([]);
    expect(auditCount()).toBe(0);
    expect(auditContext()).toEqual([]);
    expect(db.sqlite.inTransaction).toBe(false);
    expect(db.writeInstant).toBeUndefined();
  });

  it('rolls back what ran before a statement the database refuses', async () => {
    await expect(
      db.writeAsync(async () => {
        insertProduct('kept only if all is');
        await turn();
        db.sqlite.prepare(`INSERT INTO customers (id, name, product_id) VALUES ('c1', 'Ada', 'no such product')`).run();
      }),
    ).rejects.toThrow(/FOREIGN KEY/);
    expect(productNames()).toEqual([]);
    expect(db.sqlite.inTransaction).toBe(false);
  });

  it('makes a write inside it a savepoint: a failed inner write is undone alone if the outer one goes on', async () => {
    await db.writeAsync(async () => {
      insertProduct('outer');
      await expect(
        db.writeAsync(async () => {
          insertProduct('inner');
          await turn();
          throw new Error('inner failed');
        }),
      ).rejects.toThrow('inner failed');
      await db.writeAsync(async () => insertProduct('inner kept'));
      db.write(() => insertProduct('sync inner kept'));
    });
    expect(productNames()).toEqual(['inner kept', 'outer', 'sync inner kept']);
    expect(db.sqlite.inTransaction).toBe(false);
  });

  it('undoes its inner writes too when the outer one fails', async () => {
    await expect(
      db.writeAsync(async () => {
        await db.writeAsync(async () => insertProduct('inner'));
        db.write(() => insertProduct('sync inner'));
        await turn();
        throw new Error('outer failed');
      }),
    ).rejects.toThrow('outer failed');
    expect(productNames()).toEqual([]);
    expect(auditCount()).toBe(0);
  });

  it('leaves the connection ready for the next write after a failure', async () => {
    await expect(db.writeAsync(async () => Promise.reject(new Error('no')))).rejects.toThrow('no');
    await db.writeAsync(async () => insertProduct('next'));
    expect(productNames()).toEqual(['next']);
  });
});

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, type CrmDatabase } from '../src/db/connection.js';

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

import type { BulkImport, BulkTransfer, BulkValue, Store } from '../ports.js';
import type { TableName } from '../../domain/vocabulary.js';
import type { PgSession } from './store.js';

export class PgBulkTransfer implements BulkTransfer {
  readonly backend = 'postgres';
  readonly auditModes = ['rows'] as const;
  constructor(
    private readonly session: PgSession,
    private readonly store: Store,
  ) {}
  async count(_table: TableName): Promise<number> {
    throw new Error('todo');
  }
  readSnapshot<T>(work: () => Promise<T>): Promise<T> {
    return this.store.read(work);
  }
  // eslint-disable-next-line require-yield
  async *pages(_table: TableName, _pageSize: number): AsyncIterable<BulkValue[][]> {
    throw new Error('todo');
  }
  withImport<T>(_work: (session: BulkImport) => Promise<T>): Promise<T> {
    throw new Error('todo');
  }
}

import { PassThrough } from 'node:stream';
import { RESTORE_ORDER } from '../csv/columns.js';
import { UsageError } from '../domain/errors.js';
import type { Clock } from '../domain/types.js';
import type { TableName } from '../domain/vocabulary.js';
import type { Store } from '../repositories/ports.js';
import { TransferService, type ImportFileResult, type TransferProgress } from './transfer.js';

const AUDIT_PAGE = 2_000;

export interface PushResult {
  /** Where the rows went (server and database, never a password). */
  target: string;
  tables: Array<Pick<ImportFileResult, 'table' | 'rows' | 'inserted' | 'updated' | 'unchanged'>>;
  /** Entries of the file's audit log the team's log did not have yet. */
  auditAdded: number;
  auditRead: number;
}

/**
 * `crm db push`: a solo SQLite file into a team's database. Every table goes as a lossless
 * export streams it, straight into the server's import (COPY, staging, merge by id: a second
 * push finds every row unchanged), and the file's audit history follows, each entry marked
 * with where it came from. All of it is one transaction on the server.
 */
export class PushService {
  constructor(
    private readonly source: Store,
    private readonly clock: Clock,
  ) {}

  async push(target: Store, options: { onProgress?: (progress: TransferProgress) => void } = {}): Promise<PushResult> {
    if (this.source.backend !== 'sqlite') throw new UsageError('crm db push copies a SQLite file: run it with --db naming the file (or none, for the default one)');
    if (target.backend !== 'postgres') throw new UsageError('crm db push needs a team database: give a postgres:// URL');
    const from = await this.source.bulkTransfer();
    const to = await target.bulkTransfer();
    if (!from.auditHistory || !to.pushAuditHistory) throw new UsageError('this database cannot carry its audit history');
    const readHistory = from.auditHistory.bind(from);
    const pushHistory = to.pushAuditHistory.bind(to);
    return target.write(async () => {
      // The history first: its entries then come before the ones the server writes for the rows.
      let auditRead = 0;
      let auditAdded = 0;
      await this.source.read(async () => {
        for await (const page of readHistory(AUDIT_PAGE)) {
          auditRead += page.length;
          auditAdded += await pushHistory(page);
        }
      });
      const streams = new Map<TableName, PassThrough>(RESTORE_ORDER.map((table) => [table, new PassThrough()]));
      const exporter = new TransferService(this.source, this.clock);
      // One snapshot of the file for every table; each stream ends once its table is written.
      const exporting = this.source
        .read(async () => {
          for (const table of RESTORE_ORDER) {
            const stream = streams.get(table)!;
            await exporter.export([{ table, output: stream }]);
            stream.end();
          }
        })
        .catch((error: unknown) => {
          for (const stream of streams.values()) stream.destroy(error as Error);
          throw error;
        });
      // Both run at once, table by table in the same order: the import reads each file as the export writes it.
      const [, imported] = await Promise.all([
        exporting,
        new TransferService(target, this.clock).import(
          RESTORE_ORDER.map((table) => ({ table, label: table, input: streams.get(table)! })),
          { onProgress: options.onProgress },
        ),
      ]);
      return {
        target: target.location,
        tables: imported.files.map(({ table, rows, inserted, updated, unchanged }) => ({ table, rows, inserted, updated, unchanged })),
        auditAdded,
        auditRead,
      };
    });
  }
}


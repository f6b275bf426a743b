import type { CrmDatabase } from './connection.js';

/** The one audit entry a bulk writer records in place of one entry per row. */
export interface AuditSummary {
  /** The table the bulk write was about (`customers`, ...), or a name for several. */
  table_name: string;
  /** What happened: `import`, `archive`, ... */
  action: string;
  /** Counts and parameters worth keeping (file name, rows inserted/updated/skipped...). */
  details: Record<string, unknown>;
}

const RECORD_SUMMARY = `INSERT INTO audit_log (table_name, record_id, action, old_values, new_values, actor, created_at)
  SELECT ?, NULL, ?, NULL, json(?), actor, coalesce(at, strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) FROM audit_context`;

/**
 * For bulk writers (import, archive): runs `work` in one write transaction in which the
 * audit triggers write no entry per row, then records the single entry `summarize(result)`
 * describes, with the actor and time of the transaction. It commits or rolls back with the
 * data, so the log never claims an import that did not happen, nor misses one that did.
 * Why (see `npm run bench:audit`): one audit entry per row makes a bulk insert about 3
 * times slower; in summary mode the idle triggers cost 10-40%. Never pass an async function.
 */
export function writeWithAuditSummary<T>(
  db: CrmDatabase,
  work: () => T,
  summarize: (result: T) => AuditSummary,
): T {
  return db.writeAudited({ mode: 'summary' }, () => {
    const result = work();
    const summary = summarize(result);
    db.sqlite.prepare(RECORD_SUMMARY).run(summary.table_name, summary.action, JSON.stringify(summary.details));
    return result;
  });
}

/**
 * Deletes the audit entries created before `before` (an ISO instant) and records that it
 * did so. The append-only trigger on audit_log lets a delete through only for entries
 * older than audit_context.prune_before, which only this function sets, inside its own
 * transaction.
 */
export function pruneAuditLog(db: CrmDatabase, before: string): number {
  return db.writeAudited({ pruneBefore: before }, () => {
    const { changes } = db.sqlite.prepare(`DELETE FROM audit_log WHERE created_at < ?`).run(before);
    db.sqlite
      .prepare(RECORD_SUMMARY)
      .run('audit_log', 'prune', JSON.stringify({ before, deleted: changes }));
    return changes;
  });
}

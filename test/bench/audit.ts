/**
 * What the audit triggers cost a bulk import: inserts N customers through one prepared
 * statement in one transaction (the way bulk paths write) into a fresh file
 *   - with the audit triggers (one audit entry per row),
 *   - in summary mode (writeWithAuditSummary: one entry for the whole batch),
 *   - with the audit triggers dropped (the baseline),
 * and prints rows/s and the slowdown against the baseline. Best of 3 runs each.
 *
 *   npm run bench:audit [-- ROWS]
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { writeWithAuditSummary } from '../../src/db/audit.js';
import { openDatabase, type CrmDatabase } from '../../src/db/connection.js';
import { EXPECTED_TRIGGERS } from '../../src/db/expected.js';

type Variant = 'audit triggers' | 'summary entry' | 'no audit triggers';
const VARIANTS: Variant[] = ['no audit triggers', 'audit triggers', 'summary entry'];
const RUNS = 3;

function insertCustomers(db: CrmDatabase, rows: number): void {
  const insert = db.sqlite.prepare(
    `INSERT INTO customers (id, name, email, phone, status, owner, created_at, updated_at)
     VALUES (?, ?, ?, ?, 'lead', 'bench', ?, ?)`,
  );
  const now = new Date().toISOString();
  for (let i = 0; i < rows; i++) {
    insert.run(randomUUID(), `Customer ${i}`, `customer${i}@example.com`, `+1 555 ${String(i).padStart(7, '0')}`, now, now);
  }
}

function timeOnce(variant: Variant, rows: number, dir: string, run: number): number {
  const db = openDatabase(path.join(dir, `${variant.replace(/ /g, '-')}-${run}.db`));
  try {
    db.identifyWriter({ actor: 'bench' });
    if (variant === 'no audit triggers') {
      for (const trigger of EXPECTED_TRIGGERS.filter((name) => name.includes('_audit_'))) {
        db.sqlite.exec(`DROP TRIGGER ${trigger}`);
      }
    }
    const started = performance.now();
    if (variant === 'summary entry') {
      writeWithAuditSummary(
        db,
        () => insertCustomers(db, rows),
        () => ({ table_name: 'customers', action: 'import', details: { inserted: rows } }),
      );
    } else {
      db.write(() => insertCustomers(db, rows));
    }
    return performance.now() - started;
  } finally {
    db.close();
  }
}

function main(): void {
  const rows = Number(process.argv[2] ?? 20_000);
  if (!Number.isInteger(rows) || rows <= 0) throw new Error(`usage: bench:audit [ROWS] (got ${process.argv[2]})`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'crm-bench-audit-'));
  try {
    const best = new Map<Variant, number>();
    for (let run = 0; run < RUNS; run++) {
      for (const variant of VARIANTS) {
        const ms = timeOnce(variant, rows, dir, run);
        best.set(variant, Math.min(best.get(variant) ?? Infinity, ms));
      }
    }
    const baseline = best.get('no audit triggers')!;
    console.log(`insert ${rows} customers, one transaction, best of ${RUNS}:`);
    for (const variant of VARIANTS) {
      const ms = best.get(variant)!;
      const perSecond = Math.round((rows / ms) * 1000);
      console.log(
        `  ${variant.padEnd(18)} ${ms.toFixed(0).padStart(7)} ms  ${String(perSecond).padStart(8)} rows/s  ×${(ms / baseline).toFixed(2)}`,
      );
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main();

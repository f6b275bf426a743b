/**
 * `npm run db:audit-triggers -- drizzle/00NN_name.sql`: fills a custom migration made by
 * `npx drizzle-kit generate --custom --name name` with the audit triggers generated from
 * the schema (src/db/audit-triggers.ts), after a change to an audited table's columns.
 * Given a PostgreSQL migration (`drizzle/pg/00NN_name.sql`, made with `npm run db:generate:pg
 * -- --custom --name name`), it writes crm.crm_audit_json instead (src/db/pg/audit-json.ts):
 * a column change needs both.
 */
import fs from 'node:fs';
import path from 'node:path';
import { auditTriggersMigration } from './audit-triggers.js';
import { pgAuditJsonMigration } from './pg/audit-json.js';

const [file] = process.argv.slice(2);
if (!file || !fs.existsSync(file)) {
  process.stderr.write('usage: npm run db:audit-triggers -- drizzle/00NN_name.sql | drizzle/pg/00NN_name.sql (an existing custom migration)\n');
  process.exitCode = 2;
} else if (path.basename(path.dirname(path.resolve(file))) === 'pg') {
  fs.writeFileSync(file, pgAuditJsonMigration());
  process.stderr.write(`wrote crm.crm_audit_json for every audited table into ${file}\n`);
} else {
  fs.writeFileSync(file, auditTriggersMigration());
  process.stderr.write(`wrote the audit triggers of every audited table into ${file}\n`);
}

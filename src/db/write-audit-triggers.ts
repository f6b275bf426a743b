/**
 * `npm run db:audit-triggers -- drizzle/00NN_name.sql`: fills a custom migration made by
 * `npx drizzle-kit generate --custom --name name` with the audit triggers generated from
 * the schema (src/db/audit-triggers.ts), after a change to an audited table's columns.
 */
import fs from 'node:fs';
import { auditTriggersMigration } from './audit-triggers.js';

const [file] = process.argv.slice(2);
if (!file || !fs.existsSync(file)) {
  process.stderr.write('usage: npm run db:audit-triggers -- drizzle/00NN_name.sql (an existing custom migration)\n');
  process.exitCode = 2;
} else {
  fs.writeFileSync(file, auditTriggersMigration());
  process.stderr.write(`wrote the audit triggers of every audited table into ${file}\n`);
}

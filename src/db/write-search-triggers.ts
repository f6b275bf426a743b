/**
 * `npm run db:search-triggers -- drizzle/00NN_name.sql`: fills a custom migration made by
 * `npx drizzle-kit generate --custom --name name` with the search index's triggers generated
 * from the document (src/db/search-triggers.ts), after a change to what a document holds.
 */
import fs from 'node:fs';
import { searchTriggersMigration } from './search-triggers.js';

const [file] = process.argv.slice(2);
if (!file || !fs.existsSync(file)) {
  process.stderr.write('usage: npm run db:search-triggers -- drizzle/00NN_name.sql (an existing custom migration)\n');
  process.exitCode = 2;
} else {
  fs.writeFileSync(file, searchTriggersMigration());
  process.stderr.write(`wrote the search index's triggers into ${file}\n`);
}

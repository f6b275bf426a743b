import { activityLine, replacedLetters, searchDocument, SEARCH_DOCUMENT } from './search-index.js';

/**
 * The SQLite triggers that keep `crm search`'s index current (src/db/search-index.ts), generated
 * from the one document definition there instead of repeating it by hand in each trigger. A
 * change to the document re-creates them in a new migration (`npm run db:search-triggers`), and
 * test/search-triggers.test.ts fails while a migration's text differs from what this generates:
 * drizzle/0014_search_window.sql from the document as it spelled letters out then
 * (replacedLetters), drizzle/0016_search_triggers.sql from SEARCH_DOCUMENT. A migration's text
 * is never edited once applied (crm would not run it again), so a new form goes in a new one.
 */
export interface SearchTriggerForm {
  /** The document's SELECT (rowid and columns of customer_search), ending `FROM customers AS c`. */
  readonly document: string;
  /** The line a logged interaction appends, of the row `NEW`. */
  readonly line: string;
}

/** The form of drizzle/0014_search_window.sql. */
export const SEARCH_TRIGGERS_0014: SearchTriggerForm = {
  document: searchDocument(replacedLetters),
  line: activityLine('NEW', replacedLetters),
};

/** The current form: SEARCH_DOCUMENT, as the flush and `crm db check` build documents. */
export const SEARCH_TRIGGERS: SearchTriggerForm = { document: SEARCH_DOCUMENT, line: activityLine('NEW') };

export const SEARCH_TRIGGER_NAMES = [
  'customer_search_customer_insert',
  'customer_search_customer_update',
  'customer_search_customer_delete',
  'customer_search_interaction_insert',
  'customer_search_interaction_delete',
  'customer_search_interaction_move',
  'customer_search_tag_insert',
  'customer_search_tag_delete',
  'customer_search_tag_update',
  'customer_search_tag_move',
  'customer_search_company_rename',
] as const;

const DEFERRED = 'coalesce((SELECT `search_deferred` FROM `audit_context`), 0)';
const COLUMNS = '(`rowid`, `customer_id`, `name`, `company`, `contact`, `tags`, `note`, `activity`)';

/**
 * A customer's document rebuilt, or in a deferred write its id noted: `id` is the customer's
 * id as the trigger has it (NEW.`id`, OLD.`customer_id`, …).
 */
function rebuild(form: SearchTriggerForm, id: string): string {
  return `  INSERT OR IGNORE INTO \`customer_search_pending\` (\`customer_id\`) SELECT ${id} WHERE ${DEFERRED};
  DELETE FROM \`customer_search\` WHERE NOT ${DEFERRED} AND \`rowid\` = (SELECT \`rowid\` FROM \`customers\` WHERE \`id\` = ${id});
  INSERT INTO \`customer_search\` ${COLUMNS}
  ${indented(form.document)}
  WHERE NOT ${DEFERRED} AND c.id = ${id};`;
}

const indented = (sql: string) => sql.replace(/\n/g, '\n  ');

/** Each trigger's statement, with the comment that precedes it in the migration, in SEARCH_TRIGGER_NAMES' order. */
export function searchTriggerStatements(form: SearchTriggerForm): string[] {
  return [
    `CREATE TRIGGER \`customer_search_customer_insert\`
AFTER INSERT ON \`customers\`
BEGIN
${rebuild(form, 'NEW.`id`')}
END`,
    `-- Only the columns a document holds; \`updated_at\`, status, archiving and the like leave it alone.
CREATE TRIGGER \`customer_search_customer_update\`
AFTER UPDATE OF \`id\`, \`name\`, \`email\`, \`phone\`, \`note\`, \`company_id\` ON \`customers\`
WHEN NEW.\`id\` IS NOT OLD.\`id\` OR NEW.\`name\` IS NOT OLD.\`name\` OR NEW.\`email\` IS NOT OLD.\`email\`
  OR NEW.\`phone\` IS NOT OLD.\`phone\` OR NEW.\`note\` IS NOT OLD.\`note\` OR NEW.\`company_id\` IS NOT OLD.\`company_id\`
BEGIN
  DELETE FROM \`customer_search\` WHERE \`rowid\` = OLD.\`rowid\` AND OLD.\`rowid\` IS NOT NEW.\`rowid\`;
${rebuild(form, 'NEW.`id`')}
END`,
    `-- Never deferred: once the customer is gone nothing could find its document again.
CREATE TRIGGER \`customer_search_customer_delete\`
AFTER DELETE ON \`customers\`
BEGIN
  DELETE FROM \`customer_search\` WHERE \`rowid\` = OLD.\`rowid\`;
END`,
    `-- The line appended to the customer's document (REPLACE: FTS5 removes the old text, then
-- indexes the new). A customer without its document (or with another's at its rowid) gets the
-- whole of it, as 0012's trigger built it.
CREATE TRIGGER \`customer_search_interaction_insert\`
AFTER INSERT ON \`customer_interactions\`
BEGIN
  INSERT OR IGNORE INTO \`customer_search_pending\` (\`customer_id\`) SELECT NEW.\`customer_id\` WHERE ${DEFERRED};
  INSERT OR REPLACE INTO \`customer_search\` ${COLUMNS}
  SELECT s.\`rowid\`, s.\`customer_id\`, s.\`name\`, s.\`company\`, s.\`contact\`, s.\`tags\`, s.\`note\`,
    coalesce(s.\`activity\` || char(10), '') || ${form.line}
  FROM \`customers\` AS c JOIN \`customer_search\` AS s ON s.\`rowid\` = c.\`rowid\`
  WHERE NOT ${DEFERRED} AND c.\`id\` = NEW.\`customer_id\` AND s.\`customer_id\` = c.\`id\`;
  INSERT OR REPLACE INTO \`customer_search\` ${COLUMNS}
  ${indented(form.document)}
  WHERE NOT ${DEFERRED} AND c.id = NEW.\`customer_id\` AND NOT EXISTS (SELECT 1 FROM \`customer_search\` AS s WHERE s.\`rowid\` = c.\`rowid\` AND s.\`customer_id\` = c.\`id\`);
END`,
    `-- Also for each interaction a customer's delete cascades to: its customer is gone by then,
-- and the rebuild finds nothing to write.
CREATE TRIGGER \`customer_search_interaction_delete\`
AFTER DELETE ON \`customer_interactions\`
BEGIN
${rebuild(form, 'OLD.`customer_id`')}
END`,
    `-- The one update interactions allow: a customer's id change, cascaded to its interactions.
CREATE TRIGGER \`customer_search_interaction_move\`
AFTER UPDATE OF \`customer_id\` ON \`customer_interactions\`
WHEN NEW.\`customer_id\` IS NOT OLD.\`customer_id\`
BEGIN
${rebuild(form, 'OLD.`customer_id`')}
${rebuild(form, 'NEW.`customer_id`')}
END`,
    `CREATE TRIGGER \`customer_search_tag_insert\`
AFTER INSERT ON \`customer_tags\`
BEGIN
${rebuild(form, 'NEW.`customer_id`')}
END`,
    `CREATE TRIGGER \`customer_search_tag_delete\`
AFTER DELETE ON \`customer_tags\`
BEGIN
${rebuild(form, 'OLD.`customer_id`')}
END`,
    `-- A rename (\`crm tag rename\` defers, so each customer is rebuilt once) or a customer id change.
CREATE TRIGGER \`customer_search_tag_update\`
AFTER UPDATE ON \`customer_tags\`
BEGIN
${rebuild(form, 'NEW.`customer_id`')}
END`,
    `CREATE TRIGGER \`customer_search_tag_move\`
AFTER UPDATE OF \`customer_id\` ON \`customer_tags\`
WHEN NEW.\`customer_id\` IS NOT OLD.\`customer_id\`
BEGIN
${rebuild(form, 'OLD.`customer_id`')}
END`,
    `-- A company renamed: the documents of its customers (its id changing cascades to them, which
-- the customers' trigger above sees).
CREATE TRIGGER \`customer_search_company_rename\`
AFTER UPDATE OF \`name\` ON \`companies\`
WHEN NEW.\`name\` IS NOT OLD.\`name\`
BEGIN
  INSERT OR IGNORE INTO \`customer_search_pending\` (\`customer_id\`) SELECT \`id\` FROM \`customers\` WHERE \`company_id\` = NEW.\`id\` AND ${DEFERRED};
  DELETE FROM \`customer_search\` WHERE NOT ${DEFERRED} AND \`rowid\` IN (SELECT \`rowid\` FROM \`customers\` WHERE \`company_id\` = NEW.\`id\`);
  INSERT INTO \`customer_search\` ${COLUMNS}
  ${indented(form.document)}
  WHERE NOT ${DEFERRED} AND c.company_id = NEW.\`id\`;
END`,
  ];
}

const HEADER = `-- Generated by \`npm run db:search-triggers\` from src/db/search-triggers.ts: do not edit by hand.
-- The search index's triggers re-created with the document of src/db/search-index.ts as it is now
-- (text all of one-byte characters skips the spelling-out replaces, which leave it as it is: the
-- documents hold the same text, so the index is not rebuilt).`;

/** The text of a custom migration that re-creates every search trigger in the current form. */
export function searchTriggersMigration(): string {
  const statements = [...SEARCH_TRIGGER_NAMES.map((name) => `DROP TRIGGER IF EXISTS \`${name}\``), ...searchTriggerStatements(SEARCH_TRIGGERS)];
  return `${HEADER}\n${statements.join('\n--> statement-breakpoint\n')}\n`;
}

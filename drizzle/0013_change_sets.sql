-- Change sets: everything one crm command changed, so that `crm undo` can take it back whole
-- (a single edit, or a whole import) and `crm undo --list` can say who ran what.
--
-- crm opens a change set (a row of change_sets, with the command line, actor and time) at the
-- first write transaction of a command and names it in audit_context.change_set for each of
-- its transactions (src/db/connection.ts). Just before each commit it stamps the audit entries
-- that transaction wrote with that id. The entries are stamped afterwards, in one statement,
-- rather than by the audit triggers themselves, so that every audit trigger (0003, 0008 and
-- those later migrations add for new tables) records its change set without being rewritten
-- here; writers outside crm find no audit_context row and their entries keep a NULL change set.
ALTER TABLE `audit_log` ADD `change_set` integer;
--> statement-breakpoint
-- The undo reads a change set's entries, and --list counts them, by this index.
CREATE INDEX `audit_log_change_set_idx` ON `audit_log` (`change_set`);
--> statement-breakpoint
-- change_set: the change set of the transaction; entries_after: the log's last id when the
-- transaction began, so that only entries the transaction wrote itself can be stamped.
-- may_move_interactions: lets this transaction give interactions to another customer (crm
-- customer merge, and the undo of one), see customer_interactions_immutable below.
ALTER TABLE `audit_context` ADD `change_set` integer;
--> statement-breakpoint
ALTER TABLE `audit_context` ADD `entries_after` integer;
--> statement-breakpoint
ALTER TABLE `audit_context` ADD `may_move_interactions` integer DEFAULT false NOT NULL;
--> statement-breakpoint
-- AUTOINCREMENT: an id is never given twice, even after a change set that wrote nothing is
-- dropped again at its commit. undoes: the change set this one took back (crm undo).
CREATE TABLE `change_sets` (
  `id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
  `command` text NOT NULL,
  `actor` text NOT NULL,
  `created_at` text NOT NULL,
  `undoes` integer
);
--> statement-breakpoint
-- `crm undo` takes back the newest change set of whoever runs it.
CREATE INDEX `change_sets_actor_idx` ON `change_sets` (`actor`, `id`);
--> statement-breakpoint
CREATE INDEX `change_sets_undoes_idx` ON `change_sets` (`undoes`) WHERE `undoes` IS NOT NULL;
--> statement-breakpoint
-- `crm customer duplicates`: a phone without its separators (PHONE_DIGITS in
-- src/repositories/sqlite/duplicates.ts, the same expression), so that grouping phones reads
-- this index rather than the table.
CREATE INDEX `customers_phone_digits_idx` ON `customers` (replace(replace(replace(replace(replace(replace(`phone`, ' ', ''), '-', ''), '.', ''), '(', ''), ')', ''), '/', ''));
--> statement-breakpoint
-- The log stays append-only. The one change allowed is crm stamping, inside its own write
-- transaction, an entry that same transaction wrote (id above entries_after) with the
-- transaction's change set, every other column left as it was.
DROP TRIGGER IF EXISTS `audit_log_no_update`;
--> statement-breakpoint
CREATE TRIGGER `audit_log_no_update`
BEFORE UPDATE ON `audit_log`
WHEN NOT (
  OLD.`change_set` IS NULL
  AND NEW.`change_set` IS NOT NULL
  AND NEW.`change_set` IS (SELECT `change_set` FROM `audit_context`)
  AND OLD.`id` > coalesce((SELECT `entries_after` FROM `audit_context`), 9223372036854775807)
  AND NEW.`id` IS OLD.`id` AND NEW.`table_name` IS OLD.`table_name` AND NEW.`record_id` IS OLD.`record_id`
  AND NEW.`action` IS OLD.`action` AND NEW.`old_values` IS OLD.`old_values` AND NEW.`new_values` IS OLD.`new_values`
  AND NEW.`actor` IS OLD.`actor` AND NEW.`created_at` IS OLD.`created_at`
)
BEGIN
  SELECT RAISE(ABORT, 'audit_log is append-only: entries cannot be changed');
END;
--> statement-breakpoint
-- Interactions stay immutable: type, channel, note, dates and id never change. Their customer
-- changes in two cases only: the cascade of a customer's id change (0001: the old customer is
-- gone by then), and crm's merge of duplicates (or the undo of one), which sets
-- audit_context.may_move_interactions for the one statement that moves them
-- (src/repositories/sqlite/merge.ts). The row is emptied before commit, so the sqlite3 shell
-- never holds the permit, and every move is in the audit log as an update of customer_id.
DROP TRIGGER IF EXISTS `customer_interactions_immutable`;
--> statement-breakpoint
CREATE TRIGGER `customer_interactions_immutable`
BEFORE UPDATE ON `customer_interactions`
WHEN NEW.`id` IS NOT OLD.`id`
  OR NEW.`type` IS NOT OLD.`type`
  OR NEW.`channel` IS NOT OLD.`channel`
  OR NEW.`note` IS NOT OLD.`note`
  OR NEW.`follow_up_date` IS NOT OLD.`follow_up_date`
  OR NEW.`created_at` IS NOT OLD.`created_at`
  OR (NEW.`customer_id` IS NOT OLD.`customer_id`
      AND EXISTS (SELECT 1 FROM `customers` WHERE `id` = OLD.`customer_id`)
      AND coalesce((SELECT `may_move_interactions` FROM `audit_context`), 0) = 0)
BEGIN
  SELECT RAISE(ABORT, 'interactions are immutable: customer_interactions cannot be updated');
END;

-- Product names are refs (`crm product edit audit`), so two products with one name would make
-- that name useless. The service refused duplicates all along; this index makes the file
-- refuse them for every writer, case-insensitively as refs match (lower(), as
-- equalsIgnoringCase in src/repositories/sql-helpers.ts). Written here rather than in
-- schema.ts because drizzle-kit mangles expression indexes.
--
-- A file whose products already share a name (only a writer outside crm could do that) fails
-- this migration with the message below and is left as it was; nothing is renamed or deleted.
CREATE TEMP TABLE `products_duplicate_names` (`n` integer);
--> statement-breakpoint
CREATE TEMP TRIGGER `products_duplicate_names_refuse`
BEFORE INSERT ON `products_duplicate_names`
WHEN NEW.`n` > 0
BEGIN
  SELECT RAISE(ABORT, 'two or more products have the same name (ignoring case); rename them with the sqlite3 shell (see README, db) and run crm again');
END;
--> statement-breakpoint
INSERT INTO `products_duplicate_names`
SELECT count(*) FROM (SELECT 1 FROM `products` GROUP BY lower(`name`) HAVING count(*) > 1);
--> statement-breakpoint
DROP TABLE `products_duplicate_names`;
--> statement-breakpoint
CREATE UNIQUE INDEX `products_name_unique_idx` ON `products` (lower(`name`));

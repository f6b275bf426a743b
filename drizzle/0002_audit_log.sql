CREATE TABLE `audit_context` (
	`id` integer PRIMARY KEY NOT NULL,
	`actor` text NOT NULL,
	`at` text,
	`mode` text DEFAULT 'row' NOT NULL,
	`prune_before` text,
	CONSTRAINT "audit_context_single_row" CHECK("audit_context"."id" = 1),
	CONSTRAINT "audit_context_mode_valid" CHECK("audit_context"."mode" IN ('row', 'summary'))
);
--> statement-breakpoint
CREATE TABLE `audit_log` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`table_name` text NOT NULL,
	`record_id` text,
	`action` text NOT NULL,
	`old_values` text,
	`new_values` text,
	`actor` text DEFAULT '' NOT NULL,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL
);
--> statement-breakpoint
CREATE INDEX `audit_log_created_at_idx` ON `audit_log` (`created_at`);
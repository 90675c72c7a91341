CREATE TABLE `refresh_token_families` (
	`id` text PRIMARY KEY NOT NULL,
	`user_id` text NOT NULL,
	`revoked_at` text,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
-- Hand-added backfill: every existing token gets its family, revoked if any of its tokens was,
-- so the family check (which refuses tokens without a live family) keeps existing sessions.
INSERT INTO `refresh_token_families` (`id`, `user_id`, `revoked_at`, `created_at`)
SELECT `family_id`, min(`user_id`), max(`revoked_at`), min(`created_at`) FROM `refresh_tokens` GROUP BY `family_id`;

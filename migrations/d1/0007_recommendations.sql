CREATE TABLE `favourites` (
	`user_id` text NOT NULL,
	`property_id` text NOT NULL,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	PRIMARY KEY(`user_id`, `property_id`)
);
--> statement-breakpoint
CREATE INDEX `favourites_user` ON `favourites` (`user_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `interactions_kind` ON `interactions` (`kind`,`at`);
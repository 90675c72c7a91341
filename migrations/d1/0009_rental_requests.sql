CREATE TABLE `rental_requests` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`lat` real NOT NULL,
	`lng` real NOT NULL,
	`radius_km` real NOT NULL,
	`city` text,
	`budget_amount` integer NOT NULL,
	`currency` text NOT NULL,
	`rental_mode` text NOT NULL,
	`move_in` text NOT NULL,
	`move_out` text NOT NULL,
	`nights` integer,
	`months` integer,
	`units` integer NOT NULL,
	`note` text,
	`status` text NOT NULL,
	`expires_at` text NOT NULL,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	`updated_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL
);
--> statement-breakpoint
CREATE INDEX `rental_requests_tenant` ON `rental_requests` (`tenant_id`,`status`,`id`);--> statement-breakpoint
CREATE INDEX `rental_requests_pool` ON `rental_requests` (`status`,`currency`,`rental_mode`,`lat`);--> statement-breakpoint
CREATE INDEX `rental_requests_expiry` ON `rental_requests` (`status`,`expires_at`);--> statement-breakpoint
CREATE INDEX `listings_owner` ON `listings` (`owner_id`,`active`);
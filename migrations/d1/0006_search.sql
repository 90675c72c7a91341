CREATE TABLE `availability_bookings` (
	`booking_id` text PRIMARY KEY NOT NULL,
	`room_id` text NOT NULL,
	`start_date` text NOT NULL,
	`end_date` text NOT NULL,
	`units` integer NOT NULL,
	`live` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `interactions` (
	`id` text PRIMARY KEY NOT NULL,
	`user_id` text NOT NULL,
	`kind` text NOT NULL,
	`subject` text NOT NULL,
	`at` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `interactions_user` ON `interactions` (`user_id`,`at`);--> statement-breakpoint
CREATE TABLE `room_nights` (
	`room_id` text NOT NULL,
	`day` text NOT NULL,
	`units` integer NOT NULL,
	PRIMARY KEY(`room_id`, `day`)
);
--> statement-breakpoint
CREATE TABLE `search_variants` (
	`variant` text NOT NULL,
	`word` text NOT NULL,
	PRIMARY KEY(`variant`, `word`)
);
--> statement-breakpoint
ALTER TABLE `listings` ADD `type` text DEFAULT 'apartment' NOT NULL;--> statement-breakpoint
ALTER TABLE `listings` ADD `description` text DEFAULT '' NOT NULL;--> statement-breakpoint
ALTER TABLE `listings` ADD `listed_at` text DEFAULT '' NOT NULL;--> statement-breakpoint
ALTER TABLE `listings` ADD `photo_url` text;--> statement-breakpoint
ALTER TABLE `listings` ADD `search_title` text DEFAULT ' ' NOT NULL;--> statement-breakpoint
ALTER TABLE `listings` ADD `search_body` text DEFAULT ' ' NOT NULL;--> statement-breakpoint
CREATE INDEX `listings_geo` ON `listings` (`active`,`lat`,`lng`);--> statement-breakpoint
CREATE INDEX `listings_price` ON `listings` (`active`,`currency`,`price_amount`);--> statement-breakpoint
CREATE INDEX `listings_property` ON `listings` (`property_id`);--> statement-breakpoint
-- Full-text index of the listings (one row per room, keyed by room_id), written with the listing
-- by workers/data/search-index.ts from its folded text: not a drizzle table (drizzle has no virtual tables).
CREATE VIRTUAL TABLE `listing_fts` USING fts5(`room_id` UNINDEXED, `title`, `body`, tokenize = 'unicode61 remove_diacritics 2', prefix = '2 3 4');--> statement-breakpoint
INSERT INTO `listing_fts` (`room_id`, `title`, `body`) SELECT `room_id`, lower(`title` || ' ' || `room_name`), lower(`city` || ' ' || `amenities`) FROM `listings`;

CREATE TABLE `landlord_stat_events` (
	`event_id` text PRIMARY KEY NOT NULL,
	`at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL
);
--> statement-breakpoint
CREATE TABLE `landlord_stats` (
	`landlord_id` text PRIMARY KEY NOT NULL,
	`last_active_at` text,
	`offers_sent` integer DEFAULT 0 NOT NULL,
	`offers_accepted` integer DEFAULT 0 NOT NULL,
	`requests_answered` integer DEFAULT 0 NOT NULL,
	`response_ms_total` integer DEFAULT 0 NOT NULL
);
--> statement-breakpoint
CREATE TABLE `offers` (
	`id` text PRIMARY KEY NOT NULL,
	`request_id` text NOT NULL,
	`landlord_id` text NOT NULL,
	`tenant_id` text NOT NULL,
	`room_id` text NOT NULL,
	`property_id` text NOT NULL,
	`price_amount` integer NOT NULL,
	`currency` text NOT NULL,
	`start_date` text NOT NULL,
	`end_date` text NOT NULL,
	`message` text,
	`status` text NOT NULL,
	`expires_at` text NOT NULL,
	`booking_id` text,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	`updated_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `offers_live` ON `offers` (`request_id`,`landlord_id`) WHERE status = 'pending';--> statement-breakpoint
CREATE INDEX `offers_request` ON `offers` (`request_id`,`status`);--> statement-breakpoint
CREATE INDEX `offers_landlord` ON `offers` (`landlord_id`,`id`);--> statement-breakpoint
CREATE INDEX `offers_expiry` ON `offers` (`status`,`expires_at`);--> statement-breakpoint
CREATE TABLE `reviews` (
	`id` text PRIMARY KEY NOT NULL,
	`booking_id` text NOT NULL,
	`property_id` text NOT NULL,
	`author_id` text NOT NULL,
	`subject_id` text NOT NULL,
	`author_role` text NOT NULL,
	`rating` integer NOT NULL,
	`comment` text NOT NULL,
	`published_at` text,
	`window_ends_at` text NOT NULL,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `reviews_booking_author` ON `reviews` (`booking_id`,`author_id`);--> statement-breakpoint
CREATE INDEX `reviews_property` ON `reviews` (`property_id`,`author_role`,`created_at`);--> statement-breakpoint
CREATE INDEX `reviews_subject` ON `reviews` (`subject_id`,`author_role`);--> statement-breakpoint
ALTER TABLE `rental_requests` ADD `accepted_offer_id` text;
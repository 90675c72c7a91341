CREATE TABLE `bookings` (
	`id` text PRIMARY KEY NOT NULL,
	`room_id` text NOT NULL,
	`property_id` text NOT NULL,
	`tenant_id` text NOT NULL,
	`landlord_id` text NOT NULL,
	`start_date` text NOT NULL,
	`end_date` text NOT NULL,
	`units` integer NOT NULL,
	`status` text NOT NULL,
	`amount_due` integer NOT NULL,
	`currency` text NOT NULL,
	`refunded_amount` integer DEFAULT 0 NOT NULL,
	`payment_intent_id` text,
	`hold_expires_at` text NOT NULL,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	`updated_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL
);
--> statement-breakpoint
CREATE INDEX `bookings_tenant` ON `bookings` (`tenant_id`,`id`);--> statement-breakpoint
CREATE INDEX `bookings_landlord` ON `bookings` (`landlord_id`,`id`);--> statement-breakpoint
CREATE TABLE `idempotency_keys` (
	`scope` text NOT NULL,
	`key` text NOT NULL,
	`request_hash` text NOT NULL,
	`resource_id` text NOT NULL,
	`status` text NOT NULL,
	`response_status` integer,
	`response_body` text,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	`updated_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `idempotency_scope_key` ON `idempotency_keys` (`scope`,`key`);
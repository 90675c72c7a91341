ALTER TABLE `dead_letters` ADD `event_id` text;--> statement-breakpoint
ALTER TABLE `dead_letters` ADD `replayed_at` text;--> statement-breakpoint
UPDATE `dead_letters` SET `event_id` = json_extract(`body`, '$.id') WHERE json_valid(`body`);--> statement-breakpoint
CREATE INDEX `dead_letters_event` ON `dead_letters` (`event_id`);--> statement-breakpoint
CREATE INDEX `bookings_status_age` ON `bookings` (`status`,`created_at`,`id`);--> statement-breakpoint
CREATE INDEX `idempotency_age` ON `idempotency_keys` (`created_at`);--> statement-breakpoint
CREATE INDEX `processed_events_age` ON `processed_events` (`created_at`);--> statement-breakpoint
CREATE INDEX `refresh_tokens_expiry` ON `refresh_tokens` (`expires_at`);
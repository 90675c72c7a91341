ALTER TABLE `processed_events` ADD `status` text DEFAULT 'done' NOT NULL;--> statement-breakpoint
ALTER TABLE `processed_events` ADD `claimed_at` text;
ALTER TABLE `properties` ADD `hidden_at` text;--> statement-breakpoint
ALTER TABLE `properties` ADD `hidden_reason` text;--> statement-breakpoint
ALTER TABLE `properties` ADD `owner_suspended_at` text;--> statement-breakpoint
ALTER TABLE `users` ADD `suspended_at` text;--> statement-breakpoint
ALTER TABLE `users` ADD `suspended_reason` text;
ALTER TABLE `bookings` ADD `rent_amount` integer;--> statement-breakpoint
ALTER TABLE `bookings` ADD `deposit_amount` integer;
ALTER TABLE `listings` ADD `search_rowid` integer;--> statement-breakpoint
CREATE UNIQUE INDEX `listings_search_rowid` ON `listings` (`search_rowid`);--> statement-breakpoint
-- Each listing's full-text row is keyed by `search_rowid` (its rowid in listing_fts), so replacing one is a
-- lookup, not a scan of the UNINDEXED room_id column. Existing listings keep their order; new ones take the next
-- number at insert (whoever inserts: the listing consumer, the demo seed, the benchmarks). Never INSERT OR REPLACE
-- a listing: that deletes the row and gives it a new number, leaving its full-text row behind. A number freed by a
-- deleted listing (the highest) may come round again: the trigger deletes any full-text row left under it.
UPDATE `listings` SET `search_rowid` = `rowid`;--> statement-breakpoint
CREATE TRIGGER `listings_search_rowid` AFTER INSERT ON `listings` WHEN NEW.`search_rowid` IS NULL
BEGIN
  UPDATE `listings` SET `search_rowid` = (SELECT coalesce(max(`search_rowid`), 0) + 1 FROM `listings`) WHERE `room_id` = NEW.`room_id`;
  DELETE FROM `listing_fts` WHERE `rowid` = (SELECT `search_rowid` FROM `listings` WHERE `room_id` = NEW.`room_id`);
END;--> statement-breakpoint
DELETE FROM `listing_fts`;--> statement-breakpoint
INSERT INTO `listing_fts` (`rowid`, `room_id`, `title`, `body`) SELECT `search_rowid`, `room_id`, `search_title`, `search_body` FROM `listings`;

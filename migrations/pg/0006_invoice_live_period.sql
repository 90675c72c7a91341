DROP INDEX "invoices_lease_period";--> statement-breakpoint
CREATE UNIQUE INDEX "invoices_lease_period_live" ON "invoices" USING btree ("lease_id","period_start") WHERE "invoices"."voided_at" IS NULL;
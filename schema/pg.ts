import { bigserial, jsonb, pgTable, text, timestamp } from "drizzle-orm/pg-core";

/** Who did what to money and contracts; append-only. */
export const auditLog = pgTable("audit_log", {
  id: bigserial("id", { mode: "number" }).primaryKey(),
  actorId: text("actor_id"),
  action: text("action").notNull(),
  subject: text("subject").notNull(),
  detail: jsonb("detail").notNull().default({}),
  at: timestamp("at", { withTimezone: true }).notNull().defaultNow(),
});

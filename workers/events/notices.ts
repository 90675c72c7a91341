import type { EventOf } from "../../schema/events";
import type { D1Db } from "../data/d1";
import { log } from "../log";

type NoticeType =
  | "invoice.issued"
  | "invoice.reminder"
  | "invoice.late_fee"
  | "invoice.charge_failed"
  | "lease.ended"
  | "refund.failed";

/** Rent and refund notices are logged until the notifications issue delivers them to people. */
export async function logNotice(event: EventOf<NoticeType>, _env: Env, _db: D1Db): Promise<void> {
  log("info", "notice", { type: event.type, ...event.data });
}

import type { EventOf } from "../../schema/events";
import type { D1Db } from "../data/d1";
import { findDelivery, suppressAddress, updateDelivery } from "../data/notifications";
import { emailOf } from "../domain/email";
import { log } from "../log";

/** Attempts before an address that keeps failing for passing reasons is given up on (the queue's max_retries + 1). */
export const MAX_EMAIL_ATTEMPTS = 6;

/**
 * Errors of the send_email binding that no retry can fix: the address is refused or malformed,
 * or the sender is not allowed. The address is marked and skipped from then on.
 */
const PERMANENT =
  /not allowed|invalid|malformed|suppress|does not exist|unknown recipient|rejected|E_RECIPIENT|E_VALIDATION/i;

/**
 * Sends one notification email through the `EMAIL` binding and records the outcome. A passing
 * failure throws, so the queue retries it with backoff; a permanent one marks the address and stops.
 */
export async function sendEmail(event: EventOf<"email.requested">, env: Env, db: D1Db): Promise<void> {
  const delivery = await findDelivery(db, event.data.deliveryId);
  if (!delivery || delivery.status !== "queued") return;
  if (delivery.suppressed)
    return updateDelivery(db, delivery.id, { status: "skipped", lastError: "address suppressed" });
  const attempts = delivery.attempts + 1;
  const mail = emailOf({ subject: delivery.subject, body: delivery.body, appUrl: env.APP_URL });
  try {
    const sent = await env.EMAIL.send({ from: env.EMAIL_FROM, to: delivery.toAddress, ...mail });
    await updateDelivery(db, delivery.id, { status: "sent", attempts, messageId: sent.messageId, lastError: null });
  } catch (err) {
    const reason = String(err instanceof Error ? err.message : err).slice(0, 500);
    const permanent = PERMANENT.test(reason);
    const failed = permanent || attempts >= MAX_EMAIL_ATTEMPTS;
    await updateDelivery(db, delivery.id, { status: failed ? "failed" : "queued", attempts, lastError: reason });
    if (permanent) await suppressAddress(db, delivery.toAddress, reason);
    log(failed ? "warn" : "info", "email not sent", { deliveryId: delivery.id, attempts, permanent, reason });
    if (!failed) throw err;
  }
}

import { d1, type D1Db } from "../data/d1";
import { insertDeadLetter } from "../data/dead-letters";
import { log } from "../log";

/** Records every message of the dead-letter queue so the engineer on call can inspect and replay it. */
export async function consumeDeadLetters(batch: MessageBatch<unknown>, env: Env): Promise<void> {
  const db = d1(env);
  for (const msg of batch.messages) {
    await recordDeadLetter(db, batch.queue, msg, "retries exhausted");
    msg.ack();
  }
}

/** Logs a message no handler could take and keeps it (once per message id) with why it was given up. */
export async function recordDeadLetter(db: D1Db, queue: string, msg: Message<unknown>, reason: string): Promise<void> {
  const body = msg.body as { type?: unknown } | null;
  const eventType = typeof body?.type === "string" ? body.type : null;
  log("error", "dead letter", { queue, messageId: msg.id, eventType, attempts: msg.attempts, reason });
  await insertDeadLetter(db, { messageId: msg.id, queue, eventType, body: JSON.stringify(msg.body) ?? "null", attempts: msg.attempts });
}

import { deadLetters } from "../../schema/d1";
import { d1, type D1Db } from "../data/db";
import { log } from "../http/log";

/** Records every message of the dead-letter queue so the engineer on call can inspect and replay it. */
export async function consumeDeadLetters(batch: MessageBatch<unknown>, env: Env): Promise<void> {
  const db = d1(env);
  for (const msg of batch.messages) {
    await recordDeadLetter(db, batch.queue, msg, "retries exhausted");
    msg.ack();
  }
}

export async function recordDeadLetter(db: D1Db, queue: string, msg: Message<unknown>, reason: string): Promise<void> {
  const body = msg.body as { type?: unknown } | null;
  const eventType = typeof body?.type === "string" ? body.type : null;
  log("error", "dead letter", { queue, messageId: msg.id, eventType, attempts: msg.attempts, reason });
  await db.insert(deadLetters).values({
    messageId: msg.id, queue, eventType, body: JSON.stringify(msg.body) ?? "null", attempts: msg.attempts,
  }).onConflictDoNothing();
}

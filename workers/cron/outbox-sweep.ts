import { d1 } from "../data/d1";
import { findUnsent } from "../data/outbox";
import { publish } from "../outbox";

/** Events are sent right after their write; this resends any whose send failed (older than a minute). */
export async function sweepOutbox(env: Env): Promise<number> {
  const db = d1(env);
  const events = await findUnsent(db, 60_000);
  await publish(env, db, events);
  return events.length;
}

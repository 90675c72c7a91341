import { purgeAccountTokens } from "../data/account-tokens";
import { d1 } from "../data/d1";
import { purgeIdempotencyKeys } from "../data/idempotency";
import { purgeStatEvents } from "../data/landlord-stats";
import { purgeSentOutbox } from "../data/outbox";
import { purgeProcessedEvents } from "../data/processed-events";
import { purgeExpiredRefreshTokens } from "../data/refresh-tokens";
import { purgeExpiredTickets } from "../data/socket-tickets";

const DAY_MS = 24 * 3_600_000;

/**
 * How long each kind of bookkeeping row is kept, and why it may go then:
 * - processed event ids, 30 days: a queue keeps a message at most 14 days and Stripe retries a
 *   webhook for 3, so no delivery of an older event can still arrive to be deduplicated (the same
 *   for the offer events counted into landlord performance);
 * - refresh tokens, until they expire (30 days after issue): an expired token is refused whatever
 *   its state, so spent and revoked ones need not be remembered past it; families go with their last token;
 * - sent outbox rows, 7 days: the sweep only looks at unsent ones; a week is left for an engineer to look;
 * - HTTP idempotency keys, 24 hours, Stripe's rule: an older key is a new request anyway;
 * - WebSocket tickets, once expired (60 s after issue): used or not, they open nothing any more;
 * - emailed account tokens (verify, reset, email change), once expired, for the same reason.
 */
export const RETENTION = {
  processedEventsMs: 30 * DAY_MS,
  sentOutboxMs: 7 * DAY_MS,
  idempotencyKeysMs: DAY_MS,
} as const;

/** Rows deleted per statement, and statements per table per run: at most 10,000 rows a table every five minutes. */
const CHUNK = 1000;
const CHUNKS_PER_RUN = 10;

export type RetentionResult = Record<
  | "processedEvents"
  | "refreshTokens"
  | "sentOutbox"
  | "idempotencyKeys"
  | "socketTickets"
  | "landlordStatEvents"
  | "accountTokens",
  number
>;

/**
 * Deletes what has outlived its use, bounded per run so a large backlog is worked off over a few
 * runs without holding D1's single writer for long. The clock is the trigger's scheduled time.
 */
export async function purgeExpired(env: Env, now: Date): Promise<RetentionResult> {
  const db = d1(env);
  const before = (ms: number) => new Date(now.getTime() - ms).toISOString();
  return {
    processedEvents: await inChunks((limit) => purgeProcessedEvents(db, before(RETENTION.processedEventsMs), limit)),
    refreshTokens: await inChunks((limit) => purgeExpiredRefreshTokens(db, now.toISOString(), limit)),
    sentOutbox: await inChunks((limit) => purgeSentOutbox(db, before(RETENTION.sentOutboxMs), limit)),
    idempotencyKeys: await inChunks((limit) => purgeIdempotencyKeys(db, before(RETENTION.idempotencyKeysMs), limit)),
    socketTickets: await inChunks((limit) => purgeExpiredTickets(db, now.toISOString(), limit)),
    landlordStatEvents: await inChunks((limit) => purgeStatEvents(db, before(RETENTION.processedEventsMs), limit)),
    accountTokens: await inChunks((limit) => purgeAccountTokens(db, now.toISOString(), limit)),
  };
}

async function inChunks(purge: (limit: number) => Promise<number>): Promise<number> {
  let total = 0;
  for (let i = 0; i < CHUNKS_PER_RUN; i++) {
    const deleted = await purge(CHUNK);
    total += deleted;
    if (deleted < CHUNK) break;
  }
  return total;
}

/**
 * Outbox sweep benchmark: a backlog of unsent events (as a queue outage leaves it) is written
 * into the bench worker's local D1, then the five-minute cron is run (`/__scheduled`, as
 * Cloudflare runs it) until nothing is left unsent. Reports the runs needed, each run's wall time,
 * events per second and the drain time at the cron's five-minute cadence. The local queue's
 * consumer receives every event meanwhile and shares the worker's one workerd, as it would share
 * D1 in production.
 */
import { writeFileSync } from "node:fs";
import { DatabaseSync } from "node:sqlite";
import { join } from "node:path";
import type { DomainEvent } from "../schema/events";
import { newId } from "../workers/domain/ids";
import type { Platform } from "./platform";
import { d1Execute, localD1File } from "./local-d1";
import { round, table } from "./stats";

export interface OutboxOptions {
  events: number;
}

export interface OutboxResult {
  events: number;
  runs: { ms: number; unsentAfter: number }[];
  sweepMs: number;
  eventsPerSecond: number;
  /** From the first run to an empty outbox, runs five minutes apart: (runs − 1) × 5 min + the last run. */
  drainMsAtCadence: number;
  withinTenMinutes: boolean;
}

const CRON = "*/5 * * * *";
const CADENCE_MS = 5 * 60_000;
/** Rows per INSERT statement of the backlog file (a D1 statement is at most 100 KB). */
const ROWS_PER_INSERT = 100;
/** More runs than this means the sweep is not draining at all. */
const MAX_RUNS = 40;

export async function runOutboxBench(
  platform: Platform,
  o: OutboxOptions,
  say: (line: string) => void,
): Promise<OutboxResult> {
  const file = join(platform.dir, "outbox-backlog.sql");
  writeFileSync(file, backlogSql(o.events));
  await d1Execute(platform, ["--file", file]);
  say(`  ${o.events} unsent events written to the outbox, created 5 minutes ago`);
  // Counted on the D1 file itself, read-only: a second workerd (wrangler d1 execute) beside the
  // running worker's would meet its write transactions with SQLITE_BUSY.
  const db = new DatabaseSync(localD1File(platform), { readOnly: true });
  const unsent = async () =>
    Number((db.prepare("select count(*) as n from outbox where sent_at is null").get() as { n: number }).n);
  const runs: OutboxResult["runs"] = [];
  for (let left = await unsent(); left > 0 && runs.length < MAX_RUNS;) {
    const started = performance.now();
    const res = await fetch(`${platform.api}/__scheduled?cron=${encodeURIComponent(CRON)}`);
    if (!res.ok) throw new Error(`/__scheduled answered ${res.status}: ${await res.text()}`);
    const ms = performance.now() - started;
    left = await unsent();
    runs.push({ ms: round(ms, 0), unsentAfter: left });
    say(`  run ${runs.length}: ${(ms / 1000).toFixed(1)} s, ${left} left unsent`);
  }
  db.close();
  const sweepMs = runs.reduce((sum, r) => sum + r.ms, 0);
  const drainMsAtCadence = (runs.length - 1) * CADENCE_MS + (runs.at(-1)?.ms ?? 0);
  return {
    events: o.events,
    runs,
    sweepMs,
    eventsPerSecond: round(o.events / (sweepMs / 1000), 0),
    drainMsAtCadence,
    withinTenMinutes: runs.at(-1)?.unsentAfter === 0 && drainMsAtCadence <= 2 * CADENCE_MS,
  };
}

/** `n` listing events (for properties that do not exist, so the consumer's work is the claim and a lookup). */
function backlogSql(n: number): string {
  const createdAt = new Date(Date.now() - 5 * 60_000).toISOString();
  const statements: string[] = [];
  for (let i = 0; i < n; i += ROWS_PER_INSERT) {
    const rows = [];
    for (let j = i; j < Math.min(n, i + ROWS_PER_INSERT); j++) {
      const event: DomainEvent = {
        id: newId("evt"),
        type: "listing.changed",
        occurredAt: createdAt,
        data: { propertyId: `prop_outboxbench${j}`, reason: "updated" },
      };
      rows.push(`('${event.id}', '${event.type}', '${JSON.stringify(event)}', '${createdAt}')`);
    }
    statements.push(`insert into outbox (id, type, payload, created_at) values ${rows.join(", ")};`);
  }
  return statements.join("\n");
}

export function outboxTable(r: OutboxResult): string {
  return table(
    ["events", "cron runs", "sweep wall s", "events/s", "drain at 5-min cadence", "≤ 10 min"],
    [
      [
        r.events,
        r.runs.length,
        (r.sweepMs / 1000).toFixed(1),
        r.eventsPerSecond,
        `${(r.drainMsAtCadence / 60_000).toFixed(1)} min`,
        r.withinTenMinutes ? "yes" : "NO",
      ],
    ],
  );
}

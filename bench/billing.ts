/**
 * Billing benchmark: N active leases written straight into Postgres (with their ledger accounts),
 * each with exactly one period due at the run's scheduled time, then the hourly cron triggered on
 * the bench's worker twice. The first run must invoice every lease once; the second must create
 * nothing. Afterwards every ledger transaction must balance.
 */
import type pg from "pg";
import { accountId, type AccountKind } from "../workers/domain/ledger";
import { addDays, todayIn } from "../workers/domain/dates";
import { withClient } from "./baseline";
import { httpClient } from "./http";
import type { Platform } from "./platform";
import { cpuMeter, settle } from "./cpu";
import { round, table } from "./stats";
import { sleep } from "./processes";

export interface BillingOptions {
  leases: number;
  /** Lease start (= first due date) this many days after the run's local today; see README for why 5. */
  startInDays: number;
  insertBatch: number;
}

export interface BillingRun {
  label: string;
  wallMs: number;
  outcome: string;
  runId: number;
  invoicesCreated: number;
  remindersSent: number;
  feesApplied: number;
  chargesAttempted: number;
  dbRunMs: number | null;
  invoicesPerSecond: number | null;
  /** CPU of workerd + Postgres (and the rest of the bench's children) during the run. */
  serverCpuMs: number | null;
  serverCpuByProcess: Record<string, number> | null;
  machineBusyPct: number;
}
export interface LedgerCheck {
  transactions: number;
  entries: number;
  unbalancedTransactions: number;
  transactionsWithoutEntries: number;
  invoicePostings: number;
}

const TIMEZONE = "Europe/Lisbon";
const CURRENCY = "EUR";
const LEASE_ACCOUNTS: AccountKind[] = ["tenant_receivable", "landlord_payable", "deposits_held"];
const CRON = "0 * * * *";

/** Inserts the leases, runs billing twice through the cron endpoint and checks the ledger. */
export async function runBillingBench(platform: Platform, o: BillingOptions, say: (line: string) => void) {
  const scheduledFor = Date.now();
  const startDate = addDays(todayIn(TIMEZONE, new Date(scheduledFor)), o.startInDays);
  const insertStarted = performance.now();
  await insertLeases(platform.pgUrl, o, startDate);
  const insertMs = round(performance.now() - insertStarted, 0);
  say(
    `  inserted ${o.leases} leases starting ${startDate} (+ ${o.leases * LEASE_ACCOUNTS.length} ledger accounts) in ${(insertMs / 1000).toFixed(1)}s`,
  );
  const settleMsBefore = await settle();
  const first = await triggerBilling(platform, "first run", scheduledFor);
  say(`  first run: ${first.invoicesCreated} invoices in ${(first.wallMs / 1000).toFixed(1)}s`);
  const second = await triggerBilling(platform, "second run (same hour)", Date.now());
  say(`  second run: ${second.invoicesCreated} invoices in ${(second.wallMs / 1000).toFixed(1)}s`);
  // Every period due was invoiced by the first run: anything the second creates is a duplicate.
  if (second.invoicesCreated > 0)
    throw new Error(
      `second run created ${second.invoicesCreated} invoices; a run repeated for the same hour must create none`,
    );
  const runs = [first, second];
  if (first.remindersSent + first.feesApplied + first.chargesAttempted > 0) {
    // The first run queued events; the second competed with their consumers. A third run after they drained shows the run alone.
    const drainMs = await settle(600_000);
    const third = await triggerBilling(
      platform,
      `third run (after ${(drainMs / 1000).toFixed(0)}s of queue drain)`,
      Date.now(),
    );
    say(`  third run: ${third.invoicesCreated} invoices in ${(third.wallMs / 1000).toFixed(1)}s`);
    runs.push(third);
  }
  const { invoices, leasesNotInvoicedOnce } = await invoiceCounts(platform.pgUrl);
  const ledger = await ledgerCheck(platform.pgUrl);
  return {
    leases: o.leases,
    startDate,
    timezone: TIMEZONE,
    insertMs,
    settleMsBefore,
    runs,
    invoicesInDb: invoices,
    leasesNotInvoicedOnce,
    ledger,
  };
}

// ---------------------------------------------------------------------------------------------
// Data

async function insertLeases(pgUrl: string, o: BillingOptions, startDate: string): Promise<void> {
  const billingDay = Number(startDate.slice(8, 10));
  await withClient(pgUrl, async (client) => {
    for (let from = 0; from < o.leases; from += o.insertBatch) {
      const ids = Array.from({ length: Math.min(o.insertBatch, o.leases - from) }, (_, i) => leaseId(from + i));
      await client.query("BEGIN");
      await insertLeaseBatch(client, ids, startDate, billingDay);
      await insertAccountBatch(client, ids);
      await client.query("COMMIT");
    }
    await client.query("ANALYZE leases; ANALYZE ledger_accounts");
  });
}

/** Ids shaped like newId("lse"): prefix, base-36 time, then a counter instead of randomness (unique by construction). */
function leaseId(i: number): string {
  return `lse_${Date.now().toString(36).padStart(9, "0")}${i.toString(36).padStart(8, "0")}`;
}

async function insertLeaseBatch(
  client: pg.Client,
  ids: string[],
  startDate: string,
  billingDay: number,
): Promise<void> {
  const rents = ids.map((_, i) => 50_000 + ((i * 7919) % 100) * 1_000);
  await client.query(
    `
    INSERT INTO leases (id, booking_id, tenant_id, landlord_id, room_id, property_id, start_date, end_date, rent_amount, deposit_amount,
      currency, billing_day, timezone, late_fee_rule, partial_policy)
    SELECT l.id, 'bkg_' || substr(l.id, 5), 'usr_t' || substr(l.id, 5), 'usr_l' || lpad((l.n % 1000)::text, 16, '0'),
      'room_' || substr(l.id, 5), 'prop_' || lpad((l.n % 1000)::text, 16, '0'), $3::date, NULL, l.rent, 0,
      $4, $5, $6, $7::jsonb, 'allow_any'
    FROM unnest($1::text[], $2::bigint[]) WITH ORDINALITY AS l(id, rent, n)`,
    [
      ids,
      rents,
      startDate,
      CURRENCY,
      billingDay,
      TIMEZONE,
      JSON.stringify({ graceDays: 5, kind: "percent", percentBps: 500 }),
    ],
  );
}

/** The accounts openLeaseAccounts would open: three per lease, plus the platform's two for the currency. */
async function insertAccountBatch(client: pg.Client, leaseIds: string[]): Promise<void> {
  const rows = leaseIds.flatMap((leaseId) =>
    LEASE_ACCOUNTS.map((kind) => ({ id: accountId(kind, { leaseId, currency: CURRENCY }), kind, leaseId })),
  );
  for (const kind of ["platform_fees", "cash_at_stripe"] as const)
    rows.push({ id: accountId(kind, { currency: CURRENCY }), kind, leaseId: null as unknown as string });
  await client.query(
    `
    INSERT INTO ledger_accounts (id, kind, lease_id, currency)
    SELECT * , $4 FROM unnest($1::text[], $2::text[], $3::text[]) ON CONFLICT DO NOTHING`,
    [rows.map((r) => r.id), rows.map((r) => r.kind), rows.map((r) => r.leaseId), CURRENCY],
  );
}

// ---------------------------------------------------------------------------------------------
// Runs

/** GET /__scheduled (wrangler dev --test-scheduled) answers when the handler has finished; timed from the client. */
async function triggerBilling(platform: Platform, label: string, scheduledFor: number): Promise<BillingRun> {
  const client = httpClient(1);
  const meter = cpuMeter();
  const started = performance.now();
  const res = await client.send(
    "GET",
    `${platform.api}/__scheduled?cron=${encodeURIComponent(CRON).replaceAll("%20", "+")}&time=${scheduledFor}`,
    { timeoutMs: 60 * 60_000 },
  );
  let wallMs = performance.now() - started;
  client.close();
  if (res.status !== 200)
    throw new Error(
      `${label}: /__scheduled answered ${res.status} ${res.error ?? res.body.slice(0, 300)}\n${platform.wrangler.output.tail()}`,
    );
  const row = await latestRun(platform.pgUrl, label);
  if (row.finishedMs === null) wallMs = await waitForFinish(platform.pgUrl, row.id, started);
  const cpu = meter();
  const done = await runRow(platform.pgUrl, row.id);
  const dbRunMs = done.finishedMs === null ? null : round(done.finishedMs - done.startedMs, 0);
  return {
    label,
    wallMs: round(wallMs, 0),
    outcome: res.body.trim().slice(0, 100),
    runId: done.id,
    invoicesCreated: done.invoicesCreated,
    remindersSent: done.remindersSent,
    feesApplied: done.feesApplied,
    chargesAttempted: done.chargesAttempted,
    dbRunMs,
    invoicesPerSecond: done.invoicesCreated > 0 ? round(done.invoicesCreated / (wallMs / 1000), 0) : null,
    serverCpuMs: cpu.serverCpuMs === null ? null : round(cpu.serverCpuMs, 0),
    machineBusyPct: round(cpu.machineBusyPct, 1),
    serverCpuByProcess:
      cpu.serverCpuByProcess &&
      Object.fromEntries(
        Object.entries(cpu.serverCpuByProcess)
          .filter(([, ms]) => ms > 0)
          .map(([k, ms]) => [k, round(ms, 0)]),
      ),
  };
}

interface RunRow {
  id: number;
  startedMs: number;
  finishedMs: number | null;
  invoicesCreated: number;
  remindersSent: number;
  feesApplied: number;
  chargesAttempted: number;
}

async function runRow(pgUrl: string, id: number | null): Promise<RunRow> {
  return withClient(pgUrl, async (client) => {
    const res = await client.query<{
      id: string;
      s: string;
      f: string | null;
      i: number;
      r: number;
      fe: number;
      c: number;
    }>(
      `
      SELECT id, extract(epoch FROM started_at) * 1000 AS s, extract(epoch FROM finished_at) * 1000 AS f, invoices_created AS i,
        reminders_sent AS r, fees_applied AS fe, charges_attempted AS c
      FROM billing_runs ${id === null ? "" : "WHERE id = $1"} ORDER BY id DESC LIMIT 1`,
      id === null ? [] : [id],
    );
    const r = res.rows[0];
    if (!r) throw new Error("no billing_runs row: the cron did not run billing");
    return {
      id: Number(r.id),
      startedMs: Number(r.s),
      finishedMs: r.f === null ? null : Number(r.f),
      invoicesCreated: r.i,
      remindersSent: r.r,
      feesApplied: r.fe,
      chargesAttempted: r.c,
    };
  });
}

async function latestRun(pgUrl: string, label: string): Promise<RunRow> {
  return runRow(pgUrl, null).catch((err: unknown) => {
    throw new Error(`${label}: ${String(err)}`);
  });
}

/** Only if /__scheduled ever answers before the handler ends: wait for billing_runs.finished_at instead. */
async function waitForFinish(pgUrl: string, id: number, started: number): Promise<number> {
  for (;;) {
    const row = await runRow(pgUrl, id);
    if (row.finishedMs !== null) return performance.now() - started;
    await sleep(250);
  }
}

// ---------------------------------------------------------------------------------------------
// Checks

async function invoiceCounts(pgUrl: string): Promise<{ invoices: number; leasesNotInvoicedOnce: number }> {
  return withClient(pgUrl, async (client) => {
    const res = await client.query<{ invoices: string; off: string }>(`
      SELECT (SELECT count(*) FROM invoices) AS invoices,
        (SELECT count(*) FROM leases l WHERE (SELECT count(*) FROM invoices i WHERE i.lease_id = l.id) <> 1) AS off`);
    return { invoices: Number(res.rows[0]!.invoices), leasesNotInvoicedOnce: Number(res.rows[0]!.off) };
  });
}

/** Every transaction's entries must sum to zero per currency, and none may be empty. */
async function ledgerCheck(pgUrl: string): Promise<LedgerCheck> {
  return withClient(pgUrl, async (client) => {
    const res = await client.query<Record<keyof LedgerCheck, string>>(`
      SELECT (SELECT count(*) FROM ledger_transactions) AS "transactions",
        (SELECT count(*) FROM ledger_entries) AS "entries",
        (SELECT count(*) FROM (SELECT 1 FROM ledger_entries GROUP BY transaction_id, currency HAVING sum(amount) <> 0) u) AS "unbalancedTransactions",
        (SELECT count(*) FROM ledger_transactions t WHERE NOT EXISTS (SELECT 1 FROM ledger_entries e WHERE e.transaction_id = t.id)) AS "transactionsWithoutEntries",
        (SELECT count(*) FROM ledger_transactions WHERE kind = 'invoice') AS "invoicePostings"`);
    const r = res.rows[0]!;
    return {
      transactions: Number(r.transactions),
      entries: Number(r.entries),
      unbalancedTransactions: Number(r.unbalancedTransactions),
      transactionsWithoutEntries: Number(r.transactionsWithoutEntries),
      invoicePostings: Number(r.invoicePostings),
    };
  });
}

// ---------------------------------------------------------------------------------------------
// Report

/** The billing table: one row per run, then the ledger check. */
export function billingTables(result: Awaited<ReturnType<typeof runBillingBench>>): string {
  const runs = table(
    [
      "run",
      "leases",
      "wall s",
      "db run s",
      "invoices created",
      "invoices/s",
      "reminders",
      "late fees",
      "charges",
      "server CPU s",
    ],
    result.runs.map((r) => [
      r.label,
      result.leases,
      (r.wallMs / 1000).toFixed(2),
      r.dbRunMs === null ? null : (r.dbRunMs / 1000).toFixed(2),
      r.invoicesCreated,
      r.invoicesPerSecond,
      r.remindersSent,
      r.feesApplied,
      r.chargesAttempted,
      r.serverCpuMs === null ? null : (r.serverCpuMs / 1000).toFixed(1),
    ]),
  );
  const l = result.ledger;
  const checks = table(
    ["check", "value"],
    [
      ["invoices in database", result.invoicesInDb],
      ["leases without exactly one invoice", result.leasesNotInvoicedOnce],
      ["ledger transactions / entries", `${l.transactions} / ${l.entries}`],
      ["invoice postings", l.invoicePostings],
      ["unbalanced transactions", l.unbalancedTransactions],
      ["transactions without entries", l.transactionsWithoutEntries],
      ["lease insert (setup, not timed in runs)", `${(result.insertMs / 1000).toFixed(1)}s`],
    ],
  );
  return `${runs}\n\n${checks}`;
}

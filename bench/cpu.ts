/**
 * CPU accounting from /proc (Linux): how much CPU the bench's own child processes (workerd,
 * wrangler, Postgres, the Stripe fakes, the fair peer, the baseline) used, how much the load generator used, and
 * how much went to anything else on the machine, which would distort the figures.
 * Elsewhere the per-process figures are null and only the machine-wide total is measured.
 */
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { cpus } from "node:os";
import { sleep } from "./processes";

const HAS_PROC = existsSync("/proc/self/stat");
const TICK_MS = 1000 / clockTicks();

function clockTicks(): number {
  try {
    return Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
  } catch {
    return 100;
  }
}

interface ProcInfo {
  ppid: number;
  cpuMs: number;
  kind: string;
}

/** ppid, CPU ms (own plus reaped children's, so short-lived Postgres backends count) and kind of every live process. */
function processTable(): Map<number, ProcInfo> {
  const table = new Map<number, ProcInfo>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const fields = stat
        .slice(stat.lastIndexOf(")") + 2)
        .split(" ")
        .map(Number);
      const cpuMs = (fields[11]! + fields[12]! + fields[13]! + fields[14]!) * TICK_MS;
      table.set(Number(entry), {
        ppid: fields[1]!,
        cpuMs,
        kind: stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")")),
      });
    } catch {
      // exited meanwhile
    }
  }
  return table;
}

/** What a bench child is, for the CPU breakdown. */
function kindOf(pid: number, comm: string): string {
  if (comm === "workerd" || comm.startsWith("postgres")) return comm.startsWith("postgres") ? "postgres" : "workerd";
  let cmdline = "";
  try {
    cmdline = readFileSync(`/proc/${pid}/cmdline`, "utf8");
  } catch {
    // exited meanwhile
  }
  if (cmdline.includes("wrangler")) return "wrangler (node)";
  if (cmdline.includes("stripe-fake"))
    return cmdline.includes("--for=fair-peer") ? "stripe fake for fair peer (node)" : "stripe fake (node)";
  if (cmdline.includes("pg-fair-peer")) return "fair peer (node)";
  if (cmdline.includes("pg-baseline")) return "baseline (node)";
  if (cmdline.includes("chat-peer")) return "chat peer (node)";
  if (cmdline.includes("postgres")) return "postgres";
  return comm;
}

/** CPU ms and kind of each live descendant of this process (not this process itself), by pid. */
function descendantsCpu(): Map<number, { cpuMs: number; kind: string }> {
  const table = processTable();
  const children = new Map<number, number[]>();
  for (const [pid, p] of table) children.set(p.ppid, [...(children.get(p.ppid) ?? []), pid]);
  const out = new Map<number, { cpuMs: number; kind: string }>();
  const stack = [...(children.get(process.pid) ?? [])];
  while (stack.length > 0) {
    const pid = stack.pop()!;
    const p = table.get(pid)!;
    out.set(pid, { cpuMs: p.cpuMs, kind: kindOf(pid, p.kind) });
    stack.push(...(children.get(pid) ?? []));
  }
  return out;
}

/** CPU ms used between two snapshots by processes alive in the second, by kind (a process that started meanwhile counts in full). */
function usedBetween(
  before: Map<number, { cpuMs: number }>,
  after: Map<number, { cpuMs: number; kind: string }>,
): Record<string, number> {
  const byKind: Record<string, number> = {};
  for (const [pid, p] of after)
    byKind[p.kind] = (byKind[p.kind] ?? 0) + Math.max(0, p.cpuMs - (before.get(pid)?.cpuMs ?? 0));
  return byKind;
}

function machineCpuMs(): number {
  return cpus().reduce((sum, c) => sum + c.times.user + c.times.nice + c.times.sys + c.times.irq, 0);
}

function selfCpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

export interface CpuUsage {
  wallMs: number;
  /** CPU of the bench's child processes (the system under test), in total and by process kind. */
  serverCpuMs: number | null;
  serverCpuByProcess: Record<string, number> | null;
  /** CPU of the load generator itself. */
  clientCpuMs: number;
  /** Everything else on the machine (other users' work distorts the figures). */
  otherCpuMs: number | null;
  machineBusyPct: number;
}

/** Starts measuring; call the returned function to get the usage since. */
export function cpuMeter(): () => CpuUsage {
  const started = {
    wall: performance.now(),
    server: HAS_PROC ? descendantsCpu() : null,
    self: selfCpuMs(),
    machine: machineCpuMs(),
  };
  return () => {
    const wallMs = performance.now() - started.wall;
    const byKind = started.server ? usedBetween(started.server, descendantsCpu()) : null;
    const serverCpuMs = byKind ? Object.values(byKind).reduce((a, b) => a + b, 0) : null;
    const clientCpuMs = selfCpuMs() - started.self;
    const machine = machineCpuMs() - started.machine;
    const otherCpuMs = serverCpuMs === null ? null : Math.max(0, machine - serverCpuMs - clientCpuMs);
    return {
      wallMs,
      serverCpuMs,
      serverCpuByProcess: byKind,
      clientCpuMs,
      otherCpuMs,
      machineBusyPct: (100 * machine) / (wallMs * cpus().length),
    };
  };
}

/**
 * Waits until the bench's child processes are idle (under 5% of a core for two 1 s samples in a
 * row), or `maxMs`; returns the ms waited. Roomline keeps working after its responses (Stripe
 * webhooks, queue consumers) and that tail must not be billed to the next measurement.
 * Without /proc it waits for the whole machine to be under 15% busy instead.
 */
export async function settle(maxMs = 90_000): Promise<number> {
  const started = Date.now();
  let quiet = 0;
  while (Date.now() - started < maxMs && quiet < 2) {
    const meter = cpuMeter();
    await sleep(1000);
    const u = meter();
    const idle = u.serverCpuMs !== null ? u.serverCpuMs < 0.05 * u.wallMs : u.machineBusyPct < 15;
    quiet = idle ? quiet + 1 : 0;
  }
  return Date.now() - started;
}

/**
 * `wrangler dev` answers on a proxy: a second workerd process in front of the one running the
 * worker, which restarts it on reload and has no counterpart in production. The bench finds the
 * worker's own workerd (a child of wrangler whose entry socket is on an ephemeral port) and sends
 * its load there, so neither system pays for a local-only hop. Linux only (/proc); elsewhere the
 * proxy's URL stays in use.
 */
import { existsSync, readdirSync, readFileSync, readlinkSync } from "node:fs";

/** The URL of the worker's own workerd under `wranglerPid`, or null when it cannot be found. */
export async function directWorkerUrl(wranglerPid: number | undefined): Promise<string | null> {
  if (!wranglerPid || !existsSync("/proc/net/tcp")) return null;
  for (const pid of descendants(wranglerPid)) {
    const cmd = readFileSync(`/proc/${pid}/cmdline`, "utf8");
    if (!cmd.includes("workerd") || !cmd.includes("entry=127.0.0.1:0")) continue;
    for (const port of listeningPorts(pid)) {
      const url = `http://127.0.0.1:${port}`;
      const health = await fetch(`${url}/health`)
        .then((r) => r.text())
        .catch(() => "");
      if (health.includes('"checks"')) return url;
    }
  }
  return null;
}

/** Every process below `pid`, from each process's parent in /proc/<pid>/stat. */
function descendants(pid: number): number[] {
  const parentOf = new Map<number, number>();
  for (const entry of readdirSync("/proc").filter((e) => /^\d+$/.test(e))) {
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      parentOf.set(Number(entry), Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]));
    } catch {
      // the process exited while we looked
    }
  }
  const below = (p: number): number[] =>
    [...parentOf].filter(([, parent]) => parent === p).flatMap(([child]) => [child, ...below(child)]);
  return below(pid);
}

/** Listening IPv4 TCP ports of a process: its socket inodes matched against /proc/net/tcp. */
function listeningPorts(pid: number): number[] {
  const inodes = new Set<string>();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (m) inodes.add(m[1]!);
    } catch {
      // the descriptor closed while we looked
    }
  }
  return readFileSync("/proc/net/tcp", "utf8")
    .split("\n")
    .slice(1)
    .map((line) => line.trim().split(/\s+/))
    .filter((cols) => cols.length >= 10 && cols[3] === "0A" && inodes.has(cols[9]!))
    .map((cols) => parseInt(cols[1]!.split(":")[1]!, 16));
}

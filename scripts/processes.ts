/**
 * Child-process helpers shared by `npm start` and `npm run bench`: wrangler with the project's
 * Node 22, process-group stops, and small waiting utilities.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { resolve } from "node:path";

/** Run wrangler with this Node (22): the system one may be too old. */
export const WRANGLER_BIN = resolve("node_modules/wrangler/bin/wrangler.js");
/** No download of the `cf` object and no telemetry: wrangler must work offline. */
export const WRANGLER_ENV = { CLOUDFLARE_CF_FETCH_ENABLED: "false", WRANGLER_SEND_METRICS: "false" };

/**
 * Runs a short wrangler command to completion and returns its stdout; rejects with its output on
 * failure. `running` (optional) holds the child while it runs, so a shutdown can stop it.
 */
export function runWrangler(
  args: string[],
  env: Record<string, string> = {},
  running?: Set<ChildProcess>,
): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [WRANGLER_BIN, ...args], {
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, ...WRANGLER_ENV, ...env },
    });
    running?.add(child);
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("error", reject);
    child.on("close", (code) => {
      running?.delete(child);
      if (code === 0) resolvePromise(stdout);
      else reject(new Error(`wrangler ${args.slice(0, 3).join(" ")} failed (exit ${code}):\n${stderr || stdout}`));
    });
  });
}

/** SIGTERM to the child's process group, SIGKILL after 5 s. */
export async function stopProcessGroup(child: ChildProcess): Promise<void> {
  const group = child.pid;
  if (!group || !groupAlive(group)) return;
  signalGroup(group, "SIGTERM");
  if (await until(() => !groupAlive(group), 5000)) return;
  signalGroup(group, "SIGKILL");
  if (!(await until(() => !groupAlive(group), 2000))) throw new Error(`process group ${group} survived SIGKILL`);
}

function groupAlive(group: number): boolean {
  try {
    process.kill(-group, 0);
    return true;
  } catch {
    return false;
  }
}

function signalGroup(group: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-group, signal);
  } catch {
    // already gone
  }
}

/** Polls `condition` every 100 ms until it holds or `timeoutMs` passes. */
export async function until(condition: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (condition()) return true;
    await sleep(100);
  }
  return condition();
}

/** Rejects with `message` when `promise` takes longer than `ms`. */
export function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Resolves after `ms`. */
export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/**
 * Polls `${api}/health` until it answers 200. `check` runs before each try and throws to give up
 * early (the server died); `hint` adds context to the timeout error.
 */
export async function waitForHealth(
  api: string,
  timeoutMs: number,
  opts: { check?: () => void; hint?: () => string } = {},
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = "no answer";
  while (Date.now() < deadline) {
    opts.check?.();
    try {
      const res = await fetch(`${api}/health`, { signal: AbortSignal.timeout(5000) });
      if (res.status === 200) return;
      last = `${res.status} ${await res.text()}`;
    } catch (err) {
      last = String((err as { cause?: unknown }).cause ?? err);
    }
    await sleep(500);
  }
  throw new Error(`${api}/health did not answer 200 within ${timeoutMs / 1000}s (last: ${last})${opts.hint?.() ?? ""}`);
}

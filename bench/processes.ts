/**
 * Child processes and teardown for the benchmark: everything the bench starts registers a cleanup,
 * and `teardown()` runs them newest first (also on SIGINT/SIGTERM or an error), each with a deadline.
 */
import { spawn, type ChildProcess } from "node:child_process";
import {
  runWrangler,
  stopProcessGroup,
  until,
  withTimeout,
  sleep,
  WRANGLER_BIN,
  WRANGLER_ENV,
} from "../scripts/processes";
import { createInterface } from "node:readline";
import type { Readable } from "node:stream";

const STOP_TIMEOUT_MS = 15_000;

interface Cleanup {
  name: string;
  run: () => Promise<void>;
}
const cleanups: Cleanup[] = [];
let tornDown: Promise<void> | null = null;

/** Registers something to undo at teardown (run in reverse order of registration). */
export function onTeardown(name: string, run: () => Promise<void>): void {
  cleanups.push({ name, run });
}

/** Runs every registered cleanup once, newest first; later calls wait for the first. */
export function teardown(log: (line: string) => void = console.log): Promise<void> {
  tornDown ??= (async () => {
    for (const cleanup of cleanups.reverse()) {
      try {
        await withTimeout(
          cleanup.run(),
          STOP_TIMEOUT_MS,
          `${cleanup.name} did not stop within ${STOP_TIMEOUT_MS / 1000}s`,
        );
        log(`  stopped ${cleanup.name}`);
      } catch (err) {
        log(`  ✗ ${err instanceof Error ? err.message : String(err)}`);
      }
    }
  })();
  return tornDown;
}

/** A long-running child in its own process group (so stopping it takes its children along), with its output kept. */
export interface Service {
  name: string;
  child: ChildProcess;
  output: OutputTail;
  stop(): Promise<void>;
}

/** Spawns a long-running service (in `cwd`, default this process's); its stop is registered for teardown. */
export function startService(
  name: string,
  command: string,
  args: string[],
  env: Record<string, string | undefined>,
  patterns: Record<string, RegExp> = {},
  cwd?: string,
): Service {
  const child = spawn(command, args, {
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, ...env },
    cwd,
  });
  const output = new OutputTail(300, patterns);
  output.follow(child.stdout);
  output.follow(child.stderr);
  const service: Service = { name, child, output, stop: () => stopProcessGroup(child) };
  onTeardown(name, service.stop);
  return service;
}

/** The last lines a process printed, error lines counted by kind, and counts of lines matching `patterns`. */
export class OutputTail {
  readonly lines: string[] = [];
  errorLines = 0;
  /** Error lines by `msg · path · err.message` (Roomline's JSON log lines) or their first 100 characters, with one sample each. */
  readonly errorKinds: Record<string, { count: number; sample: string }> = {};
  readonly matches: Record<string, number> = {};

  constructor(
    private readonly keep = 300,
    private readonly patterns: Record<string, RegExp> = {},
  ) {
    for (const name of Object.keys(patterns)) this.matches[name] = 0;
  }

  /** Reads a stream line by line into the tail. */
  follow(stream: Readable): void {
    createInterface({ input: stream, crlfDelay: Infinity }).on("line", (line) => this.push(line));
  }

  /** Adds one line. */
  push(raw: string): void {
    const line = raw.replace(/\x1b\[[0-9;]*m/g, "");
    this.lines.push(line);
    if (this.lines.length > this.keep) this.lines.shift();
    for (const [name, pattern] of Object.entries(this.patterns)) if (pattern.test(line)) this.matches[name]!++;
    if (!/"level":"error"|✘ \[ERROR\]|\bUncaught\b/.test(line)) return;
    this.errorLines++;
    const kind = errorKind(line);
    const known = this.errorKinds[kind];
    if (known) known.count++;
    else this.errorKinds[kind] = { count: 1, sample: line.slice(0, 600) };
  }

  /** The last `n` lines as one string. */
  tail(n = 40): string {
    return this.lines.slice(-n).join("\n");
  }
}

function errorKind(line: string): string {
  const msg = /"msg":"([^"]*)"/.exec(line)?.[1];
  const path = /"path":"([^"]*)"/.exec(line)?.[1];
  const message = /"message":"([^"]{0,100})/.exec(line)?.[1] ?? /"err":"([^"]{0,100})/.exec(line)?.[1];
  return msg ? [msg, path, message].filter(Boolean).join(" · ") : line.slice(0, 100);
}

export { runWrangler, stopProcessGroup, until, withTimeout, sleep, WRANGLER_BIN, WRANGLER_ENV };

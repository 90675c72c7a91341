/** Writes benchmark results as JSON under bench/results, with the machine they ran on. */
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus, platform, release, totalmem } from "node:os";
import { join } from "node:path";

const RESULTS_DIR = "bench/results";

/** What the numbers were measured on. */
export function machineInfo() {
  const cpu = cpus();
  return {
    cpus: cpu.length,
    cpuModel: cpu[0]?.model ?? "unknown",
    totalMemoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    os: `${platform()} ${release()}`,
  };
}

/** Writes `bench/results/<name>-<timestamp>.json` and `bench/results/latest.json`; returns the first path. */
export function writeResults(name: string, startedAt: Date, data: unknown): string {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const stamp = startedAt.toISOString().replaceAll(":", "-");
  const path = join(RESULTS_DIR, `${name}-${stamp}.json`);
  const text = `${JSON.stringify(data, null, 2)}\n`;
  writeFileSync(path, text);
  writeFileSync(join(RESULTS_DIR, "latest.json"), text);
  return path;
}

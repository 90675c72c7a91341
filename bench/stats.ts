/** Percentiles and plain-text tables for the benchmark's report. */

/** The p-th percentile (0–100) of `values` by nearest rank; 0 for an empty list. */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

/** Rounds to `digits` decimals (for JSON and tables). */
export function round(value: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/** A latency distribution in milliseconds, for JSON and tables. */
export interface Latency {
  n: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  mean: number;
}

export function latency(ms: number[], digits = 1): Latency {
  return {
    n: ms.length,
    p50: round(percentile(ms, 50), digits),
    p95: round(percentile(ms, 95), digits),
    p99: round(percentile(ms, 99), digits),
    max: round(
      ms.reduce((a, b) => Math.max(a, b), 0),
      digits,
    ),
    mean: round(ms.reduce((a, b) => a + b, 0) / Math.max(1, ms.length), digits),
  };
}

/** Ratio a/b rounded to two decimals, or null when b is 0. */
export function ratio(a: number, b: number): number | null {
  return b === 0 ? null : round(a / b, 2);
}

/** A left-aligned text table with a header rule. */
export function table(headers: string[], rows: (string | number | boolean | null)[][]): string {
  const cells = [headers, ...rows.map((r) => r.map((c) => (c === null ? "—" : String(c))))];
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? "").length)));
  const line = (r: string[]) =>
    `  ${r
      .map((c, i) => c.padEnd(widths[i]!))
      .join("  ")
      .trimEnd()}`;
  return [line(cells[0]!), `  ${widths.map((w) => "─".repeat(w)).join("  ")}`, ...cells.slice(1).map(line)].join("\n");
}

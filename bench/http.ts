/**
 * The load generator's HTTP client: plain node:http with a keep-alive agent, so the number of
 * sockets is exactly the client concurrency and every target (Roomline, baseline) gets the same client.
 */
import { Agent, request } from "node:http";

export interface HttpResult {
  status: number;
  body: string;
  ms: number;
  error?: string;
}

export interface HttpClient {
  /** Sends one request; never throws (a network error is status 0 with `error`). */
  send(
    method: string,
    url: string,
    opts?: { body?: unknown; headers?: Record<string, string>; timeoutMs?: number },
  ): Promise<HttpResult>;
  /**
   * Opens `sockets` keep-alive connections to `url`'s server before a timed run, at most
   * WARM_STEP new ones at a time (see WARM_STEP), and leaves them open for the run.
   */
  warm(url: string, sockets: number): Promise<void>;
  /** Closes the agent's sockets. */
  close(): void;
}

/**
 * New connections opened at once while warming. A listening socket queues at most its backlog of
 * connections not yet accepted (workerd's is far below 1,000); the kernel drops the SYNs beyond
 * it and the client retries them after 1 s, 3 s, 7 s, which put whole seconds of idle server
 * and multi-second p99s into the figures of every system, none of them the server's work. In
 * production the client's connection ends at Cloudflare's edge, not at the worker, so the bench
 * opens every socket before it starts the clock, for every system alike.
 */
const WARM_STEP = 50;

/** A client with at most `maxSockets` connections open at once. */
export function httpClient(maxSockets: number): HttpClient {
  const agent = new Agent({ keepAlive: true, maxSockets, maxFreeSockets: maxSockets });
  return {
    send: (method, url, opts = {}) => send(agent, method, url, opts),
    warm: async (url, sockets) => {
      // Each wave reuses the sockets already open and adds up to WARM_STEP new ones.
      for (let open = 0; open < Math.min(sockets, maxSockets);) {
        const next = Math.min(sockets, maxSockets, open + WARM_STEP);
        await Promise.all(Array.from({ length: next }, () => send(agent, "GET", url, {})));
        open = next;
      }
    },
    close: () => agent.destroy(),
  };
}

function send(
  agent: Agent,
  method: string,
  url: string,
  opts: { body?: unknown; headers?: Record<string, string>; timeoutMs?: number },
): Promise<HttpResult> {
  const body = opts.body === undefined ? undefined : JSON.stringify(opts.body);
  const headers: Record<string, string> = { accept: "application/json", ...opts.headers };
  if (body !== undefined) {
    headers["content-type"] = "application/json";
    headers["content-length"] = String(Buffer.byteLength(body));
  }
  const started = performance.now();
  return new Promise((resolve) => {
    const req = request(url, { method, headers, agent, timeout: opts.timeoutMs ?? 120_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () =>
        resolve({
          status: res.statusCode ?? 0,
          body: Buffer.concat(chunks).toString(),
          ms: performance.now() - started,
        }),
      );
      res.on("error", (err) => resolve({ status: 0, body: "", ms: performance.now() - started, error: err.message }));
    });
    req.on("timeout", () => req.destroy(new Error("client timeout")));
    req.on("error", (err) =>
      resolve({
        status: 0,
        body: "",
        ms: performance.now() - started,
        error: (err as NodeJS.ErrnoException).code ?? err.message,
      }),
    );
    req.end(body);
  });
}

/** Sends JSON and parses the answer, throwing unless the status is `expect`. */
export async function sendJson<T>(
  client: HttpClient,
  method: string,
  url: string,
  expect: number,
  opts: { body?: unknown; headers?: Record<string, string> } = {},
): Promise<T> {
  const res = await client.send(method, url, opts);
  if (res.status !== expect)
    throw new Error(
      `${method} ${url} answered ${res.status} (expected ${expect}): ${res.error ?? res.body.slice(0, 500)}`,
    );
  return JSON.parse(res.body) as T;
}

/** Runs `jobs` with at most `concurrency` in flight; results keep the jobs' order. */
export async function pooled<T>(jobs: (() => Promise<T>)[], concurrency: number): Promise<T[]> {
  const results = new Array<T>(jobs.length);
  let next = 0;
  const worker = async () => {
    while (next < jobs.length) {
      const i = next++;
      results[i] = await jobs[i]!();
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, jobs.length) }, worker));
  return results;
}

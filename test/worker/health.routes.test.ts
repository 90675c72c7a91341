import { env, exports } from "cloudflare:workers";
import { createExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import worker from "../../workers/index";
import { call, json, tokenFor } from "./helpers";

describe("GET /health", () => {
  it("reports D1 and Postgres up", async () => {
    const res = await call("GET", "/health");
    expect(res.status).toBe(200);
    expect(await json(res)).toEqual({ status: "ok", checks: { d1: "ok", postgres: "ok" } });
  });

  it("answers 503 naming Postgres when it is unreachable", async () => {
    const broken = { ...env, PG: { ...env.PG, connectionString: "postgres://nobody:x@127.0.0.1:1/none" } } as Env;
    const res = await worker.fetch(new Request("https://api.test/health"), broken, createExecutionContext());
    expect(res.status).toBe(503);
    expect(await json(res)).toEqual({ status: "degraded", checks: { d1: "ok", postgres: "down" } });
  });

  it("answers 503 naming D1 when it fails", async () => {
    const failing = {
      prepare: () => ({ first: () => Promise.reject(new Error("D1 down")) }),
      withSession: () => ({ ...failing, getBookmark: () => null }),
    };
    const broken = { ...env, DB: failing } as unknown as Env;
    const res = await worker.fetch(new Request("https://api.test/health"), broken, createExecutionContext());
    expect(res.status).toBe(503);
    expect((await json(res)).checks).toEqual({ d1: "down", postgres: "ok" });
  });

  it("is reachable through the exported handler", async () => {
    expect((await exports.default.fetch("https://api.test/health")).headers.get("x-request-id")).toBeTruthy();
  });
});

describe("Postgres unreachable during a request", () => {
  it("answers 503 dependency_unavailable with Retry-After, without internals", async () => {
    const token = await tokenFor("usr_x");
    const broken = { ...env, PG: { ...env.PG, connectionString: "postgres://nobody:x@127.0.0.1:1/none" } } as Env;
    const res = await worker.fetch(
      new Request("https://api.test/v1/leases", { headers: { authorization: `Bearer ${token}` } }),
      broken,
      createExecutionContext(),
    );
    expect(res.status).toBe(503);
    expect(res.headers.get("retry-after")).toBe("5");
    const body = await json(res);
    expect(body.code).toBe("dependency_unavailable");
    expect(JSON.stringify(body)).not.toMatch(/127\.0\.0\.1|nobody|ECONNREFUSED/);
  });
});

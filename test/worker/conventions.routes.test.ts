import { createExecutionContext } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import { describe, expect, it } from "vitest";
import type { AppEnv } from "../../workers/env";
import { renderError } from "../../workers/errors";
import worker from "../../workers/index";
import { call, json, signUp, validProperty } from "./helpers";

function expectProblem(res: Response, status: number, code: string) {
  expect(res.status).toBe(status);
  expect(res.headers.get("content-type")).toBe("application/problem+json");
  return res.json().then((body: any) => {
    expect(body).toMatchObject({
      status,
      code,
      title: expect.any(String),
      detail: expect.any(String),
      requestId: res.headers.get("x-request-id"),
    });
    expect(JSON.stringify(body)).not.toMatch(/at \w+ \(|SQLITE|select |insert into/i);
    return body;
  });
}

describe("errors", () => {
  it("answers an unknown route with 404 not_found", async () => {
    await expectProblem(await call("GET", "/v1/nowhere"), 404, "not_found");
    await expectProblem(await call("GET", "/v1/bookings/"), 404, "not_found");
  });

  it("answers a known route with the wrong method with 405 and Allow", async () => {
    const res = await call("PUT", "/v1/auth/login", { body: {} });
    await expectProblem(res, 405, "method_not_allowed");
    expect(res.headers.get("allow")).toBe("POST");
    const withParam = await call("POST", "/v1/rooms/room_x");
    expect(withParam.status).toBe(405);
    expect(withParam.headers.get("allow")).toBe("GET, HEAD, PATCH");
  });

  it("answers malformed JSON with 400 malformed_json", async () => {
    await expectProblem(await call("POST", "/v1/auth/login", { body: '{"email": "a@b.c",' }), 400, "malformed_json");
  });

  it("answers a schema violation with 422 and the failing fields", async () => {
    const body = await expectProblem(
      await call("POST", "/v1/auth/register", {
        body: { email: "not-an-email", password: "short", name: "", role: "tenant" },
      }),
      422,
      "validation_failed",
    );
    expect(body.errors.map((e: { path: string }) => e.path).sort()).toEqual(["email", "name", "password"]);
  });

  it("answers a body over 1 MiB with 413, whether declared, chunked or understated", async () => {
    const big = JSON.stringify({ email: "a@b.co", password: "x".repeat(1024 * 1024) });
    await expectProblem(await call("POST", "/v1/auth/login", { body: big }), 413, "payload_too_large");

    const chunks = [new TextEncoder().encode(big.slice(0, 600_000)), new TextEncoder().encode(big.slice(600_000))];
    const chunked = new ReadableStream<Uint8Array>({
      pull(controller) {
        const next = chunks.shift();
        if (next) controller.enqueue(next);
        else controller.close();
      },
    });
    const streamed = await exports.default.fetch(
      new Request("https://api.test/v1/auth/login", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: chunked,
        duplex: "half",
      } as RequestInit),
    );
    await expectProblem(streamed, 413, "payload_too_large");

    const lying = await exports.default.fetch(
      new Request("https://api.test/v1/auth/login", {
        method: "POST",
        headers: { "content-type": "application/json", "content-length": "20" },
        body: new Blob([big]).stream(),
        duplex: "half",
      } as RequestInit),
    );
    await expectProblem(lying, 413, "payload_too_large");
  });

  it("accepts a body just under the limit", async () => {
    const res = await call("POST", "/v1/auth/login", {
      body: JSON.stringify({ email: "a@b.co", password: "x".repeat(200) }),
    });
    expect(res.status).toBe(401);
  });

  it("answers a wrong content type with 415", async () => {
    await expectProblem(
      await call("POST", "/v1/auth/login", { body: "email=a", headers: { "content-type": "text/plain" } }),
      415,
      "unsupported_media_type",
    );
  });

  it("answers an unexpected error with 500 internal_error and none of its text", async () => {
    // a D1 that fails the way a bad query does, with the SQL in the message
    const sqlError = (query: string) =>
      new Error(`D1_ERROR: no such column: secret_col: SQLITE_ERROR while running ${query}`);
    const failing = {
      prepare: (query: string) => {
        throw sqlError(query);
      },
      batch: () => Promise.reject(sqlError("batch")),
      withSession: () => ({ ...failing, getBookmark: () => null }),
    };
    const broken = { ...env, DB: failing } as unknown as Env;
    const res = await worker.fetch(new Request("https://api.test/v1/properties"), broken, createExecutionContext());
    const body = await expectProblem(res, 500, "internal_error");
    expect(JSON.stringify(body)).not.toMatch(/secret_col|D1_ERROR|properties/);
  });

  it("never shows an HTTPException's own message", async () => {
    const app = new Hono<AppEnv>()
      .get("/", () => {
        throw new HTTPException(404, { message: "no row in table secret_col" });
      })
      .get("/boom", () => {
        throw new HTTPException(503, { message: "upstream at 10.0.0.7 said no" });
      });
    app.onError(renderError);
    const notFound = await json(await app.request("/"));
    expect(notFound).toMatchObject({ status: 404, code: "not_found", title: "Not found", detail: "Not found" });
    const boom = await app.request("/boom");
    expect(boom.status).toBe(500);
    const boomBody = await json(boom);
    expect(boomBody).toMatchObject({
      status: 500,
      code: "internal_error",
      title: "Internal error",
      detail: expect.any(String),
    });
    expect(JSON.stringify(boomBody)).not.toContain("10.0.0.7");
  });

  it("answers a socket route over plain HTTP: 401 for a bad ticket, 426 with Upgrade (ticket unspent) for a good one", async () => {
    for (const path of ["/v1/chat?ticket=abc", "/v1/notifications/socket?ticket=abc"]) {
      const res = await call("GET", path);
      expect(res.status).toBe(401);
      expect((await json(res)).code).toBe("unauthorized");
    }
    const user = await signUp("tenant");
    const { ticket } = await json(await call("POST", "/v1/notifications/tickets", { token: user.accessToken }));
    for (let i = 0; i < 2; i++) {
      const res = await call("GET", `/v1/notifications/socket?ticket=${ticket}`);
      expect(res.status).toBe(426);
      expect(res.headers.get("upgrade")).toBe("websocket");
      expect(res.headers.get("content-type")).toBe("application/problem+json");
      expect((await json(res)).code).toBe("upgrade_required");
    }
  });
});

describe("request ids", () => {
  it("echoes a sane inbound id and replaces an unsafe one", async () => {
    const sane = await call("GET", "/health", { headers: { "x-request-id": "client-abc-12345" } });
    expect(sane.headers.get("x-request-id")).toBe("client-abc-12345");
    const unsafe = await call("GET", "/health", { headers: { "x-request-id": "<script>alert(1)</script>" } });
    expect(unsafe.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe("CORS", () => {
  it("allows listed origins only", async () => {
    const allowed = await call("OPTIONS", "/v1/properties", {
      headers: { origin: "http://localhost:5173", "access-control-request-method": "POST" },
    });
    expect(allowed.headers.get("access-control-allow-origin")).toBe("http://localhost:5173");
    const denied = await call("GET", "/health", { headers: { origin: "https://evil.example" } });
    expect(denied.headers.get("access-control-allow-origin")).toBeNull();
  });
});

describe("OpenAPI and /docs", () => {
  it("serves an OpenAPI 3.1 document covering the routes", async () => {
    const doc = await json(await call("GET", "/openapi.json"));
    expect(doc.openapi).toBe("3.1.0");
    for (const path of [
      "/health",
      "/v1/auth/register",
      "/v1/auth/login",
      "/v1/auth/refresh",
      "/v1/auth/logout",
      "/v1/me",
      "/v1/properties",
      "/v1/properties/{id}",
      "/v1/properties/{id}/rooms",
      "/v1/rooms/{id}",
      "/.well-known/jwks.json",
    ]) {
      expect(doc.paths[path], path).toBeDefined();
    }
    expect(doc.components.schemas.Problem).toBeDefined();
    expect(doc.paths["/v1/properties"].post.requestBody.content["application/json"].schema.$ref).toBe(
      "#/components/schemas/CreateProperty",
    );
  });

  it("serves Scalar's API reference from the worker's own assets, under a CSP that allows no other origin", async () => {
    const page = await call("GET", "/docs");
    expect(page.status).toBe(200);
    const html = await page.text();
    const scripts = [...html.matchAll(/<script src="([^"]+)"><\/script>/g)].map((m) => m[1]);
    expect(scripts).toEqual(["/docs/scalar.js", "/docs/init.js"]);
    expect(html).not.toMatch(/https?:\/\//);
    expect(html).not.toMatch(/<script>/);
    const csp = page.headers.get("content-security-policy")!;
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self';");
    expect(csp).toContain("connect-src 'self';");
    expect(csp).not.toMatch(/https?:|\*/);

    const bundle = await call("GET", "/docs/scalar.js");
    expect(bundle.status).toBe(200);
    expect(bundle.headers.get("content-type")).toContain("javascript");
    expect(bundle.headers.get("x-request-id")).toBeTruthy();
    expect(await bundle.text()).toContain("createApiReference");

    const init = await call("GET", "/docs/init.js");
    expect(init.headers.get("content-type")).toContain("javascript");
    const config = JSON.parse(/createApiReference\("#reference", (.*)\);/.exec(await init.text())![1]!);
    expect(config).toMatchObject({ url: "/openapi.json", withDefaultFonts: false, telemetry: false });
  });
});

describe("pagination", () => {
  it("pages with limit and nextCursor, capping limit at 100", async () => {
    const landlord = await signUp("landlord");
    const city = `Pageville-${crypto.randomUUID().slice(0, 8)}`;
    for (let i = 0; i < 5; i++) {
      await call("POST", "/v1/properties", {
        token: landlord.accessToken,
        body: { ...validProperty(), address: { ...validProperty().address, city } },
      });
    }
    const first = await json(await call("GET", `/v1/properties?city=${city}&limit=2`));
    expect(first.items).toHaveLength(2);
    const second = await json(await call("GET", `/v1/properties?city=${city}&limit=2&cursor=${first.nextCursor}`));
    const third = await json(await call("GET", `/v1/properties?city=${city}&limit=2&cursor=${second.nextCursor}`));
    expect(third.items).toHaveLength(1);
    expect(third.nextCursor).toBeNull();
    const ids = [...first.items, ...second.items, ...third.items].map((p: { id: string }) => p.id);
    expect(new Set(ids).size).toBe(5);
    expect((await json(await call("GET", `/v1/properties?city=${city}`))).items).toHaveLength(5);
    expect((await call("GET", "/v1/properties?limit=101")).status).toBe(422);
    expect((await call("GET", "/v1/properties?cursor=bogus")).status).toBe(422);
  });

  it("pages 20 items by default", async () => {
    const landlord = await signUp("landlord");
    const city = `Defaultville-${crypto.randomUUID().slice(0, 8)}`;
    const body = { ...validProperty(), address: { ...validProperty().address, city } };
    for (let i = 0; i < 21; i++)
      expect((await call("POST", "/v1/properties", { token: landlord.accessToken, body })).status).toBe(201);
    const first = await json(await call("GET", `/v1/properties?city=${city}`));
    expect(first.items).toHaveLength(20);
    expect(first.nextCursor).toEqual(expect.any(String));
    const rest = await json(await call("GET", `/v1/properties?city=${city}&cursor=${first.nextCursor}`));
    expect(rest.items).toHaveLength(1);
    expect(rest.nextCursor).toBeNull();
  });
});
